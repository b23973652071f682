#!/usr/bin/env python3
"""Independent check of the slkv profile file (docs/profile-format.md) with h5py + numpy.

Reads a profile written by the C++ writer, checks the schema, attributes and every shape,
then recomputes the per-head scores (METHOD.md section 3) from the stored per-probe values and
the probe table, and the quantile labels (section 4), and compares them with what the file
stores.

    # writes the fixture with the test program, then checks it
    /opt/slkv-ref/bin/python tests/reference/profile_h5_reference.py \
        --writer build/tests/profile/write_profile_fixture --out /tmp/fixture.h5
    # checks an existing profile (labels recomputed only in quantile mode)
    /opt/slkv-ref/bin/python tests/reference/profile_h5_reference.py --profile PROFILE.h5

Needs h5py and numpy (tests/reference/requirements.txt). Exits non-zero on any mismatch.
"""
import argparse
import json
import math
import subprocess
import sys

import h5py
import numpy as np

ROOT_STRINGS = ["schema", "model_fingerprint", "model_name", "arch", "tokenizer",
                "probe_config", "tool_version", "created_utc"]
ROOT_INTS = ["schema_version", "n_layers", "n_query_heads", "n_kv_heads", "head_dim",
             "context_length", "seed", "top_k", "teacher_forced"]
SCORES = ["surface", "logic", "retrieval_reasoning", "ignore"]
PER_PROBE_FLOAT = ["copy_count", "surface", "logic", "retrieval_reasoning", "dist", "ignore",
                   "wtp", "wfp", "wfn", "wtn"]
PER_PROBE_INT = ["tp", "fp", "fn", "tn"]
PROBE_COLUMNS = ["family", "length", "depth", "success", "has_distractors", "n_steps",
                 "n_needle_tokens", "answer", "output"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def as_str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def check(path):
    with h5py.File(path, "r") as f:
        a = f.attrs
        for k in ROOT_STRINGS + ROOT_INTS:
            expect(k in a, f"root attribute {k} missing")
        for k in ROOT_STRINGS:
            expect(isinstance(a[k], (str, bytes)), f"root attribute {k} is not a string")
        expect(as_str(a["schema"]) == "slkv.profile", "schema name")
        expect(int(a["schema_version"]) == 1, "schema version")
        json.loads(as_str(a["probe_config"]))  # must be valid JSON
        L, H = int(a["n_layers"]), int(a["n_query_heads"])
        P = f["probes/family"].shape[0]
        for c in PROBE_COLUMNS:
            expect(f["probes"][c].shape == (P,), f"probes/{c} shape")
        for s in SCORES:
            expect(f["scores"][s].shape == (L, H), f"scores/{s} shape")
            expect(f["scores"][s].dtype == np.float32, f"scores/{s} dtype")
        for s in PER_PROBE_FLOAT:
            expect(f["per_probe"][s].shape == (P, L, H), f"per_probe/{s} shape")
            expect(f["per_probe"][s].dtype == np.float32, f"per_probe/{s} dtype")
        for s in PER_PROBE_INT:
            expect(f["per_probe"][s].shape == (P, L, H), f"per_probe/{s} shape")
            expect(f["per_probe"][s].dtype == np.int32, f"per_probe/{s} dtype")
        for s in ["flags", "primary"]:
            expect(f["labels"][s].shape == (L, H), f"labels/{s} shape")

        family = f["probes/family"][()]
        success = f["probes/success"][()].astype(bool)
        admits = {
            "surface": success,
            "logic": success & (family == 1),
            "retrieval_reasoning": success,
            "ignore": np.ones(P, dtype=bool),
        }
        recomputed = {}
        for s in SCORES:
            per_probe = f["per_probe"][s][()].astype(np.float64)
            mask = admits[s]
            want = per_probe[mask].mean(axis=0) if mask.any() else np.zeros((L, H))
            got = f["scores"][s][()]
            expect(int(f["scores"][s].attrs["n_probes"]) == int(mask.sum()),
                   f"scores/{s} n_probes")
            err = float(np.max(np.abs(got - want))) if got.size else 0.0
            expect(err < 1e-6, f"scores/{s} differs from the recomputed mean by {err}")
            recomputed[s] = got.astype(np.float64).ravel()

        lab = f["labels"]
        mode = as_str(lab.attrs["mode"])
        if mode == "quantile":
            n = L * H
            flags = np.zeros(n, dtype=np.uint8)
            for score, share_key, bit, positive in [("surface", "share_surface", 1, True),
                                                    ("logic", "share_logic", 2, True),
                                                    ("ignore", "share_ignoring", 4, False)]:
                share = float(lab.attrs[share_key])
                rank = min(max(math.ceil(share * n - 1e-9), 1), n)
                values = f["scores"][score][()].ravel()
                tau = float(np.sort(values)[::-1][rank - 1])
                name = {"surface": "surface", "logic": "logic", "ignore": "ignoring"}[score]
                expect(abs(float(lab.attrs["tau_" + name]) - tau) == 0.0, f"tau_{name}")
                expect(int(lab.attrs["rank_" + name]) == rank, f"rank_{name}")
                passed = values >= tau
                if positive:
                    passed &= values > 0
                flags |= np.where(passed, bit, 0).astype(np.uint8)
            expect(np.array_equal(flags, lab["flags"][()].ravel()), "label flags")
            primary = np.full(n, 3, dtype=np.uint8)
            for bit, label in [(4, 2), (2, 1), (1, 0)]:  # lowest precedence first
                primary[(flags & bit) != 0] = label
            expect(np.array_equal(primary, lab["primary"][()].ravel()), "primary labels")
        print(f"OK: {path}: {L} layers x {H} query heads, {P} probes, label mode {mode}, "
              f"h5py {h5py.__version__}, numpy {np.__version__}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writer", help="test program that writes a fixture profile to --out")
    ap.add_argument("--out", help="where the writer puts the fixture")
    ap.add_argument("--profile", help="an existing profile to check")
    args = ap.parse_args()
    if args.writer:
        expect(args.out is not None, "--writer needs --out")
        subprocess.run([args.writer, args.out], check=True)
        check(args.out)
    elif args.profile:
        check(args.profile)
    else:
        ap.error("give --writer and --out, or --profile")


if __name__ == "__main__":
    main()
