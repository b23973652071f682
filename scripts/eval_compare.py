#!/usr/bin/env python3
"""Paired comparison of two slkv-eval results files run on the same prompts.

    python3 scripts/eval_compare.py A.json B.json            # markdown table, A against B

Use it to compare two profiles (or two builds) method by method: both files must hold the same
prompts (ids and token counts; e.g. the same --tasks, --lengths, --per-cell and --seed) and are
matched prompt by prompt. For every method present in both, the table gives the mean task score
and mean KL(FullKV || method) of each file, the mean paired KL difference B - A with a 95%
bootstrap interval over prompts (seeded), and on how many prompts B's KL is lower / higher.
Only numpy is needed. Exit codes: 0 ok, 1 bad input, 2 usage.
"""

import argparse
import json
import sys

import numpy as np

SCHEMA = "slkv-eval-results"


class InputError(Exception):
    pass


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read results: {e}") from e
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise InputError(f"{path}: not an slkv-eval results file (schema {SCHEMA!r} expected)")
    prompts = doc.get("prompts")
    if not isinstance(prompts, list) or not prompts:
        raise InputError(f"{path}: no prompts")
    return doc


def paired(a_doc, b_doc, a_path, b_path):
    a_prompts, b_prompts = a_doc["prompts"], b_doc["prompts"]
    a_tasks = a_doc.get("inputs", {}).get("tasks_sha256")
    b_tasks = b_doc.get("inputs", {}).get("tasks_sha256")
    if a_tasks != b_tasks:
        raise InputError(f"{a_path} and {b_path} were run on different task texts "
                         f"(tasks_sha256 {a_tasks} vs {b_tasks})")
    key = lambda p: (p.get("id"), p.get("n_tokens"))  # noqa: E731
    if [key(p) for p in a_prompts] != [key(p) for p in b_prompts]:
        raise InputError(f"{a_path} and {b_path} do not hold the same prompts (ids, token counts)")
    methods = [m for m in a_prompts[0]["results"] if m in b_prompts[0]["results"]]
    if not methods:
        raise InputError(f"{a_path} and {b_path} have no method in common")
    return a_prompts, b_prompts, methods


def bootstrap_ci(values, seed, n=10000):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(n, len(values)))
    means = values[idx].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def table(a_path, b_path, seed):
    a_doc, b_doc = load(a_path), load(b_path)
    a_prompts, b_prompts, methods = paired(a_doc, b_doc, a_path, b_path)
    rows = [
        f"A = {a_path}, B = {b_path}; {len(a_prompts)} prompts matched by id",
        "",
        "| method | score A | score B | KL A | KL B | KL B - A [95% CI] | B lower / higher |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for m in methods:
        def col(prompts, field):
            return np.array([float(p["results"][m][field]) for p in prompts])

        sa, sb = col(a_prompts, "score"), col(b_prompts, "score")
        ka, kb = col(a_prompts, "kl_mean"), col(b_prompts, "kl_mean")
        d = kb - ka
        lo, hi = bootstrap_ci(d, seed)
        rows.append(
            f"| {m} | {sa.mean():.3f} | {sb.mean():.3f} | {ka.mean():.3f} | {kb.mean():.3f} | "
            f"{d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}] | {int((d < 0).sum())} / {int((d > 0).sum())} |"
        )
    return "\n".join(rows)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", help="results file A (slkv-eval --out)")
    ap.add_argument("b", help="results file B, same prompts")
    ap.add_argument("--seed", type=int, default=1, help="bootstrap seed (default 1)")
    args = ap.parse_args(argv)
    try:
        print(table(args.a, args.b, args.seed))
    except InputError as e:
        print(f"eval_compare.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
