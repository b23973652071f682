#!/usr/bin/env python3
"""scripts/eval_plots.py on a small synthetic results file: table values computed by hand,
the PNGs written, the heatmap from a synthetic plan and profile, and bad inputs refused.

    python tests/eval/eval_plots_test.py scripts/eval_plots.py

Exits 77 (ctest: skipped) when numpy, matplotlib or h5py is missing.
"""

import json
import os
import subprocess
import sys
import tempfile

try:
    import h5py  # noqa: F401
    import matplotlib  # noqa: F401
    import numpy as np
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

SCRIPT = sys.argv[1]
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}")


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


def results_doc():
    methods = [
        {"name": "fullkv", "method": "fullkv", "budget_mode": "full", "budget": None},
        {"name": "uniform@64", "method": "uniform", "budget_mode": "tokens", "budget": 64},
        {"name": "uniform@16", "method": "uniform", "budget_mode": "tokens", "budget": 16},
        {"name": "surfacelogic@64", "method": "surfacelogic", "budget_mode": "tokens",
         "budget": 64},
        {"name": "uniform@0.1", "method": "uniform", "budget_mode": "ratio", "budget": 0.1},
    ]
    # Scores per prompt: fullkv 1,0,1,1 (mean 0.75); uniform@64 1,0,0,1 (0.5, rel 2/3);
    # uniform@16 0,0,0,0; surfacelogic@64 1,1,1,1 (1.0, rel 4/3); uniform@0.1 0.5 each.
    table = {"fullkv": [1, 0, 1, 1], "uniform@64": [1, 0, 0, 1], "uniform@16": [0, 0, 0, 0],
             "surfacelogic@64": [1, 1, 1, 1], "uniform@0.1": [0.5, 0.5, 0.5, 0.5]}
    kl = {"fullkv": 0.0, "uniform@64": 0.2, "uniform@16": 0.8, "surfacelogic@64": 0.1,
          "uniform@0.1": 0.3}
    prompts = []
    for i in range(4):
        task = "niah_single_number" if i < 2 else "vt"
        prompts.append({
            "id": f"{task}/1024/{i}", "task": task, "n_tokens": 1020, "prefill_s": 1.0,
            "results": {name: {"answer": "x", "score": s[i], "kl_mean": kl[name],
                               "top1_agree": 1.0 - kl[name], "gold_logprob": -1.0,
                               "kv_rows": 10, "kv_bytes": 100,
                               "kv_share": 1.0 if name == "fullkv" else 0.1,
                               "decode_tok_s": 20.0, "n_decoded": 4}
                        for name, s in table.items()}})
    return {"schema": "slkv-eval-results", "version": 1, "tool_version": "0.test",
            "model": {"path": "tiny.gguf", "arch": "llama", "fingerprint": "f",
                      "file_sha256": "s"},
            "settings": {"chat": True, "max_new": None, "window": 32, "seed": 1,
                         "lengths": [1024], "tasks": "builtin"},
            "inputs": {"tasks_sha256": "t", "plans": [], "profile": None},
            "methods": methods, "prompts": prompts, "summary": []}


def row_of(table, method, budget):
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 3 and cells[0] == method and cells[2] == budget:
            return cells
    return None


def main():
    with tempfile.TemporaryDirectory() as tmp:
        res = os.path.join(tmp, "results.json")
        with open(res, "w") as f:
            json.dump(results_doc(), f)

        r = run(res, "--table", "--by-task")
        check(r.returncode == 0, f"--table exit {r.returncode}: {r.stderr}")
        full = row_of(r.stdout, "fullkv", "—")
        check(full is not None and full[3] == "4" and full[4] == "0.750",
              f"fullkv row {full}")
        uni = row_of(r.stdout, "uniform", "64")
        check(uni is not None and uni[4] == "0.500" and uni[6] == "0.667" and uni[7] == "0.2000",
              f"uniform@64 row {uni}")
        sl = row_of(r.stdout, "surfacelogic", "64")
        # Constant scores: the bootstrap interval collapses onto the mean.
        check(sl is not None and sl[4] == "1.000" and sl[5] == "[1.000, 1.000]" and
              sl[6] == "1.333", f"surfacelogic@64 row {sl}")
        zero = row_of(r.stdout, "uniform", "16")
        check(zero is not None and zero[6] == "0.000" and zero[9] == "0.100", f"uniform@16 {zero}")
        check("Scores over vt" in r.stdout, "per-task table for vt")
        # The bootstrap interval of 1,0,1,1 lies inside [0.25, 1] and contains the mean.
        lo, hi = (float(x) for x in full[5].strip("[]").split(","))
        check(0.25 <= lo <= 0.75 <= hi <= 1.0, f"fullkv CI {full[5]}")

        # Plan and profile for the heatmap: 3 layers, 2 KV heads, 4 query heads.
        plan = os.path.join(tmp, "plan.json")
        with open(plan, "w") as f:
            json.dump({"schema": "slkv.budget-plan", "version": 1, "granularity": "kv_head",
                       "budget": {"mode": "tokens", "value": 24.0, "min_cap": 0},
                       "method": {"name": "surfacelogic", "params": {}},
                       "caps": [[30, 10], [2, 38], [20, 20]], "labels": []}, f)
        prof = os.path.join(tmp, "profile.h5")
        with h5py.File(prof, "w") as f:
            f.attrs["schema"] = "slkv.profile"
            f["labels/primary"] = np.array([[0, 2, 2, 1], [2, 3, 2, 2], [2, 2, 0, 2]], np.uint8)
            f["scores/surface"] = np.random.default_rng(0).random((3, 4), dtype=np.float32)
            f["scores/logic"] = np.random.default_rng(1).random((3, 4), dtype=np.float32)

        out = os.path.join(tmp, "report")
        r = run(res, "--out", out, "--plan", plan, "--profile", prof)
        check(r.returncode == 0, f"--out exit {r.returncode}: {r.stderr}")
        for name in ("score_tokens.png", "score_ratio.png", "fidelity_tokens.png",
                     "fidelity_ratio.png", "plan_heatmap.png"):
            path = os.path.join(out, name)
            ok = os.path.exists(path) and os.path.getsize(path) > 1000
            if ok:
                with open(path, "rb") as f:
                    ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
            check(ok, f"{name} written as a PNG")

        # Bad inputs: clear one-line errors naming the file, exit 1; usage errors exit 2.
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            json.dump({"schema": "something-else", "version": 1}, f)
        r = run(bad, "--table")
        check(r.returncode == 1 and "bad.json: not an slkv-eval results file" in r.stderr,
              f"wrong schema: {r.returncode} {r.stderr}")
        doc = results_doc()
        doc["prompts"][0]["results"]["mystery@1"] = {"score": 1.0}
        with open(bad, "w") as f:
            json.dump(doc, f)
        r = run(bad, "--table")
        check(r.returncode == 1 and "'mystery@1', which is not in 'methods'" in r.stderr,
              f"unknown method: {r.returncode} {r.stderr}")
        with open(bad, "w") as f:
            f.write("{\n  \"schema\": ")
        r = run(bad, "--table")
        check(r.returncode == 1 and "bad.json: invalid JSON at line 2" in r.stderr,
              f"truncated JSON: {r.returncode} {r.stderr}")
        r = run(res, "--out", out, "--plan", plan)
        check(r.returncode == 2, "--plan without --profile is a usage error")
        prof3 = os.path.join(tmp, "profile5.h5")
        with h5py.File(prof3, "w") as f:
            f.attrs["schema"] = "slkv.profile"
            f["labels/primary"] = np.zeros((5, 4), np.uint8)
        r = run(res, "--out", out, "--plan", plan, "--profile", prof3)
        check(r.returncode == 1 and "different models" in r.stderr,
              f"layer mismatch: {r.returncode} {r.stderr}")

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
