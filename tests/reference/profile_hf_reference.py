#!/usr/bin/env python3
"""slkv-profile's per-head statistics recomputed the way the lineage tools get them: HF
transformers, eager attention, output_attentions=True (full T x T matrices for every layer), and
the METHOD.md section 3 formulas written again in NumPy. Two uses:

  1. correctness: on teacher-forced probes, compare every per-probe, per-head value of an slkv
     profile (copy_count, wtp, wfp, wfn, wtn, logic, dist, retrieval_reasoning, tp/fp/fn/tn)
     with this independent computation;
  2. benchmark (docs/benchmarks.md, Profiling): wall time and peak memory of the HF way on the
     same probes, to set against slkv-profile's time for them.

Make the inputs with a teacher-forced run that dumps its probes, e.g.:
  slkv-profile MODEL --teacher-force --lengths 1024 --depths 0.5 --families surface,distractor \
      --out p.h5 --dump-probes p.jsonl
  /opt/slkv-ref/bin/python tests/reference/profile_hf_reference.py MODEL p.jsonl p.h5

Needs torch, transformers, accelerate, gguf, h5py, numpy (tests/reference/requirements.txt).
"""
import argparse
import json
import os
import resource
import sys
import time

import h5py
import numpy as np
import torch
import transformers


def row_values(row, step, emitted, prompt, needle, distractor, n_needle, k):
    """METHOD.md section 3 for one softmax row (keys 0..len(row)-1)."""
    n_keys = len(row)
    in_n = np.zeros(n_keys, bool)
    in_n[: len(needle)] = needle
    in_d = np.zeros(n_keys, bool)
    in_d[: len(distractor)] = distractor
    order = np.argsort(-row, kind="stable")
    top = order[:k]
    top_mask = np.zeros(n_keys, bool)
    top_mask[top] = True
    wtp = row[top_mask & in_n].sum()
    wfp = row[top_mask & ~in_n].sum()
    wfn = row[~top_mask & in_n].sum()
    wtn = 1.0 - wtp - wfp - wfn
    tp = int((top_mask & in_n).sum())
    fp = int((top_mask & ~in_n).sum())
    fn = int((~top_mask & in_n).sum())
    tn = n_keys - tp - fp - fn
    am = int(order[0])
    copy = 1.0 if (am < len(prompt) and needle[am] and prompt[am] == emitted) else 0.0
    top_mass = row[top].sum()
    dist = row[top_mask & in_d].sum() / top_mass if top_mass > 0 else 0.0
    inf = 2 * wtp / (2 * wtp + wfp + wfn) if wtp > 0 else 0.0
    rr = row[order[:n_needle]][in_n[order[:n_needle]]].sum()
    return dict(copy=copy, wtp=wtp, wfp=wfp, wfn=wfn, wtn=wtn, tp=tp, fp=fp, fn=fn, tn=tn,
                dist=dist, inf=inf, rr=rr)


@torch.no_grad()
def hf_probe(model, probe, k):
    prompt = probe["tokens"]
    answer = probe["answer_tokens"]
    ids = prompt + answer[:-1]  # teacher forcing: one forward gives every answer step's row
    n_prompt = len(prompt)
    t0 = time.perf_counter()
    c0 = time.process_time()
    out = model(input_ids=torch.tensor([ids]), output_attentions=True, use_cache=False)
    forward_s = time.perf_counter() - t0
    hf_probe.cpu_s += time.process_time() - c0
    needle = np.zeros(n_prompt, bool)
    for b, e in probe["spans"]["N"]:
        needle[b:e] = True
    distractor = np.zeros(n_prompt, bool)
    for b, e in probe["spans"]["D"]:
        distractor[b:e] = True
    n_needle = int(needle.sum())
    n_layers = len(out.attentions)
    n_heads = out.attentions[0].shape[1]
    steps = len(answer)
    acc = {key: np.zeros((n_layers, n_heads)) for key in
           ("copy", "wtp", "wfp", "wfn", "wtn", "tp", "fp", "fn", "tn", "dist", "inf", "rr")}
    for layer, a in enumerate(out.attentions):
        a = a[0].float().numpy()  # [n_heads, T, T]
        for h in range(n_heads):
            for t in range(steps):
                q = n_prompt - 1 + t
                v = row_values(a[h, q, : q + 1].astype(np.float64), t, answer[t], prompt, needle,
                               distractor, n_needle, k)
                for key in acc:
                    acc[key][layer, h] += v[key]
    res = {
        "copy_count": acc["copy"],
        "wtp": acc["wtp"] / steps, "wfp": acc["wfp"] / steps, "wfn": acc["wfn"] / steps,
        "wtn": acc["wtn"] / steps,
        "tp": acc["tp"], "fp": acc["fp"], "fn": acc["fn"], "tn": acc["tn"],
        "logic": acc["inf"] / steps,
        "retrieval_reasoning": acc["rr"] / n_needle,
        "dist": acc["dist"] / steps,
    }
    return res, forward_s


hf_probe.cpu_s = 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="the .gguf file slkv-profile ran")
    ap.add_argument("probes", help="--dump-probes JSONL of a teacher-forced run")
    ap.add_argument("profile", help="the profile that run wrote")
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=2e-3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)


    t0 = time.perf_counter()
    model = transformers.AutoModelForCausalLM.from_pretrained(
        os.path.dirname(os.path.abspath(args.model)), gguf_file=os.path.basename(args.model),
        dtype=torch.float32, attn_implementation="eager")
    model.eval()
    load_s = time.perf_counter() - t0
    probes = [json.loads(line) for line in open(args.probes)]
    prof = h5py.File(args.profile, "r")
    if not bool(prof.attrs["teacher_forced"]):
        sys.exit("the profile must come from a --teacher-force run")
    per = prof["per_probe"]
    worst = {}
    total_tokens = 0
    t_run = 0.0
    t_forward = 0.0
    for i, p in enumerate(probes):
        t1 = time.perf_counter()
        ref, forward_s = hf_probe(model, p, args.top_k)
        t_forward += forward_s
        t_run += time.perf_counter() - t1
        total_tokens += len(p["tokens"]) + len(p["answer_tokens"]) - 1
        for key, want in ref.items():
            got = per[key][i].astype(np.float64)
            d = float(np.max(np.abs(got - want)))
            worst[key] = max(worst.get(key, 0.0), d)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, "
          f"{args.threads} threads")
    print(f"probes: {len(probes)}, tokens: {total_tokens}, load {load_s:.1f} s, "
          f"forward {t_forward:.2f} s ({total_tokens / t_forward:.0f} tokens/s), "
          f"forward+statistics {t_run:.2f} s ({total_tokens / t_run:.0f} tokens/s), "
          f"forward CPU time {hf_probe.cpu_s:.2f} s, peak RSS {peak_mib:.0f} MiB")
    ok = True
    for key, d in sorted(worst.items()):
        # Integer counts and COPY may flip on a near-tie of the top-k boundary or the argmax.
        flag = "ok" if d <= (1 if key in ("tp", "fp", "fn", "tn", "copy_count") else
                             args.tolerance) else "MISMATCH"
        ok &= flag == "ok"
        print(f"  max |slkv - hf| {key:20s} {d:.3g}  {flag}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
