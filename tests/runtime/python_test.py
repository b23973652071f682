#!/usr/bin/env python3
"""The slkv Python package (python/src/slkv, formerly python/slkv_runtime.py) through the
built library against the NumPy reference. The full package suite is python/tests
(ctest -R PythonPackage).

Usage: python_test.py LIB_PATH SOURCE_DIR. Exits 77 (ctest skip) when numpy is missing."""
import os
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is not importable by", sys.executable)
    sys.exit(77)

lib_path, source_dir = sys.argv[1], sys.argv[2]
os.environ["SLKV_RUNTIME_LIB"] = lib_path
sys.path.insert(0, os.path.join(source_dir, "python", "src"))
sys.path.insert(0, os.path.join(source_dir, "tests", "reference"))
import runtime_reference as ref  # noqa: E402
import slkv  # noqa: E402

model = dict(n_layers=3, n_heads=8, n_kv_heads=2, head_dim=16)
plan_path = os.path.join(source_dir, "tests", "runtime", "golden", "sample_plan.json")
plan = slkv.Plan.load(plan_path, model=model)
assert plan.info.n_plan_heads == 2 and plan.info.window == 4, plan.info
assert list(plan.caps(1, 1000)) == [2, 38]
assert list(plan.caps(0, 29)) == [25, 15]

# Selection equals the independent NumPy implementation, with many ties.
rng = np.random.default_rng(11)
failures = 0
for t in (3, 10, 29, 64, 200):
    for layer in range(3):
        rows = min(4, t)
        probs = (rng.integers(0, 4, size=(8, rows, t)) / 16.0).astype(np.float32)
        sel = plan.select(layer, probs=probs)
        case = {"n_q_heads": 8, "n_kv_heads": 2, "n_tokens": t, "window": 4, "n_rows": rows,
                "granularity": "kv_head", "pooling": "max", "pool_kernel": 7,
                "caps": [int(c) for c in plan.caps(layer, t)],
                "probs": probs.reshape(-1).tolist()}
        ref_pooled, ref_kept = ref.select(case)
        for h in range(2):
            if sel.positions(h).tolist() != ref_kept[h]:
                failures += 1
                print(f"T={t} layer={layer} head={h}: {sel.positions(h).tolist()} != "
                      f"{ref_kept[h]}")
            if t > 4 and not np.array_equal(sel.pooled_scores[h],
                                            np.array(ref_pooled[h], np.float32)):
                failures += 1
                print(f"T={t} layer={layer} head={h}: pooled scores differ")

# Errors surface as SlkvError subclasses with the status name and the library's message.
try:
    slkv.Plan.load(plan_path, model=dict(model, n_kv_heads=4))
    failures += 1
    print("a plan for another model was accepted")
except slkv.ModelMismatchError as e:
    assert e.status_name == "SLKV_ERROR_MODEL_MISMATCH", e
    assert "n_kv_heads 2, the model has 4" in str(e), e

print("slkv", slkv.version(), "python package:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
