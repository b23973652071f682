"""Profile reader on the shipped profiles (written by the C++ writer) and slkv.plot."""

import h5py
import numpy as np
import pytest

import slkv
from conftest import REPO

PROFILE = REPO / "profiles" / "smollm2-135m" / "profile.h5"
PLAN = REPO / "profiles" / "smollm2-135m" / "plan-128.json"


def test_profile_reads_every_object():
    prof = slkv.Profile.load(PROFILE)
    assert prof.model == slkv.ModelDesc(30, 9, 3, 64, arch="llama",
                                        fingerprint="e135027e37f05a9573370c8b36465337")
    with h5py.File(PROFILE) as f:  # the same numbers as h5py reads directly
        for s in ("surface", "logic", "retrieval_reasoning", "ignore"):
            np.testing.assert_array_equal(prof.scores[s], f[f"scores/{s}"][()])
            assert prof.score_n_probes[s] == f[f"scores/{s}"].attrs["n_probes"]
        np.testing.assert_array_equal(prof.per_probe["tp"], f["per_probe/tp"][()])
        np.testing.assert_array_equal(prof.labels.primary, f["labels/primary"][()])
        n_probes = f["probes/family"].shape[0]
        assert prof.labels.tau["surface"] == f["labels"].attrs["tau_surface"]
    assert len(prof.probes) == n_probes and prof.probes.family[0] in ("surface", "logic")
    assert prof.probes.success.dtype == bool
    assert isinstance(prof.attrs["probe_config"], dict)
    heads = prof.heads()
    assert len(heads) == 30 * 9 and heads.kv_head.max() == 2
    assert heads.primary[heads.is_surface].tolist() == ["surface"] * int(heads.is_surface.sum())
    assert (prof.labels.primary_names == "surface").sum() == (prof.labels.primary == 0).sum()


def test_profile_errors(tmp_path):
    with pytest.raises(slkv.ProfileError, match="nope.h5: cannot open"):
        slkv.Profile.load(tmp_path / "nope.h5")
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        f.attrs["schema"] = "something.else"
    with pytest.raises(slkv.ProfileError, match="bad.h5: schema is 'something.else'"):
        slkv.Profile.load(bad)
    newer = tmp_path / "newer.h5"
    with h5py.File(PROFILE) as src, h5py.File(newer, "w") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        dst.attrs["schema_version"] = np.int32(2)
    with pytest.raises(slkv.ProfileError, match="version 2 is newer"):
        slkv.Profile.load(newer)
    shape = tmp_path / "shape.h5"
    with h5py.File(PROFILE) as src, h5py.File(shape, "w") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        for g in ("scores", "per_probe", "probes", "labels"):
            src.copy(g, dst)
        del dst["scores/logic"]
        dst["scores/logic"] = np.zeros((30, 8), np.float32)
    with pytest.raises(slkv.ProfileError, match="'/scores/logic' has shape \\[30, 8\\]"):
        slkv.Profile.load(shape)


def test_plots(tmp_path):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import slkv.plot

    prof = slkv.Profile.load(PROFILE)
    ax = slkv.plot.label_heatmap(prof)
    np.testing.assert_array_equal(ax.images[0].get_array(), prof.labels.primary)
    ax.figure.savefig(tmp_path / "labels.png")
    plan = slkv.Plan.load(PLAN, model=prof.model)
    ax = slkv.plot.budget_bars(plan, n_tokens=2048)
    heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 30).T
    np.testing.assert_array_equal(heights, plan.all_caps(2048) + plan.info.window)
    axes = slkv.plot.score_distributions(prof)
    assert len(axes) == 4 and sum(p.get_height() for p in axes[0].patches) == 30 * 9
    axes[0].figure.savefig(tmp_path / "scores.png")
    assert (tmp_path / "labels.png").stat().st_size > 0
