#!/usr/bin/env python3
"""NumPy reference for libslkv_runtime selection and compaction (METHOD.md section 6).

Writes tests/runtime/golden/select_golden.json: random inputs (with ties, caps larger than
the prompt, caps of zero, prompts shorter than the window) and the kept positions, pooled
scores and compacted K/V that the C++ tests must reproduce exactly.

Usage: /opt/slkv-ref/bin/python tests/reference/runtime_reference.py [--out PATH]

Float32 arithmetic mirrors the documented order of operations (row sum in row order, then
divide by n_rows; pool; group sum in query-head order, then divide by the group size), all
elementwise, so probability-input results are bit-exact. q/k inputs go through exp and dot
products whose rounding differs between libraries; their cases carry a tolerance.
"""
import argparse
import json
import platform
import sys

import numpy as np


def row_scores_from_probs(probs, n_rows):
    """probs [n_rows, T] -> [T], float32, rows summed in order then divided."""
    acc = probs[0].astype(np.float32).copy()
    for r in range(1, n_rows):
        acc = (acc + probs[r]).astype(np.float32)
    return (acc / np.float32(n_rows)).astype(np.float32)


def row_scores_from_qk(q, k, n_tokens):
    """q [n_rows, d], k [T, d] -> [T]: causal softmax of the last rows, averaged (float64)."""
    n_rows, d = q.shape
    out = np.zeros(n_tokens, dtype=np.float64)
    for r in range(n_rows):
        n_keys = n_tokens - n_rows + r + 1
        logits = (k[:n_keys].astype(np.float64) @ q[r].astype(np.float64)) / np.sqrt(d)
        e = np.exp(logits - logits.max())
        out[:n_keys] += e / e.sum()
    return out / n_rows


def pool(scores, kind, kernel):
    """Pool along the sequence, stride 1, padding kernel//2 that never wins (ignored)."""
    n = scores.shape[0]
    if kind == "none" or kernel == 1:
        return scores.copy()
    r = kernel // 2
    out = np.empty_like(scores)
    for j in range(n):
        lo, hi = max(0, j - r), min(n, j + r + 1)
        seg = scores[lo:hi]
        if kind == "max":
            out[j] = seg.max()
        else:  # avg over the in-range entries, summed left to right
            s = seg.dtype.type(0)
            for v in seg:
                s = seg.dtype.type(s + v)
            out[j] = seg.dtype.type(s / seg.dtype.type(hi - lo))
    return out


def top_k_ascending(scores, k):
    """Top-k positions by (score desc, index asc), returned ascending."""
    n = scores.shape[0]
    if k <= 0:
        return []
    if k >= n:
        return list(range(n))
    order = np.lexsort((np.arange(n), -scores.astype(np.float64)))
    return sorted(int(i) for i in order[:k])


def select(case):
    """Per plan head: pooled candidate scores and kept positions (window included)."""
    hq, hkv, t, w = case["n_q_heads"], case["n_kv_heads"], case["n_tokens"], case["window"]
    rows, kv_gran = case["n_rows"], case["granularity"] == "kv_head"
    group = hq // hkv
    n_cand = max(0, t - w)
    n_plan = hkv if kv_gran else hq
    exact = "probs" in case
    dtype = np.float32 if exact else np.float64
    if exact:
        probs = np.array(case["probs"], dtype=np.float32).reshape(hq, rows, t)
    else:
        q = np.array(case["q"], dtype=np.float32).reshape(hq, rows, case["head_dim"])
        k = np.array(case["k_nhd"], dtype=np.float32).reshape(t, hkv, case["head_dim"])
    pooled_all, kept_all = [], []
    for h in range(n_plan):
        members = list(range(h * group, (h + 1) * group)) if kv_gran else [h]
        acc = None
        for qh in members:
            if exact:
                row = row_scores_from_probs(probs[qh], rows)
            else:
                row = row_scores_from_qk(q[qh], k[:, qh // group, :], t)
            p = pool(row[:n_cand].astype(dtype), case["pooling"], case["pool_kernel"])
            acc = p if acc is None else (acc + p).astype(dtype)
        if len(members) > 1:
            acc = (acc / dtype(len(members))).astype(dtype)
        kcap = min(max(0, case["caps"][h]), n_cand)
        kept = top_k_ascending(acc, kcap) + list(range(n_cand, t))
        pooled_all.append([float(x) for x in acc])
        kept_all.append(kept)
    return pooled_all, kept_all


def compact(case, kept_all):
    """Gather kept rows per plan head into one buffer: head h starts at offsets[h], holds
    lengths[h] rows and has capacity lengths[h] + slack (offsets include the slack)."""
    hq, hkv, t, d = case["n_q_heads"], case["n_kv_heads"], case["n_tokens"], case["head_dim"]
    group = hq // hkv
    kv_gran = case["granularity"] == "kv_head"
    kv = np.array(case["kv_nhd"], dtype=np.float32).reshape(t, hkv, d)
    slack = case["slack"]
    lengths = [len(k) for k in kept_all]
    offsets = [0]
    for n in lengths:
        offsets.append(offsets[-1] + n + slack)
    out = np.zeros((offsets[-1], d), dtype=np.float32)
    for h, kept in enumerate(kept_all):
        src = h if kv_gran else h // group
        for i, pos in enumerate(kept):
            out[offsets[h] + i] = kv[pos, src]
    return lengths, offsets, [float(x) for x in out.reshape(-1)]


def make_case(rng, name, hq, hkv, t, w, rows, gran, pooling, kernel, caps, mode, d=8, slack=2):
    case = {"name": name, "n_q_heads": hq, "n_kv_heads": hkv, "n_tokens": t, "window": w,
            "n_rows": rows, "granularity": gran, "pooling": pooling, "pool_kernel": kernel,
            "caps": caps, "head_dim": d, "slack": slack}
    if mode == "qk":
        case["q"] = [float(x) for x in rng.standard_normal(hq * rows * d).astype(np.float32)]
        case["k_nhd"] = [float(x) for x in rng.standard_normal(t * hkv * d).astype(np.float32)]
    else:
        if mode == "ties":  # multiples of 1/16: many exact ties
            probs = rng.integers(0, 4, size=hq * rows * t) / 16.0
        elif mode == "flat":  # every score equal: the lowest indices win
            probs = np.full(hq * rows * t, 1.0 / max(t, 1))
        else:
            probs = rng.random(hq * rows * t)
        case["probs"] = [float(x) for x in probs.astype(np.float32)]
    case["kv_nhd"] = [float(x) for x in rng.integers(-50, 50, size=t * hkv * d).astype(np.float32)]
    return case


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/runtime/golden/select_golden.json")
    args = ap.parse_args()
    rng = np.random.default_rng(20250829)
    cases = [
        make_case(rng, "ties_kv_max7", 8, 2, 40, 4, 4, "kv_head", "max", 7, [5, 0], "ties"),
        make_case(rng, "ties_query_max7_big_caps", 4, 2, 33, 4, 4, "query_head", "max", 7,
                  [1, 29, 500, 0], "ties"),
        make_case(rng, "random_query_avg5", 4, 4, 100, 8, 8, "query_head", "avg", 5,
                  [10, 92, 200, 0], "random"),
        make_case(rng, "random_kv_group4_nopool", 8, 2, 64, 8, 8, "kv_head", "none", 1,
                  [1, 30], "random"),
        make_case(rng, "random_kv_group4_max3", 16, 4, 129, 16, 2, "kv_head", "max", 3,
                  [0, 17, 100, 113], "random"),
        make_case(rng, "prompt_shorter_than_window", 4, 2, 5, 8, 3, "kv_head", "max", 7,
                  [3, 0], "random"),
        make_case(rng, "flat_scores", 4, 1, 30, 2, 2, "kv_head", "max", 7, [6], "flat"),
        make_case(rng, "zero_window", 2, 1, 20, 0, 1, "kv_head", "max", 7, [7], "ties"),
        make_case(rng, "qk_kv_max7", 4, 2, 50, 4, 4, "kv_head", "max", 7, [10, 20], "qk", d=16),
        make_case(rng, "qk_query_avg3", 4, 2, 40, 4, 2, "query_head", "avg", 3,
                  [5, 0, 12, 36], "qk", d=8),
    ]
    for case in cases:
        pooled, kept = select(case)
        case["expect_pooled"] = pooled
        case["expect_kept"] = kept
        lengths, offsets, rows = compact(case, kept)
        case["expect_lengths"], case["expect_offsets"], case["expect_compact"] = (
            lengths, offsets, rows)
    doc = {"produced_by": "tests/reference/runtime_reference.py --out " + args.out,
           "python": platform.python_version(), "numpy": np.__version__,
           "cases": cases}
    with open(args.out + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    import os
    os.replace(args.out + ".tmp", args.out)
    print(f"wrote {len(cases)} cases to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
