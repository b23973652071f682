#!/usr/bin/env python3
"""NumPy reference of Ada-KV's run-time split (METHOD.md section 5, `adakv`) for the C library's
slkv_plan_adaptive_caps, written from the published rule, not from slkv's code:

  per layer, with the plan's caps for the prompt summing to the layer total H*B,
  c_h = how many of the top-(H*B) pooled token scores across all heads of the layer fall in
        head h (ties toward the lower (head, position) index),
  cap_h = round(0.8 * c_h + int(0.2 * B)), Python's round (half to even), clamped to [0, T - w].

Writes tests/reference/golden/adakv_caps.json: random cases (scores with ties, budgets from 0 to
more than the candidates).

Run:  python3 tests/reference/adakv_reference.py   (numpy only)
"""
import json
import os
import sys

import numpy as np


def adakv_caps(pooled, caps, floor_fraction=0.2, adaptive_fraction=0.8):
    n_heads, n_cand = pooled.shape
    total = int(sum(max(0, c) for c in caps))
    k = min(total, n_heads * n_cand)
    flat = pooled.reshape(-1)
    # stable sort by descending score keeps the lower flat index first among ties
    order = np.argsort(-flat, kind="stable")[:k]
    count = np.bincount(order // n_cand, minlength=n_heads) if k > 0 else np.zeros(n_heads, int)
    per_head = total / n_heads
    floor_tokens = float(np.trunc(floor_fraction * per_head))
    out = []
    for h in range(n_heads):
        cap = round(adaptive_fraction * float(count[h]) + floor_tokens)
        out.append(int(min(max(cap, 0), n_cand)))
    return out


def main():
    rng = np.random.default_rng(20261202)
    cases = []
    for i in range(40):
        n_heads = int(rng.integers(1, 9))
        n_cand = int(rng.integers(1, 200))
        if i % 3 == 0:  # many ties
            pooled = rng.integers(0, 4, size=(n_heads, n_cand)).astype(np.float32) / 4
        else:
            pooled = rng.random((n_heads, n_cand), dtype=np.float32) ** 3
        b = int(rng.integers(0, n_cand + 20))
        caps = [b] * n_heads
        cases.append({"n_candidates": n_cand,
                      "pooled": [float(v) for v in pooled.reshape(-1)],
                      "caps_in": caps,
                      "caps_out": adakv_caps(pooled, caps)})
    out = {"command": "python3 tests/reference/adakv_reference.py",
           "numpy": np.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(__file__), "golden", "adakv_caps.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(f"wrote {path}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
