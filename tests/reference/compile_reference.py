#!/usr/bin/env python3
"""Independent NumPy reference for slkv-compile's `real`, `headkv` and `surfacelogic` modes.

Written from the formulas in docs METHOD.md section 5 and docs/method-notes.md (not from the
C++). real and headkv per query head, as the lineage does:

  s      = mean over probes of the head's scores         (lineage score file)
  B      = B_tot - w                                      (w = 8)
  SA     = s ** tau
  F      = floor(B / beta)
  headkv: p = SA / sum(SA);  cap = round_half_even(p * N * F + B - F)
  real:   SA' = SA + 0.01 * SA / (layer sum of SA)  (SA' = SA in a layer whose sum is 0)
          p = SA' / sum(SA');  pool = max(0, N * F - 0.5 * N)
          cap = round_half_even(p * pool + (B - F) + 0.5)

surfacelogic (two stages, per query head and per KV head with sum aggregation, KV head of
query head h = h // (H / KVH)):
  pi_l = layer sum of SA / sum(SA)      (1/L each when sum(SA) = 0)
  B_l  = H (B - floor(B/beta1)) + pi_l N floor(B/beta1)
  layer totals = largest remainder of B_l to N B (ties to the lower layer)
  b_l = B_l / H; cap_h = (b_l - floor(b_l/beta2)) + SA_h / layer SA * H floor(b_l/beta2)
  (uniform b_l when the layer SA is 0); head caps = largest remainder of cap_h to the total

Caps are tokens beyond the window. Writes one golden file per lineage file:

  compile_reference.py --lineage ../shared/data/lineage --out tests/data/compile
"""

import argparse
import json
import os
import re
import sys

import numpy as np

BUDGETS = (64, 128, 512, 2048)
WINDOW = 8
BETA = 1.351
TAU = 0.98
N_LAYERS, N_HEADS = 32, 32  # Llama-3-8B-Instruct and Mistral-7B-Instruct-v0.2 query heads
N_KV_HEADS = 8


def load_scores(path):
    with open(path) as f:
        raw = json.load(f)
    s = np.full((N_LAYERS, N_HEADS), np.nan)
    for key, values in raw.items():
        m = re.fullmatch(r"(\d+)-(\d+)", key)
        if not m:
            sys.exit(f"{path}: bad key {key!r}")
        layer, head = int(m.group(1)), int(m.group(2))
        if not np.isnan(s[layer, head]):
            sys.exit(f"{path}: duplicate head {key}")
        s[layer, head] = np.mean(np.asarray(values, dtype=np.float64))
    if np.isnan(s).any():
        sys.exit(f"{path}: missing heads")
    return s


def headkv_caps(s, b_tot):
    b = b_tot - WINDOW
    n = s.size
    sa = np.power(s, TAU)
    p = sa / sa.sum()
    f = np.floor(b / BETA)
    return np.round(p * n * f + b - f).astype(np.int64)


def real_caps(s, b_tot):
    b = b_tot - WINDOW
    n = s.size
    sa = np.power(s, TAU)
    layer_sum = sa.sum(axis=1, keepdims=True)
    safe = np.where(layer_sum > 0, layer_sum, 1.0)
    boosted = np.where(layer_sum > 0, sa + 0.01 * sa / safe, sa)
    p = boosted / boosted.sum()
    f = np.floor(b / BETA)
    pool = max(0.0, n * f - 0.5 * n)
    return np.round(p * pool + (b - f) + 0.5).astype(np.int64)


def largest_remainder(values, target):
    """Integers summing to target: floors, then +1 to the largest fractional parts (ties to
    the lower index)."""
    floors = np.floor(values)
    out = floors.astype(np.int64)
    missing = int(target - out.sum())
    assert 0 <= missing <= len(values), (missing, len(values))
    frac = values - floors
    order = sorted(range(len(values)), key=lambda i: (-frac[i], i))
    for i in order[:missing]:
        out[i] += 1
    return out


def surfacelogic_caps(s, b_tot):
    """s: [L, H] importance of the allocation units (query or KV heads)."""
    n_layers, n_heads = s.shape
    n = n_layers * n_heads
    b = b_tot - WINDOW
    sa = np.power(s, TAU)
    layer_sa = sa.sum(axis=1)
    total = layer_sa.sum()
    pi = layer_sa / total if total > 0 else np.full(n_layers, 1.0 / n_layers)
    f1 = np.floor(b / BETA)
    layer_budget = n_heads * (b - f1) + pi * n * f1
    layer_total = largest_remainder(layer_budget, n * b)
    caps = np.zeros((n_layers, n_heads), dtype=np.int64)
    for l in range(n_layers):
        per_head = layer_budget[l] / n_heads
        f2 = np.floor(per_head / BETA)
        share = sa[l] / layer_sa[l] if layer_sa[l] > 0 else np.full(n_heads, 1.0 / n_heads)
        caps[l] = largest_remainder((per_head - f2) + share * n_heads * f2, layer_total[l])
    return caps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lineage", required=True, help="folder with the lineage score files")
    ap.add_argument("--out", required=True, help="folder for the golden files")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = sorted(n for n in os.listdir(args.lineage) if n.endswith(".json"))
    for name in names:
        s = load_scores(os.path.join(args.lineage, name))
        golden = {
            "generated_by": {
                "command": "tests/reference/compile_reference.py --lineage ../shared/data/lineage "
                           "--out tests/data/compile",
                "python": sys.version.split()[0],
                "numpy": np.__version__,
            },
            "lineage_file": name,
            "shape": {"n_layers": N_LAYERS, "n_heads": N_HEADS, "n_kv_heads": N_KV_HEADS},
            "granularity": "query (surfacelogic_kv_sum: kv, gqa sum)",
            "window": WINDOW,
            "beta": BETA,  # beta of real/headkv, beta1 = beta2 of surfacelogic
            "tau": TAU,
            "caps": {},  # method -> budget -> [n_layers][n_heads] tokens beyond the window
        }
        for method, fn in (("headkv", headkv_caps), ("real", real_caps)):
            golden["caps"][method] = {str(b): fn(s, b).tolist() for b in BUDGETS}
        kv = s.reshape(N_LAYERS, N_KV_HEADS, N_HEADS // N_KV_HEADS).sum(axis=2)
        golden["caps"]["surfacelogic_query"] = {
            str(b): surfacelogic_caps(s, b).tolist() for b in BUDGETS}
        golden["caps"]["surfacelogic_kv_sum"] = {
            str(b): surfacelogic_caps(kv, b).tolist() for b in BUDGETS}
        out = os.path.join(args.out, name.replace(".json", ".golden.json"))
        with open(out, "w") as f:
            json.dump(golden, f, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        print(out)


if __name__ == "__main__":
    main()
