#!/usr/bin/env python3
"""Tokenizer throughput, slkv against llama.cpp, in one run.

Runs build/bench/slkv_bench_tokenize (the parity corpus repeated to --mb MB, encoded as one
text ("document") and line by line ("lines"), best of --runs) and then llama.cpp's tokenizer
through llama-cpp-python on the identical inputs with the same settings (no BOS, special-token
parsing on), checks that both produce the same number of tokens, and prints a markdown table
with the ratio. llama.cpp is called through the low-level binding `llama_cpp.llama_tokenize`
with a buffer allocated before timing and large enough for every input (the high-level
`Llama.tokenize` sizes its first buffer by n_ctx_train, 0 with vocab_only, and so tokenizes
everything twice). The figures still include one ctypes call per document or line.

Usage: /opt/slkv-ref/bin/python tests/reference/tokenizer_bench.py \
           [--bench build/bench/slkv_bench_tokenize] [--mb 1] [--runs 3]
"""
import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

import llama_cpp
from llama_cpp import Llama

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=str(ROOT / "build" / "bench" / "slkv_bench_tokenize"))
    ap.add_argument("--models", default=os.environ.get(
        "SLKV_MODELS", str(Path.home() / ".cache" / "slkv" / "models")))
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    paths = [str(Path(args.models) / m) for m in MODELS]

    out = subprocess.run([args.bench, *paths, "--mb", str(args.mb), "--runs", str(args.runs)],
                         check=True, capture_output=True, text=True).stdout
    slkv = {}
    for line in out.splitlines():
        if line.startswith("RESULT "):
            _, name, mode, n_bytes, seconds, n_tokens, _ = line.split()
            slkv[name, mode] = (int(n_bytes), float(seconds), int(n_tokens))

    corpus = (ROOT / "tests" / "data" / "tokenizer" / "corpus.txt").read_bytes()
    text = b""
    while len(text) < int(args.mb * 1e6):
        text += corpus
    lines = text.split(b"\n")
    if text.endswith(b"\n"):
        lines.pop()

    print(f"llama-cpp-python {llama_cpp.__version__}, {platform.machine()}, "
          f"one thread each, best of {args.runs}, text {len(text) / 1e6:.2f} MB\n")
    print("| model | mode | tokens | slkv MB/s | llama.cpp MB/s | slkv / llama.cpp |")
    print("|---|---|---|---|---|---|")
    for path, name in zip(paths, MODELS):
        llm = Llama(model_path=path, vocab_only=True, verbose=False)
        vocab = llm._model.vocab
        n_max = len(text) + 8
        buffer = (llama_cpp.llama_token * n_max)()

        def tokenize(data):
            n = llama_cpp.llama_tokenize(vocab, data, len(data), buffer, n_max, False, True)
            assert n >= 0, n
            return n

        # The binding must agree with the high-level call the goldens use.
        assert tokenize(lines[5]) == len(llm.tokenize(lines[5], add_bos=False, special=True))
        for mode in ("document", "lines"):
            best = float("inf")
            n_ref = 0
            for _ in range(args.runs):
                t0 = time.perf_counter()
                if mode == "document":
                    n_ref = tokenize(text)
                else:
                    n_ref = sum(tokenize(line) for line in lines)
                best = min(best, time.perf_counter() - t0)
            n_bytes, seconds, n_tokens = slkv[name, mode]
            assert n_bytes == len(text), (n_bytes, len(text))
            assert n_tokens == n_ref, f"{name} {mode}: slkv {n_tokens} tokens, llama.cpp {n_ref}"
            ours = n_bytes / 1e6 / seconds
            ref = len(text) / 1e6 / best
            print(f"| {name} | {mode} | {n_tokens} | {ours:.2f} | {ref:.2f} | {ours / ref:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
