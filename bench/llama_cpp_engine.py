#!/usr/bin/env python3
"""llama.cpp prefill and decode speed on the same GGUF files and prompt lengths as bench_engine,
for docs/benchmarks.md. Uses llama-cpp-python (which builds llama.cpp from source at install;
nothing of it is committed). Prompts are the same kind of pseudo-random token ids.

Usage: /opt/slkv-ref/bin/python bench/llama_cpp_engine.py MODEL [--prefill 512,2048,8192]
       [--decode-context 512,2048] [--decode-tokens 16] [--threads N]
"""
import argparse
import os
import time

import llama_cpp
import numpy as np
from llama_cpp import Llama


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--prefill", default="512,2048,8192")
    ap.add_argument("--decode-context", default="2048", help="comma-separated contexts")
    ap.add_argument("--decode-tokens", type=int, default=16)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--warmup", type=int, default=512,
                    help="tokens of one untimed prefill before the timed ones (0: none), as "
                         "slkv_bench_engine --warmup")
    args = ap.parse_args()
    lengths = [int(x) for x in args.prefill.split(",")]
    decode_contexts = [int(x) for x in args.decode_context.split(",")]
    n_ctx = max(lengths) + args.decode_tokens + 8
    llm = Llama(args.model, n_ctx=n_ctx, n_batch=512, n_ubatch=512, n_threads=args.threads,
                n_threads_batch=args.threads, verbose=False)
    vocab = llm.n_vocab()
    rng = np.random.default_rng(42)
    print(f"llama.cpp (llama-cpp-python {llama_cpp.__version__}) {args.model}, {args.threads} "
          f"threads, load average {os.getloadavg()[0]:.2f}")
    print(llama_cpp.llama_print_system_info().decode().strip())
    if args.warmup > 0:
        t0 = time.perf_counter()
        llm.reset()
        llm.eval([int(x) for x in rng.integers(0, vocab, args.warmup)])
        print(f"warm-up: one untimed {args.warmup}-token prefill, {time.perf_counter() - t0:.3f} s")
        rng = np.random.default_rng(42)  # the timed prompts as without a warm-up
    print(f"{'phase':8} {'tokens':>8} {'seconds':>10} {'tokens/s':>10}")
    for n in lengths:
        ids = [int(x) for x in rng.integers(0, vocab, n)]
        llm.reset()
        t0 = time.perf_counter()
        c0 = time.process_time()
        llm.eval(ids)
        s = time.perf_counter() - t0
        cpu = time.process_time() - c0
        print(f"{'prefill':8} {n:8d} {s:10.3f} {n / s:10.1f}   (cpu {cpu:.2f} s, "
              f"{n / cpu:.1f} tokens per CPU second)", flush=True)
        if n in decode_contexts:
            # Speed does not depend on which token is fed; feed the prompt's ids again.
            # Process CPU seconds too (all threads): a shared machine's load moves them less.
            t0 = time.perf_counter()
            c0 = time.process_time()
            for k in range(args.decode_tokens):
                llm.eval([ids[k]])
            s = time.perf_counter() - t0
            cpu = time.process_time() - c0
            print(f"{'decode':8} {args.decode_tokens:8d} {s:10.3f} {args.decode_tokens / s:10.2f}"
                  f"   (at context {n}, cpu {cpu:.2f} s, {args.decode_tokens / cpu:.2f} tokens "
                  f"per CPU second)", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
