"""PlanPress (kvpress) on tiny random models: the same kept positions and greedy tokens as
slkv.transformers.apply_plan; caps covering the prompt change nothing; and, for a uniform
plan with average pooling, the scores relate to kvpress's SnapKVPress rule by rule
(docs/python.md). Skipped without kvpress."""

import numpy as np
import pytest

import slkv

torch = pytest.importorskip("torch")
pytest.importorskip("kvpress")
import transformers  # noqa: E402
from kvpress import SnapKVPress  # noqa: E402

import slkv.transformers as st  # noqa: E402
from slkv.transformers.press import PlanPress  # noqa: E402
from test_transformers import NEW, T, make_plan, tiny  # noqa: E402
from test_transformers import prompt as padded_prompt  # noqa: E402


def prompt():
    """kvpress presses need an unpadded prompt: the padded one with its pad token replaced."""
    ids = padded_prompt()
    ids[ids == 0] = 1
    return ids


def generate(model, ids, press=None):
    kw = dict(max_new_tokens=NEW, do_sample=False, output_scores=True,
              return_dict_in_generate=True)
    if press is None:
        return model.generate(ids, **kw)
    with press(model):
        return model.generate(ids, **kw)


@pytest.mark.parametrize("family, granularity", [("llama", "kv_head"), ("qwen2", "kv_head"),
                                                 ("gemma3", "kv_head")])
def test_press_equals_apply_plan(family, granularity):
    model = tiny(family)
    plan = make_plan(model, cap=5, granularity=granularity)
    ids = prompt()
    with torch.no_grad():
        with st.apply_plan(model, plan) as session:
            eager = generate(model, ids)
        model.set_attn_implementation("sdpa")
        press = PlanPress(plan=plan)
        pressed = generate(model, ids, press)
    # PlanPress leaves Gemma 3's sliding-window layers uncompressed (as kvpress does);
    # apply_plan compresses them (the engine's rule): their decoding differs there.
    types = getattr(model.config, "layer_types", None) or []
    sliding = {i for i, t in enumerate(types) if t == "sliding_attention"}
    assert sorted(press.selections) == sorted(set(session.selections) - sliding)
    for layer, sel in press.selections.items():
        assert sel.tolist() == session.kept_positions(layer)
    if sliding:
        return
    assert pressed.sequences.tolist() == eager.sequences.tolist()
    torch.testing.assert_close(torch.stack(pressed.scores), torch.stack(eager.scores),
                               rtol=1e-4, atol=1e-4)


def test_query_head_plan_keeps_the_union_per_kv_head():
    model = tiny("gemma3")
    model.set_attn_implementation("sdpa")
    plan = make_plan(model, cap=5, granularity="query_head")
    press = PlanPress(plan=plan)
    with torch.no_grad():
        generate(model, prompt(), press)
    layer = 1  # the global layer (0 and 2 slide)
    assert sorted(press.selections) == [layer]
    kept = press.selections[layer].tolist()
    module = model.model.layers[layer].self_attn
    b, heads, slots = (x.tolist() for x in module.masked_key_indices)
    for g in range(2):  # slots past the union of the group's positions are masked
        union = set(kept[2 * g]) | set(kept[2 * g + 1])
        n_slots = max(len(set(kept[0]) | set(kept[1])), len(set(kept[2]) | set(kept[3])))
        assert sorted(s for h, s in zip(heads, slots) if h == g) == list(range(len(union),
                                                                                n_slots))


def test_press_with_covering_caps_changes_nothing():
    model = tiny("llama")
    model.set_attn_implementation("sdpa")
    ids = prompt()
    with torch.no_grad():
        ref = generate(model, ids)
        out = generate(model, ids, PlanPress(plan=make_plan(model, cap=T)))
    assert out.sequences.tolist() == ref.sequences.tolist()


def test_press_refusals():
    model = tiny("llama")
    model.set_attn_implementation("sdpa")
    with pytest.raises(slkv.InvalidArgumentError, match="1 prompt position\\(s\\) are masked"):
        generate(model, padded_prompt(), PlanPress(plan=make_plan(model, cap=3)))
    model.set_attn_implementation("eager")
    with pytest.raises(slkv.InvalidArgumentError, match="attn_implementation='sdpa'"):
        with PlanPress(plan=make_plan(model, cap=3))(model):
            pass
    other = slkv.ModelDesc(3, 4, 1, 16, arch="llama")
    plan = slkv.Plan.from_text(slkv.plan_text(other, [[4]] * 3, window=4), model=other)
    model.set_attn_implementation("sdpa")
    with pytest.raises(slkv.ModelMismatchError, match="the model has 2"):
        with PlanPress(plan=plan)(model):
            pass


class _Capture(SnapKVPress):
    """Records what kvpress hands a press at the end of prefill, per layer."""

    def compress(self, module, hidden_states, keys, values, attentions, kwargs):
        self.seen[module.layer_idx] = (module, hidden_states, keys, kwargs)
        return keys, values


def test_uniform_plan_versus_snapkv():
    window, kernel, ratio = 8, 5, 0.5
    model = tiny("llama")
    model.set_attn_implementation("sdpa")
    capture = _Capture(compression_ratio=ratio, window_size=window, kernel_size=kernel)
    capture.seen = {}
    with torch.no_grad(), capture(model):
        model(prompt(), past_key_values=transformers.DynamicCache(config=model.config))
    n_kept = int(T * (1 - ratio))  # kvpress's compute_n_kept: window included
    desc = slkv.ModelDesc.from_hf_config(model.config)
    plan = slkv.Plan.from_text(slkv.uniform_plan_text(desc, cap=n_kept - window, window=window,
                                                      pooling="avg", pool_kernel=kernel),
                               model=desc)
    press = PlanPress(plan=plan)
    r, n_cand = kernel // 2, T - window
    agree = []
    for layer, (module, hidden, keys, kwargs) in capture.seen.items():
        with torch.no_grad():
            snap = capture.score(module, hidden, keys, None, None, kwargs)[0, :, :n_cand]
            probs = press.window_probs(module, hidden, keys, kwargs["position_embeddings"])
        sel = plan.select(layer, probs=probs)
        # kv_head plan: slkv's pooled score of a KV head is the mean of its query heads'.
        ours = sel.pooled_scores
        # Rule 1: interior positions pool identically.
        torch.testing.assert_close(ours[:, r:n_cand - r], snap[:, r:n_cand - r], rtol=1e-5,
                                   atol=1e-7)
        # Rule 2: at the edges kvpress's avg_pool1d divides by the kernel (zero padding
        # counted), slkv by the positions inside the range (padding never wins).
        inside = torch.tensor([min(j + r, n_cand - 1) - max(j - r, 0) + 1 for j in range(n_cand)],
                              dtype=torch.float32)
        torch.testing.assert_close(ours * inside / kernel, snap, rtol=1e-5, atol=1e-7)
        # Kept sets: both keep the window and n_kept - window candidates.
        snap_kept = capture.score(module, hidden, keys, None, None, kwargs)[0].topk(n_kept).indices
        for h in range(2):
            a, b = set(sel.positions(h).tolist()), set(snap_kept[h].tolist())
            assert len(a) == len(b) == n_kept
            agree.append(len(a & b) / n_kept)
    assert min(agree) > 0.5
    print(f"uniform plan vs SnapKVPress: kept-set overlap {np.mean(agree):.3f} "
          f"(min {min(agree):.3f})")
