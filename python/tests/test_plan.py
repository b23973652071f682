"""Plan loading, info, caps and selection against the independent NumPy reference."""

import sys

import numpy as np
import pytest

import slkv
from conftest import REPO, SAMPLE_MODEL, SAMPLE_PLAN, random_probs

sys.path.insert(0, str(REPO / "tests" / "reference"))
import runtime_reference as ref  # noqa: E402


def test_info_and_caps(sample_plan):
    info = sample_plan.info
    assert (info.n_layers, info.n_heads, info.n_kv_heads, info.head_dim) == (3, 8, 2, 16)
    assert info.n_plan_heads == 2 and info.window == 4 and info.granularity == "kv_head"
    assert info.pooling == "max" and info.pool_kernel == 7 and info.method == "surfacelogic"
    assert list(sample_plan.caps(1, 1000)) == [2, 38]
    assert list(sample_plan.caps(0, 29)) == [25, 15]
    assert sample_plan.all_caps(1000).shape == (3, 2)


@pytest.mark.parametrize("t", [3, 10, 29, 64, 200])
def test_select_matches_reference(sample_plan, rng, t):
    for layer in range(3):
        rows = min(4, t)
        probs = random_probs(rng, 8, rows, t)
        sel = sample_plan.select(layer, probs=probs)
        case = {"n_q_heads": 8, "n_kv_heads": 2, "n_tokens": t, "window": 4, "n_rows": rows,
                "granularity": "kv_head", "pooling": "max", "pool_kernel": 7,
                "caps": [int(c) for c in sample_plan.caps(layer, t)],
                "probs": probs.reshape(-1).tolist()}
        ref_pooled, ref_kept = ref.select(case)
        assert sel.tolist() == ref_kept
        if t > 4:
            np.testing.assert_array_equal(sel.pooled_scores,
                                          np.array(ref_pooled, dtype=np.float32))


def test_select_from_q_and_k_equals_select_from_probs(sample_plan, rng):
    t, rows = 40, 4
    q = rng.standard_normal((8, rows, 16)).astype(np.float32)
    k_nhd = rng.standard_normal((t, 2, 16)).astype(np.float32)
    k_hnd = np.ascontiguousarray(k_nhd.transpose(1, 0, 2))
    a = sample_plan.select(2, q=q, k=k_nhd)
    b = sample_plan.select(2, q=q, k=k_hnd, k_layout="hnd")
    assert a.tolist() == b.tolist()
    # The same as selecting on the causal softmax rows computed here (scale 1/sqrt(d)).
    logits = np.einsum("hrd,thd->hrt", q.astype(np.float64),
                       np.repeat(k_nhd, 4, axis=1).astype(np.float64)) / np.sqrt(16)
    for r in range(rows):
        logits[:, r, t - rows + r + 1:] = -np.inf
    probs = np.exp(logits - logits.max(axis=2, keepdims=True))
    probs = (probs / probs.sum(axis=2, keepdims=True)).astype(np.float32)
    c = sample_plan.select(2, probs=probs)
    assert a.tolist() == c.tolist()
    assert a.n_kept.tolist() == [int(x) + 4 for x in sample_plan.caps(2, t)]


def test_explicit_caps_and_head_range(sample_plan, rng):
    probs = random_probs(rng, 8, 4, 50)
    caps = np.array([3, 0], dtype=np.int64)
    sel = sample_plan.select(probs=probs, caps=caps)
    assert sel.n_kept.tolist() == [7, 4]
    part = sample_plan.select(probs=probs, caps=caps, head_range=(1, 2))
    assert part.positions(1).tolist() == sel.positions(1).tolist()


def test_model_forms_and_mismatch():
    for model in (SAMPLE_MODEL, slkv.ModelDesc(**SAMPLE_MODEL),
                  dict(SAMPLE_MODEL, arch="llama", fingerprint="0123456789abcdef0123456789abcdef")):
        assert slkv.Plan.load(SAMPLE_PLAN, model=model).info.n_plan_heads == 2
    with pytest.raises(slkv.ModelMismatchError) as e:
        slkv.Plan.load(SAMPLE_PLAN, model=dict(SAMPLE_MODEL, n_kv_heads=4))
    assert e.value.status_name == "SLKV_ERROR_MODEL_MISMATCH"
    assert "sample_plan.json: plan is for n_kv_heads 2, the model has 4" in str(e.value)
    with pytest.raises(slkv.ModelMismatchError, match='plan is for arch "llama", the model is'):
        slkv.Plan.load(SAMPLE_PLAN, model=dict(SAMPLE_MODEL, arch="gemma3"))
    with pytest.raises(slkv.ModelMismatchError, match="fingerprint"):
        slkv.Plan.load(SAMPLE_PLAN, model=dict(SAMPLE_MODEL, fingerprint="f" * 32))


def test_model_none_checks_against_the_plan_itself():
    assert slkv.Plan.load(SAMPLE_PLAN).info.n_layers == 3


def test_from_text_and_close():
    text = SAMPLE_PLAN.read_text()
    plan = slkv.Plan.from_text(text, model=SAMPLE_MODEL, source_name="mem.json")
    assert "mem.json" in repr(plan)
    plan.close()
    with pytest.raises(slkv.InvalidArgumentError, match="closed"):
        plan.caps(0, 10)


def test_version_and_cuda_flag():
    assert slkv.version().count(".") == 2
    assert isinstance(slkv.cuda_available(), bool)
