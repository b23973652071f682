"""torch tensors through the same entry points: CPU tensors read in place, results as
tensors; bad tensors refused like bad arrays. Skipped when torch is not importable."""

import pytest

import slkv
from conftest import random_probs

torch = pytest.importorskip("torch")


def test_cpu_tensors_in_place(sample_plan, rng):
    probs_np = random_probs(rng, 8, 4, 40)
    probs = torch.from_numpy(probs_np)  # shares memory with probs_np
    sel = sample_plan.select(1, probs=probs)
    assert isinstance(sel.kept, torch.Tensor) and sel.kept.dtype == torch.int32
    assert sel.tolist() == sample_plan.select(1, probs=probs_np).tolist()
    src = torch.randn(40, 2, 16, dtype=torch.bfloat16)
    offsets, lengths = slkv.compact_layout(sel.n_kept)
    dst = slkv.compact_gather(src, sel, offsets, lengths)
    assert isinstance(dst, torch.Tensor) and dst.dtype == torch.bfloat16
    for h in range(2):
        idx = torch.from_numpy(sel.positions(h)).long()
        assert torch.equal(dst[offsets[h]:offsets[h] + lengths[h]], src[idx, h])


def test_bad_tensors(sample_plan, rng):
    probs = torch.from_numpy(random_probs(rng, 8, 4, 40))
    with pytest.raises(slkv.InvalidArgumentError, match="probs: not C-contiguous"):
        sample_plan.select(0, probs=probs.transpose(1, 2).contiguous().transpose(1, 2))
    with pytest.raises(slkv.ArgumentTypeError, match="probs: dtype float64"):
        sample_plan.select(0, probs=probs.double())
    with pytest.raises(slkv.ArgumentTypeError, match="probs: dtype bfloat16"):
        sample_plan.select(0, probs=probs.bfloat16())
    with pytest.raises(slkv.InvalidArgumentError, match="probs: shape \\[8, 4, 40, 1\\]"):
        sample_plan.select(0, probs=probs[..., None])
    with pytest.raises(slkv.ArgumentTypeError, match="caps: dtype int32"):
        sample_plan.select(probs=probs, caps=torch.zeros(2, dtype=torch.int32))


def test_device_checks_without_a_gpu(sample_plan, rng):
    probs = torch.from_numpy(random_probs(rng, 8, 4, 40))
    with pytest.raises(slkv.InvalidArgumentError, match="probs: on device 'meta'"):
        sample_plan.select(0, probs=probs.to("meta"))
    with pytest.raises(slkv.InvalidArgumentError, match="caps: on device 'meta'"):
        sample_plan.select(probs=probs, caps=torch.zeros(2, dtype=torch.int64, device="meta"))
    sel = sample_plan.select(0, probs=probs)
    offsets, lengths = slkv.compact_layout(sel.n_kept)
    src = torch.randn(40, 2, 16)
    with pytest.raises(slkv.InvalidArgumentError, match="kept: on device 'meta'"):
        slkv.compact_gather(src, sel.kept.to("meta"), offsets, lengths)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensors(sample_plan, rng):
    probs_np = random_probs(rng, 8, 4, 40)
    probs = torch.from_numpy(probs_np).cuda()
    if not slkv.cuda_available():
        with pytest.raises(slkv.UnsupportedError, match="built without CUDA"):
            sample_plan.select(1, probs=probs)
        return
    sel = sample_plan.select(1, probs=probs)
    assert sel.kept.is_cuda
    assert sel.tolist() == sample_plan.select(1, probs=probs_np).tolist()
    src = torch.randn(40, 2, 16, device="cuda")
    offsets, lengths = slkv.compact_layout(sel.n_kept)
    dst = slkv.compact_gather(src, sel, offsets, lengths)
    for h in range(2):
        idx = torch.from_numpy(sel.positions(h)).long().cuda()
        assert torch.equal(dst[int(offsets[h]):int(offsets[h] + lengths[h])], src[idx, h])
    with pytest.raises(slkv.InvalidArgumentError, match="caps: on device 'cpu'"):
        sample_plan.select(probs=probs, caps=torch.zeros(2, dtype=torch.int64))
