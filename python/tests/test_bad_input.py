"""Bad input through Python: every array handed to the library is checked (shape, dtype,
C-contiguity, device, writability) and every bad plan is refused, each with a Python
exception carrying a clear message; nothing crashes or reads out of bounds (issue 9 item 7)."""

import numpy as np
import pytest

import slkv
from conftest import SAMPLE_MODEL, SAMPLE_PLAN, random_probs


@pytest.fixture
def probs(rng):
    return random_probs(rng, 8, 4, 30)


# ---- plans ------------------------------------------------------------------------------
def test_tampered_plan(tmp_path):
    bad = tmp_path / "tampered.json"
    bad.write_text(SAMPLE_PLAN.read_text().replace("[2, 38]", "[3, 37]"))
    with pytest.raises(slkv.ChecksumError, match="tampered.json") as e:
        slkv.Plan.load(bad, model=SAMPLE_MODEL)
    assert e.value.status_name == "SLKV_ERROR_CHECKSUM"


def test_missing_unparsable_and_wrong_schema(tmp_path):
    with pytest.raises(slkv.PlanIOError, match="nope.json"):
        slkv.Plan.load(tmp_path / "nope.json", model=SAMPLE_MODEL)
    with pytest.raises(slkv.PlanIOError, match="nope.json"):
        slkv.Plan.load(tmp_path / "nope.json")
    (tmp_path / "x.json").write_text("{ not json")
    with pytest.raises(slkv.PlanParseError, match="x.json: not valid JSON"):
        slkv.Plan.load(tmp_path / "x.json")
    (tmp_path / "v.json").write_text(SAMPLE_PLAN.read_text().replace('"version": 1',
                                                                     '"version": 9'))
    with pytest.raises(slkv.PlanSchemaError, match="version 9"):
        slkv.Plan.load(tmp_path / "v.json", model=SAMPLE_MODEL)


def test_bad_model_descriptions():
    with pytest.raises(slkv.InvalidArgumentError, match="unknown keys"):
        slkv.Plan.load(SAMPLE_PLAN, model=dict(SAMPLE_MODEL, n_head=8))
    with pytest.raises(slkv.InvalidArgumentError, match="model.n_heads: expected an int"):
        slkv.Plan.load(SAMPLE_PLAN, model=dict(SAMPLE_MODEL, n_heads=8.0))
    with pytest.raises(slkv.ArgumentTypeError, match="expected a ModelDesc"):
        slkv.Plan.load(SAMPLE_PLAN, model=42)


# ---- select -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape, message", [
    ((8, 4), "shape \\[8, 4\\], expected \\[8, rows, T\\]"),
    ((8, 4, 30, 1), "expected \\[8, rows, T\\]"),
    ((4, 4, 30), "probs: shape \\[4, 4, 30\\], expected \\[8, 4, 30\\]"),
    ((16, 4, 30), "probs: shape \\[16, 4, 30\\], expected \\[8, 4, 30\\]"),
    ((8, 0, 30), "rows must be in \\[1, T\\]"),
    ((8, 31, 30), "rows must be in \\[1, T\\]"),
])
def test_probs_shapes(sample_plan, shape, message):
    with pytest.raises(slkv.InvalidArgumentError, match=message):
        sample_plan.select(0, probs=np.zeros(shape, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int32])
def test_probs_dtype(sample_plan, dtype):
    with pytest.raises(slkv.ArgumentTypeError, match="probs: dtype .*, expected float32"):
        sample_plan.select(0, probs=np.zeros((8, 4, 30), dtype=dtype))


def test_probs_layout_type_and_readonly_ok(sample_plan, probs):
    with pytest.raises(slkv.InvalidArgumentError, match="probs: not C-contiguous"):
        sample_plan.select(0, probs=np.zeros((8, 4, 60), np.float32)[:, :, ::2])
    with pytest.raises(slkv.InvalidArgumentError, match="probs: not C-contiguous"):
        sample_plan.select(0, probs=np.asfortranarray(probs))
    with pytest.raises(slkv.ArgumentTypeError, match="probs: expected a numpy.ndarray"):
        sample_plan.select(0, probs=probs.tolist())
    probs.flags.writeable = False  # inputs may be read-only
    assert sample_plan.select(0, probs=probs).n_tokens == 30


def test_nan_probs_is_the_library_error(sample_plan, probs):
    probs[3, 1, 5] = np.nan
    with pytest.raises(slkv.InvalidArgumentError, match="slkv_select"):
        sample_plan.select(0, probs=probs)


def test_argument_combinations(sample_plan, probs, rng):
    q = rng.standard_normal((8, 4, 16)).astype(np.float32)
    k = rng.standard_normal((30, 2, 16)).astype(np.float32)
    with pytest.raises(slkv.InvalidArgumentError, match="exactly one of probs or q"):
        sample_plan.select(0)
    with pytest.raises(slkv.InvalidArgumentError, match="exactly one of probs or q"):
        sample_plan.select(0, probs=probs, q=q, k=k)
    with pytest.raises(slkv.InvalidArgumentError, match="q needs k"):
        sample_plan.select(0, q=q)
    with pytest.raises(slkv.InvalidArgumentError, match="give k only with q"):
        sample_plan.select(0, probs=probs, k=k)
    with pytest.raises(slkv.InvalidArgumentError, match="give a layer"):
        sample_plan.select(probs=probs)
    with pytest.raises(slkv.InvalidArgumentError, match="k_layout 'nchw'"):
        sample_plan.select(0, q=q, k=k, k_layout="nchw")
    with pytest.raises(slkv.InvalidArgumentError, match="layer"):
        sample_plan.select(7, probs=probs)  # the library names the bad layer


def test_q_k_shapes(sample_plan, rng):
    q = rng.standard_normal((8, 4, 16)).astype(np.float32)
    k = rng.standard_normal((30, 2, 16)).astype(np.float32)
    with pytest.raises(slkv.InvalidArgumentError, match="q: shape \\[8, 4, 8\\]"):
        sample_plan.select(0, q=q[:, :, :8].copy(), k=k)
    with pytest.raises(slkv.InvalidArgumentError, match="k: shape \\[30, 4, 16\\]"):
        sample_plan.select(0, q=q, k=np.zeros((30, 4, 16), np.float32))
    with pytest.raises(slkv.InvalidArgumentError, match="k: shape \\[30, 2, 16\\], expected "
                       "\\[2, 2, 16\\]"):
        sample_plan.select(0, q=q, k=k, k_layout="hnd")  # an NHD k passed as HND
    with pytest.raises(slkv.ArgumentTypeError, match="k: dtype float64"):
        sample_plan.select(0, q=q, k=k.astype(np.float64))
    with pytest.raises(slkv.InvalidArgumentError, match="k: shape"):
        sample_plan.select(0, q=q, k=k[0])
    with pytest.raises(slkv.InvalidArgumentError, match="rows must be in"):
        sample_plan.select(0, q=q, k=k[:2].copy())


def test_caps_checks(sample_plan, probs):
    with pytest.raises(slkv.InvalidArgumentError, match="caps: shape \\[3\\], expected \\[2\\]"):
        sample_plan.select(probs=probs, caps=np.zeros(3, np.int64))
    with pytest.raises(slkv.ArgumentTypeError, match="caps: dtype int32, expected int64"):
        sample_plan.select(probs=probs, caps=np.zeros(2, np.int32))
    with pytest.raises(slkv.InvalidArgumentError, match="caps: negative cap"):
        sample_plan.select(probs=probs, caps=np.array([1, -1], np.int64))
    with pytest.raises(slkv.InvalidArgumentError, match="head range"):
        sample_plan.select(probs=probs, caps=np.zeros(2, np.int64), head_range=(0, 5))


# ---- compaction -------------------------------------------------------------------------
@pytest.fixture
def compact_case(sample_plan, probs, rng):
    sel = sample_plan.select(0, probs=probs)
    offsets, lengths = slkv.compact_layout(sel.n_kept, slack_rows=2)
    src = rng.standard_normal((30, 2, 16)).astype(np.float32)
    return sel, offsets, lengths, src


def test_gather_checks(compact_case):
    sel, offsets, lengths, src = compact_case
    with pytest.raises(slkv.ArgumentTypeError, match="src: dtype float64"):
        slkv.compact_gather(src.astype(np.float64), sel, offsets, lengths)
    with pytest.raises(slkv.InvalidArgumentError, match="src: shape \\[30, 32\\]"):
        slkv.compact_gather(src.reshape(30, 32), sel, offsets, lengths)
    with pytest.raises(slkv.ArgumentTypeError, match="kept: dtype int64"):
        slkv.compact_gather(src, sel.kept.astype(np.int64), offsets, lengths)
    with pytest.raises(slkv.InvalidArgumentError, match="offsets: shape \\[2\\], expected \\[3\\]"):
        slkv.compact_gather(src, sel, offsets[:2].copy(), lengths)
    with pytest.raises(slkv.ArgumentTypeError, match="lengths: dtype int64"):
        slkv.compact_gather(src, sel, offsets, lengths.astype(np.int64))
    with pytest.raises(slkv.InvalidArgumentError, match="dst: 10 rows, offsets need"):
        slkv.compact_gather(src, sel, offsets, lengths, dst=np.zeros((10, 16), np.float32))
    with pytest.raises(slkv.ArgumentTypeError, match="dst: dtype float16"):
        slkv.compact_gather(src, sel, offsets, lengths,
                            dst=np.zeros((int(offsets[-1]), 16), np.float16))
    ro = np.zeros((int(offsets[-1]), 16), np.float32)
    ro.flags.writeable = False
    with pytest.raises(slkv.InvalidArgumentError, match="dst: read-only"):
        slkv.compact_gather(src, sel, offsets, lengths, dst=ro)
    bad_off = offsets.copy()
    bad_off[1] = bad_off[2] + 1
    with pytest.raises(slkv.InvalidArgumentError, match="offsets: must start >= 0"):
        slkv.compact_gather(src, sel, bad_off, lengths)
    long = lengths.copy()
    long[0] = offsets[1] - offsets[0] + 1
    with pytest.raises(slkv.InvalidArgumentError, match="exceeds its rows"):
        slkv.compact_gather(src, sel, offsets, long)
    kept = sel.kept.copy()
    kept[1, 0] = 30  # a position past the prompt: the library refuses it
    with pytest.raises(slkv.InvalidArgumentError, match="outside the prompt"):
        slkv.compact_gather(src, kept, offsets, lengths)
    with pytest.raises(slkv.InvalidArgumentError, match="layout 'nth'"):
        slkv.compact_gather(src, sel, offsets, lengths, layout="nth")


def test_append_checks(compact_case):
    sel, offsets, lengths, src = compact_case
    dst = slkv.compact_gather(src, sel, offsets, lengths)
    row = np.ones((2, 16), np.float32)
    with pytest.raises(slkv.InvalidArgumentError, match="dst: shape \\[.*, 16\\], expected"):
        slkv.compact_append(dst, np.ones((2, 8), np.float32), offsets, lengths)
    with pytest.raises(slkv.ArgumentTypeError, match="dst: dtype float32, expected float16"):
        slkv.compact_append(dst, row.astype(np.float16), offsets, lengths)
    with pytest.raises(slkv.InvalidArgumentError, match="n_plan_heads must be a multiple"):
        slkv.compact_append(dst, np.ones((3, 16), np.float32), offsets, lengths)
    slkv.compact_append(dst, row, offsets, lengths)
    slkv.compact_append(dst, row, offsets, lengths)
    before = dst.copy()
    with pytest.raises(slkv.BufferTooSmallError, match="no reserved row left"):
        slkv.compact_append(dst, row, offsets, lengths)
    np.testing.assert_array_equal(dst, before)  # nothing written


def test_layout_checks():
    with pytest.raises(slkv.ArgumentTypeError, match="n_kept: dtype int64"):
        slkv.compact_layout(np.array([1, 2], np.int64))
    with pytest.raises(slkv.InvalidArgumentError, match="slack_rows"):
        slkv.compact_layout(np.array([1, 2], np.int32), slack_rows=-1)
    with pytest.raises(slkv.InvalidArgumentError, match="negative n_kept"):
        slkv.compact_layout(np.array([1, -2], np.int32))
