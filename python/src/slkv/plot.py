"""Pictures of profiles and plans (matplotlib; ``pip install slkv[plot]``).

    import slkv, slkv.plot
    prof = slkv.Profile.load("profile.h5")
    slkv.plot.label_heatmap(prof).figure.savefig("labels.png")
    slkv.plot.budget_bars(slkv.Plan.load("plan.json", model=prof.model), n_tokens=4096)
    slkv.plot.score_distributions(prof)

Every function draws on ``ax`` (a new figure when None) and returns the Axes (or the
array of Axes for :func:`score_distributions`).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .plan import Plan
from .profile import PRIMARY_NAMES, SCORES, Profile

LABEL_COLORS = {"surface": "#d95f02", "logic": "#7570b3", "ignoring": "#bdbdbd",
                "distracted": "#e7298a"}


def _axes(ax: Any, figsize: Sequence[float] = (8, 5)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def label_heatmap(profile: Profile, ax: Any = None) -> Any:
    """Primary label of every (layer, query head): layers on the y axis, heads on x."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    ax = _axes(ax)
    cmap = ListedColormap([LABEL_COLORS[n] for n in PRIMARY_NAMES])
    ax.imshow(profile.labels.primary, cmap=cmap, vmin=-0.5, vmax=len(PRIMARY_NAMES) - 0.5,
              aspect="auto", interpolation="nearest", origin="lower")
    ax.set_xlabel("query head")
    ax.set_ylabel("layer")
    name = profile.attrs.get("model_name") or profile.path
    ax.set_title(f"head labels: {name}")
    counts = {n: int((profile.labels.primary == i).sum()) for i, n in enumerate(PRIMARY_NAMES)}
    ax.legend(handles=[Patch(color=LABEL_COLORS[n], label=f"{n} ({counts[n]})")
                       for n in PRIMARY_NAMES],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def budget_bars(plan: Plan, n_tokens: int, ax: Any = None, *,
                include_window: bool = True) -> Any:
    """Tokens kept per layer for a prompt of ``n_tokens``: one stacked bar per layer, one
    segment per plan head (caps from :meth:`Plan.caps`, plus the window when
    ``include_window``)."""
    ax = _axes(ax)
    caps = plan.all_caps(n_tokens).astype(np.float64)  # [n_layers, n_plan_heads]
    if include_window:
        caps += min(plan.info.window, n_tokens)
    layers = np.arange(plan.info.n_layers)
    bottom = np.zeros(plan.info.n_layers)
    cmap = _cmap(plan.info.n_plan_heads)
    for h in range(plan.info.n_plan_heads):
        ax.bar(layers, caps[:, h], bottom=bottom, color=cmap(h), width=0.85,
               label=f"{'KV' if plan.info.granularity == 'kv_head' else 'query'} head {h}")
        bottom += caps[:, h]
    ax.set_xlabel("layer")
    ax.set_ylabel("tokens kept" + (" (window included)" if include_window else ""))
    ax.set_title(f"per-layer budgets for T = {n_tokens} ({plan.info.method or 'plan'})")
    if plan.info.n_plan_heads <= 16:
        ax.legend(fontsize="small", ncol=2)
    return ax


def _cmap(n: int) -> Any:
    import matplotlib

    return matplotlib.colormaps["tab20" if n > 10 else "tab10"].resampled(max(n, 1))


def score_distributions(profile: Profile, axes: Optional[Any] = None, *,
                        bins: int = 30) -> Any:
    """Histogram of each per-head score (surface, logic, retrieval_reasoning, ignore), with
    the label thresholds drawn where they apply."""
    if axes is None:
        import matplotlib.pyplot as plt

        axes = plt.subplots(1, len(SCORES), figsize=(4 * len(SCORES), 3.2))[1]
    axes = np.asarray(axes).reshape(-1)
    tau_of = {"surface": "surface", "logic": "logic", "ignore": "ignoring"}
    for ax, s in zip(axes, SCORES):
        ax.hist(profile.scores[s].reshape(-1), bins=bins, color="#4c72b0")
        ax.set_title(f"{s} (n_probes {profile.score_n_probes.get(s, '?')})")
        ax.set_xlabel("score")
        if s in tau_of:
            ax.axvline(profile.labels.tau[tau_of[s]], color="#c44e52", linestyle="--",
                       label="tau")
            ax.legend(fontsize="small")
    axes[0].set_ylabel("heads")
    return axes
