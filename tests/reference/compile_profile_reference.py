#!/usr/bin/env python3
"""Independent check of slkv-compile on an slkv HDF5 profile (h5py + NumPy, not the C++).

Writes a fixture profile with the C++ writer, reads it with h5py and recomputes, from
METHOD.md section 5 and docs/budget-format.md:

  importance s = norm(S_logic) + 0.5 * norm(S_surface)  (norm = divide by the model-wide sum,
                 a zero sum leaves 0), s = 0 for heads whose flags are exactly "ignoring" (4)
  caps         = surfacelogic_caps of compile_reference.py, per query head, and per KV head
                 with sum aggregation (KV head of query head h = h // (H / KVH))
  labels       = primary label names; a KV head's by precedence surface > logic > distracted
                 > ignoring over its query heads
  source       = kind "profile", seed and model fingerprint from the root attributes

then runs slkv-compile on the same file (shape taken from the profile) and compares:

  compile_profile_reference.py --writer build/tests/compile/write_compile_profile_fixture \\
      --compile build/tools/slkv-compile/slkv-compile --out /tmp/cpr
"""

import argparse
import json
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compile_reference import surfacelogic_caps  # noqa: E402

NAMES = ["surface", "logic", "ignoring", "distracted"]
KV_PRECEDENCE = ["surface", "logic", "distracted", "ignoring"]


def normalised(v):
    total = 0.0
    for x in v.ravel():  # sequential, layer-major, as a plain loop sums
        total += float(x)
    return v / total if total > 0 else np.zeros_like(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--writer", required=True)
    ap.add_argument("--compile", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    profile = os.path.join(args.out, "fixture.h5")
    subprocess.run([args.writer, profile], check=True)

    with h5py.File(profile, "r") as f:
        logic = f["scores/logic"][()].astype(np.float64)
        surface = f["scores/surface"][()].astype(np.float64)
        flags = f["labels/flags"][()]
        primary = f["labels/primary"][()]
        n_kv = int(f.attrs["n_kv_heads"])
        seed = int(f.attrs["seed"])
        fingerprint = f.attrs["model_fingerprint"]
        fingerprint = fingerprint.decode() if isinstance(fingerprint, bytes) else str(fingerprint)
    n_layers, n_heads = logic.shape
    group = n_heads // n_kv
    s = normalised(logic) + 0.5 * normalised(surface)
    s[flags == 4] = 0.0
    s_kv = s.reshape(n_layers, n_kv, group).sum(axis=2)
    names = [[NAMES[x] for x in row] for row in primary]
    kv_names = [[min((names[l][k * group + j] for j in range(group)), key=KV_PRECEDENCE.index)
                 for k in range(n_kv)] for l in range(n_layers)]
    print(f"profile {n_layers} layers x {n_heads} query heads ({n_kv} KV heads); "
          f"{int((flags == 4).sum())} ignoring-only heads; labels "
          f"{ {n: sum(r.count(n) for r in names) for n in NAMES} }")

    failures = 0
    checks = 0
    for granularity, importance, labels in (("query", s, names), ("kv", s_kv, kv_names)):
        for budget in (24, 64, 128, 512):
            out = os.path.join(args.out, f"{granularity}-{budget}.plan.json")
            subprocess.run([args.compile, profile, "--budget", str(budget), "--granularity",
                            granularity, "--out", out], check=True)
            with open(out) as fp:
                plan = json.load(fp)
            want = surfacelogic_caps(importance, budget)
            got = np.asarray(plan["caps"], dtype=np.int64)
            checks += 1
            if got.shape != want.shape or not np.array_equal(got, want):
                failures += 1
                print(f"FAIL caps {granularity} {budget}: max |diff| "
                      f"{np.abs(got - want).max() if got.shape == want.shape else 'shape'}")
            if plan["labels"] != labels:
                failures += 1
                print(f"FAIL labels {granularity} {budget}")
            src = plan["source"]
            if (src["kind"] != "profile" or src["seed"] != seed
                    or plan["model"]["fingerprint"] != fingerprint
                    or plan["model"]["n_kv_heads"] != n_kv):
                failures += 1
                print(f"FAIL source/model {granularity} {budget}: {src} {plan['model']}")
    print(f"{checks} plans compared, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
