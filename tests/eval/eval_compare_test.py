#!/usr/bin/env python3
"""scripts/eval_compare.py on two small synthetic results files: the paired KL differences and
win counts computed by hand, and files of other prompts or other task texts refused.

    python tests/eval/eval_compare_test.py scripts/eval_compare.py

Exits 77 (ctest: skipped) when numpy is missing.
"""

import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy  # noqa: F401
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

SCRIPT = sys.argv[1]
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}")


def doc(kl_surface, scores_surface, tasks_hash="t1", n_tokens=1000):
    prompts = []
    for i, (kl, s) in enumerate(zip(kl_surface, scores_surface)):
        prompts.append({
            "id": f"qa/1024/{i}", "task": "qa", "n_tokens": n_tokens,
            "results": {
                "fullkv": {"score": 1.0, "kl_mean": 0.0},
                "surfacelogic@64": {"score": s, "kl_mean": kl},
            },
        })
    return {"schema": "slkv-eval-results", "version": 1, "inputs": {"tasks_sha256": tasks_hash},
            "prompts": prompts}


def run(tmp, a, b):
    pa, pb = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
    for path, d in ((pa, a), (pb, b)):
        with open(path, "w") as f:
            json.dump(d, f)
    return subprocess.run([sys.executable, SCRIPT, pa, pb], capture_output=True, text=True)


with tempfile.TemporaryDirectory() as tmp:
    # B's KL - A's: -0.2, -0.2, +0.1, -0.1 -> mean -0.1, 3 lower, 1 higher. Scores 0.5 vs 0.75.
    a = doc([0.5, 0.6, 0.3, 0.4], [1, 0, 1, 0])
    b = doc([0.3, 0.4, 0.4, 0.3], [1, 1, 1, 0])
    r = run(tmp, a, b)
    check(r.returncode == 0, f"comparison runs (rc {r.returncode}: {r.stderr})")
    row = [line for line in r.stdout.splitlines() if line.startswith("| surfacelogic@64 ")]
    check(len(row) == 1, f"one surfacelogic row in {r.stdout!r}")
    if row:
        cells = [c.strip() for c in row[0].strip("|").split("|")]
        check(cells[1:5] == ["0.500", "0.750", "0.450", "0.350"], f"means: {cells}")
        check(cells[5].startswith("-0.100 ["), f"paired mean difference: {cells[5]}")
        check(cells[6] == "3 / 1", f"lower / higher counts: {cells[6]}")
    fullkv = [line for line in r.stdout.splitlines() if line.startswith("| fullkv ")]
    check(len(fullkv) == 1 and "0 / 0" in fullkv[0], f"fullkv row: {fullkv}")

    r = run(tmp, a, doc([0.3] * 4, [1] * 4, tasks_hash="t2"))
    check(r.returncode == 1 and "different task texts" in r.stderr, f"task texts: {r.stderr}")
    r = run(tmp, a, doc([0.3] * 4, [1] * 4, n_tokens=999))
    check(r.returncode == 1 and "same prompts" in r.stderr, f"prompts: {r.stderr}")
    r = run(tmp, a, {"schema": "other"})
    check(r.returncode == 1 and "not an slkv-eval results file" in r.stderr, f"schema: {r.stderr}")

print("ok" if not FAILURES else f"{len(FAILURES)} failure(s)")
sys.exit(1 if FAILURES else 0)
