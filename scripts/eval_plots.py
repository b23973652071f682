#!/usr/bin/env python3
"""Plots and a summary table from an slkv-eval results file (schema slkv-eval-results, v1).

    python3 scripts/eval_plots.py results.json --out report/            # PNGs
    python3 scripts/eval_plots.py results.json --table                  # markdown table
    python3 scripts/eval_plots.py results.json --out report/ \\
        --plan plan.json --profile profile.h5                           # + caps heatmap

Figures (one per budget mode present, "tokens" and/or "ratio"):
  score_<mode>.png     task score against budget, one line per method, one panel per task
                       plus an "all tasks" panel; FullKV as a horizontal line; 95% bootstrap
                       intervals as error bars.
  fidelity_<mode>.png  mean KL(FullKV || method) and top-1 agreement against budget.
  plan_heatmap.png     (--plan, --profile) the plan's caps over layers x plan heads beside the
                       profile's primary labels and surface / logic scores.

Every number is computed here from the per-prompt results ("prompts"), not copied from the
file's "summary", so the table and the plots can be checked against the raw answers. Needs
numpy and matplotlib; h5py for --profile. Exit codes: 0 ok, 1 bad input, 2 usage.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

SCHEMA = "slkv-eval-results"
VERSION = 1
LABEL_NAMES = ["surface", "logic", "ignoring", "distracted"]  # /labels/primary values


class InputError(Exception):
    pass


def load_results(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON at line {e.lineno}: {e.msg}")
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise InputError(f"{path}: not an slkv-eval results file (schema is not '{SCHEMA}')")
    if doc.get("version") != VERSION:
        raise InputError(f"{path}: results version {doc.get('version')!r}; this script reads "
                         f"version {VERSION}")
    for key in ("methods", "prompts"):
        if not isinstance(doc.get(key), list):
            raise InputError(f"{path}: member '{key}' is missing or not a list")
    names = set()
    for m in doc["methods"]:
        for key in ("name", "method", "budget_mode"):
            if key not in m:
                raise InputError(f"{path}: a method entry has no '{key}'")
        names.add(m["name"])
    for i, p in enumerate(doc["prompts"]):
        if "task" not in p or not isinstance(p.get("results"), dict):
            raise InputError(f"{path}: prompt {i} has no 'task' or 'results'")
        for name, r in p["results"].items():
            if name not in names:
                raise InputError(f"{path}: prompt {p.get('id', i)} has results for '{name}', "
                                 f"which is not in 'methods'")
            if not isinstance(r.get("score"), (int, float)):
                raise InputError(f"{path}: prompt {p.get('id', i)}, method '{name}': no "
                                 f"numeric 'score'")
    return doc


def bootstrap_ci(values, n_boot=2000, seed=0):
    """95% percentile bootstrap interval of the mean."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return (math.nan, math.nan)
    if v.size == 1:
        return (float(v[0]), float(v[0]))
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    return (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))


def mean_of(results, key):
    vals = [r[key] for r in results if isinstance(r.get(key), (int, float))]
    return float(np.mean(vals)) if vals else math.nan


def summarise(doc, task=None, n_boot=2000, seed=0):
    """Rows per method entry over the prompts of `task` (None = all tasks).

    rel_fullkv is mean(method) / mean(FullKV) over the prompts both answered.
    """
    prompts = [p for p in doc["prompts"] if task is None or p["task"] == task]
    full = next((m["name"] for m in doc["methods"] if m["method"] == "fullkv"), None)
    rows = []
    for m in doc["methods"]:
        res = [p["results"][m["name"]] for p in prompts if m["name"] in p["results"]]
        scores = [r["score"] for r in res]
        row = dict(name=m["name"], method=m["method"], budget_mode=m["budget_mode"],
                   budget=m.get("budget"), n=len(scores),
                   score_mean=float(np.mean(scores)) if scores else math.nan,
                   score_ci=bootstrap_ci(scores, n_boot, seed),
                   kl_mean=mean_of(res, "kl_mean"), top1_mean=mean_of(res, "top1_agree"),
                   kv_share_mean=mean_of(res, "kv_share"), rel_fullkv=math.nan)
        if full is not None:
            paired = [(p["results"][m["name"]]["score"], p["results"][full]["score"])
                      for p in prompts if m["name"] in p["results"] and full in p["results"]]
            base = sum(b for _, b in paired)
            if paired and base > 0:
                row["rel_fullkv"] = sum(a for a, _ in paired) / base
        rows.append(row)
    return rows


def fmt(x, digits=3):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def markdown_table(doc, task=None, n_boot=2000, seed=0):
    rows = summarise(doc, task, n_boot, seed)
    title = "all tasks" if task is None else task
    out = [f"Scores over {title} (mean, 95% bootstrap CI over prompts, {n_boot} resamples)",
           "",
           "| method | mode | budget | n | score | 95% CI | rel. FullKV | KL mean | top-1 | KV share |",
           "|---|---|---:|---:|---:|---|---:|---:|---:|---:|"]
    order = {"full": 0, "tokens": 1, "ratio": 2}
    rows.sort(key=lambda r: (order.get(r["budget_mode"], 3), r["method"],
                             r["budget"] if r["budget"] is not None else -1))
    for r in rows:
        budget = "—" if r["budget"] is None else f"{r['budget']:g}"
        lo, hi = r["score_ci"]
        out.append(f"| {r['method']} | {r['budget_mode']} | {budget} | {r['n']} | "
                   f"{fmt(r['score_mean'])} | [{fmt(lo)}, {fmt(hi)}] | {fmt(r['rel_fullkv'])} | "
                   f"{fmt(r['kl_mean'], 4)} | {fmt(r['top1_mean'])} | {fmt(r['kv_share_mean'])} |")
    return "\n".join(out) + "\n"


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _series_name(row):
    """The line a row belongs to: its name without the "@budget" suffix ("surfacelogic@64" ->
    "surfacelogic"), so two plans of one method with different settings stay apart."""
    name = row["name"]
    return name.rsplit("@", 1)[0] if "@" in name else row["method"]


def _series(rows, mode):
    """series name -> sorted [(budget, row)] for one budget mode."""
    by_method = {}
    for r in rows:
        if r["budget_mode"] == mode and r["budget"] is not None and r["n"] > 0:
            by_method.setdefault(_series_name(r), []).append((r["budget"], r))
    return {m: sorted(v, key=lambda t: t[0]) for m, v in sorted(by_method.items())}


def _fullkv(rows):
    return next((r for r in rows if r["method"] == "fullkv" and r["n"] > 0), None)


def _budget_axis(ax, rows, mode):
    budgets = sorted({r["budget"] for r in rows
                      if r["budget_mode"] == mode and r["budget"] is not None})
    if mode == "tokens" and budgets and budgets[0] > 0:
        ax.set_xscale("log", base=2)
    if budgets:
        ax.set_xticks(budgets)
        ax.set_xticklabels([f"{b:g}" for b in budgets])
        ax.minorticks_off()
    ax.set_xlabel(_xlabel(mode))


def _xlabel(mode):
    return "KV tokens per head (window included)" if mode == "tokens" else \
        "share of the prompt's KV rows"


def plot_scores(doc, out_dir, mode, n_boot, seed):
    plt = _pyplot()
    tasks = sorted({p["task"] for p in doc["prompts"]})
    panels = [None] + tasks
    ncols = min(4, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    for k, task in enumerate(panels):
        ax = axes[k // ncols][k % ncols]
        rows = summarise(doc, task, n_boot, seed)
        for method, pts in _series(rows, mode).items():
            x = [b for b, _ in pts]
            y = [r["score_mean"] for _, r in pts]
            err = [[r["score_mean"] - r["score_ci"][0] for _, r in pts],
                   [r["score_ci"][1] - r["score_mean"] for _, r in pts]]
            ax.errorbar(x, y, yerr=err, marker="o", ms=3, capsize=2, label=method)
        full = _fullkv(rows)
        if full is not None:
            ax.axhline(full["score_mean"], color="black", ls="--", lw=1, label="fullkv")
        ax.set_title("all tasks" if task is None else task)
        ax.set_ylim(-0.02, 1.02)
        _budget_axis(ax, rows, mode)
        ax.set_ylabel("score")
        ax.grid(alpha=0.3)
    for k in range(len(panels), nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(6, max(1, len(labels))),
               bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(f"Task score against budget ({mode}); {doc.get('model', {}).get('path', '')}")
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    path = os.path.join(out_dir, f"score_{mode}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_fidelity(doc, out_dir, mode, n_boot, seed):
    plt = _pyplot()
    rows = summarise(doc, None, n_boot, seed)
    fig, (ax_kl, ax_top) = plt.subplots(1, 2, figsize=(10, 3.8))
    for method, pts in _series(rows, mode).items():
        x = [b for b, _ in pts]
        ax_kl.plot(x, [r["kl_mean"] for _, r in pts], marker="o", ms=3, label=method)
        ax_top.plot(x, [r["top1_mean"] for _, r in pts], marker="o", ms=3, label=method)
    for ax, name in ((ax_kl, "mean KL(FullKV || method), nats"), (ax_top, "top-1 agreement")):
        _budget_axis(ax, rows, mode)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    ax_top.set_ylim(-0.02, 1.02)
    ax_top.axhline(1.0, color="black", ls="--", lw=1, label="fullkv")
    ax_top.legend(fontsize=8)
    fig.suptitle(f"Fidelity to FullKV along its greedy continuation ({mode})")
    fig.tight_layout()
    path = os.path.join(out_dir, f"fidelity_{mode}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def read_plan(path):
    try:
        with open(path, encoding="utf-8") as f:
            plan = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: cannot read the plan: {e}")
    if plan.get("schema") != "slkv.budget-plan":
        raise InputError(f"{path}: not a budget plan (schema is not 'slkv.budget-plan')")
    caps = np.asarray(plan.get("caps"), dtype=float)
    if caps.ndim != 2 or caps.size == 0:
        raise InputError(f"{path}: 'caps' is not a non-empty [n_layers][n_plan_heads] array")
    return plan, caps


def read_profile(path):
    try:
        import h5py
    except ImportError:
        raise InputError("--profile needs h5py (pip install h5py)")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("schema") not in ("slkv.profile", b"slkv.profile"):
                raise InputError(f"{path}: not an slkv profile (schema attribute)")
            primary = f["labels/primary"][()] if "labels/primary" in f else None
            scores = {k: f[f"scores/{k}"][()] for k in ("surface", "logic")
                      if f"scores/{k}" in f}
    except OSError as e:
        raise InputError(f"{path}: cannot read the profile: {e}")
    if primary is None:
        raise InputError(f"{path}: no /labels/primary dataset")
    return primary, scores


def plot_heatmap(plan_path, profile_path, out_dir):
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    plan, caps = read_plan(plan_path)
    primary, scores = read_profile(profile_path)
    if primary.shape[0] != caps.shape[0]:
        raise InputError(f"{plan_path}: {caps.shape[0]} layers, but {profile_path} has "
                         f"{primary.shape[0]}: plan and profile are for different models")
    panels = 2 + len(scores)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 0.18 * caps.shape[0] + 2.2),
                             squeeze=False)
    axes = axes[0]
    budget = plan.get("budget", {})
    im = axes[0].imshow(caps, aspect="auto", cmap="viridis", interpolation="nearest")
    axes[0].set_title(f"plan caps ({plan.get('method', {}).get('name', '?')}, "
                      f"{budget.get('mode', '?')} {budget.get('value', '?')})")
    axes[0].set_xlabel(f"{plan.get('granularity', 'kv_head').replace('_', ' ')}")
    fig.colorbar(im, ax=axes[0], fraction=0.05)
    colours = ListedColormap(["#d62728", "#1f77b4", "#c7c7c7", "#ff7f0e"])
    axes[1].imshow(primary, aspect="auto", cmap=colours, vmin=-0.5, vmax=3.5,
                   interpolation="nearest")
    axes[1].set_title("profile: primary label")
    axes[1].set_xlabel("query head")
    from matplotlib.patches import Patch
    axes[1].legend(handles=[Patch(color=colours(i), label=n) for i, n in enumerate(LABEL_NAMES)],
                   fontsize=7, loc="upper right", bbox_to_anchor=(1.0, -0.12), ncol=2)
    for ax, (name, s) in zip(axes[2:], sorted(scores.items())):
        im = ax.imshow(s, aspect="auto", cmap="magma", interpolation="nearest")
        ax.set_title(f"profile: {name} score")
        ax.set_xlabel("query head")
        fig.colorbar(im, ax=ax, fraction=0.05)
    from matplotlib.ticker import MaxNLocator
    for ax in axes:
        ax.set_ylabel("layer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    path = os.path.join(out_dir, "plan_heatmap.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="slkv-eval results JSON")
    ap.add_argument("--out", help="directory for the PNGs (created)")
    ap.add_argument("--table", action="store_true", help="print the markdown summary table")
    ap.add_argument("--by-task", action="store_true", help="with --table: one table per task too")
    ap.add_argument("--plan", help="budget plan JSON for the caps heatmap (with --profile)")
    ap.add_argument("--profile", help="slkv profile .h5 for the heatmap's labels and scores")
    ap.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples (2000)")
    ap.add_argument("--seed", type=int, default=0, help="bootstrap seed (0)")
    args = ap.parse_args(argv)
    if (args.plan is None) != (args.profile is None):
        ap.error("--plan and --profile go together")
    if not args.out and not args.table:
        ap.error("nothing to do: give --out DIR and/or --table")
    if args.plan and not args.out:
        ap.error("--plan/--profile need --out DIR")
    if args.bootstrap < 1:
        ap.error("--bootstrap must be >= 1")
    try:
        doc = load_results(args.results)
        if args.table:
            sys.stdout.write(markdown_table(doc, None, args.bootstrap, args.seed))
            if args.by_task:
                for task in sorted({p["task"] for p in doc["prompts"]}):
                    sys.stdout.write("\n" + markdown_table(doc, task, args.bootstrap, args.seed))
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            modes = sorted({m["budget_mode"] for m in doc["methods"]} - {"full"})
            written = []
            for mode in modes:
                written.append(plot_scores(doc, args.out, mode, args.bootstrap, args.seed))
                written.append(plot_fidelity(doc, args.out, mode, args.bootstrap, args.seed))
            if args.plan:
                written.append(plot_heatmap(args.plan, args.profile, args.out))
            for path in written:
                print(f"wrote {path}", file=sys.stderr)
    except InputError as e:
        print(f"eval_plots.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
