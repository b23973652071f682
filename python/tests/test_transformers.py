"""slkv.transformers on tiny random Llama, Qwen2 and Gemma 3 models built here (no download).

Checks: (1) the probability rows handed to the library equal eager attention's own weights
and the positions each head keeps are libslkv_runtime's selection on them; (2) the compacted
cache holds exactly the kept rows of the full cache; (3) decoding with the compacted cache
gives the logits of a plain reference that keeps the full cache and masks, per head, every
position the plan dropped; (4) a plan whose caps cover the prompt changes nothing. Skipped
without torch and transformers."""

import pytest

import slkv

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
import slkv.transformers as st  # noqa: E402
from slkv.transformers._attention import module_eager  # noqa: E402

T, NEW = 48, 6


def tiny(family: str):
    torch.manual_seed(0)
    common = dict(vocab_size=96, hidden_size=64, intermediate_size=96, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                  attn_implementation="eager", pad_token_id=0)
    if family == "llama":
        model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**common))
    elif family == "qwen2":
        model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(**common))
    else:  # Gemma 3: layers 0 and 2 sliding (window 16), layer 1 global
        cfg = transformers.Gemma3TextConfig(
            **common, head_dim=16, sliding_window=16,
            layer_types=["sliding_attention", "full_attention", "sliding_attention"])
        model = transformers.Gemma3ForCausalLM(cfg)
    return model.eval()


def make_plan(model, cap, granularity="kv_head", window=4, pooling="max", kernel=5):
    desc = slkv.ModelDesc.from_hf_config(model.config)
    n_plan = desc.n_kv_heads if granularity == "kv_head" else desc.n_heads
    caps = [[cap + (h % 3) for h in range(n_plan)] for _ in range(desc.n_layers)]
    text = slkv.plan_text(desc, caps, window=window, granularity=granularity, pooling=pooling,
                          pool_kernel=kernel)
    return slkv.Plan.from_text(text, model=desc, source_name="tiny-plan.json")


def prompt():
    ids = torch.randint(1, 96, (1, T), generator=torch.Generator().manual_seed(1))
    ids[0, 9] = 0  # a pad token: generate() masks it (attention_mask 0) in every step
    return ids


def greedy(model, ids, steps=NEW, full_cache=False):
    """Greedy decoding step by step; returns tokens and the logits of every step.
    ``full_cache``: no sliding-window cache layers (every layer keeps all positions; the
    model's mask still applies the window)."""
    cache = transformers.DynamicCache() if full_cache else transformers.DynamicCache(
        config=model.config)
    att = (ids != 0).long()  # the pad token is masked, as generate() does
    out = model(ids, attention_mask=att, past_key_values=cache, use_cache=True)
    tokens, logits = [], [out.logits[0, -1]]
    for i in range(steps):
        nxt = out.logits[0, -1].argmax()
        tokens.append(int(nxt))
        pos = torch.tensor([[T + i]])
        att = torch.cat([att, torch.ones(1, 1, dtype=att.dtype)], dim=1)
        out = model(nxt.view(1, 1), attention_mask=att, past_key_values=cache, use_cache=True,
                    position_ids=pos, cache_position=pos[0])
        logits.append(out.logits[0, -1])
    return tokens, torch.stack(logits), cache


@pytest.mark.parametrize("family, granularity", [("llama", "kv_head"), ("qwen2", "kv_head"),
                                                 ("gemma3", "query_head"),
                                                 ("llama", "query_head")])
def test_kept_positions_are_the_library_selection(family, granularity):
    model = tiny(family)
    plan = make_plan(model, cap=6, granularity=granularity)
    ids = prompt()
    with torch.no_grad():
        full = model(ids, attention_mask=(ids != 0).long(), output_attentions=True, use_cache=True)
        with st.apply_plan(model, plan, record=True) as session:
            _, _, cache = greedy(model, ids, steps=0)
    w = plan.info.window
    assert session.stats.skipped_layers == []  # sliding-window layers are compressed too
    for layer in range(model.config.num_hidden_layers):
        eager_rows = full.attentions[layer][0, :, -w:, :].contiguous()
        torch.testing.assert_close(session.probs[layer], eager_rows, rtol=0, atol=1e-6)
        expected = plan.select(layer, probs=eager_rows).tolist()
        assert session.kept_positions(layer) == expected
        caps = plan.caps(layer, T)
        assert [len(k) for k in expected] == [int(c) + w for c in caps]
        # The compacted cache rows are the full cache's rows at the stored positions (a
        # sliding-window layer of the full run holds only its last rows: those are compared).
        state = session._layers[layer]
        keys_full = full.past_key_values.layers[layer].keys
        first = T - keys_full.shape[2]
        keys = cache.layers[layer].keys
        for g, pos in enumerate(state.positions):
            held = pos >= first
            assert held.any()
            torch.testing.assert_close(keys[0, g, :len(pos)][held],
                                       keys_full[0, g, pos[held] - first], rtol=0, atol=0)
    assert 0 < session.stats.bytes_kept < session.stats.bytes_full


def masked_reference_attention(kept_by_layer, plan, n_heads):
    """Full cache, eager attention, and -inf on every prompt position a head did not keep."""

    def attn(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
        eager = module_eager(module)
        kept = kept_by_layer.get(module.layer_idx)
        if kept is None or query.shape[2] == key.shape[2]:
            return eager(module, query, key, value, attention_mask, scaling=scaling,
                         dropout=dropout, **kwargs)
        groups = n_heads // len(kept) if plan.info.granularity == "kv_head" else 1
        mask = torch.zeros(1, n_heads, query.shape[2], key.shape[2])
        mask[..., :T] = torch.finfo(torch.float32).min
        for h in range(n_heads):
            mask[0, h, :, kept[h // groups]] = 0
        if attention_mask is not None:  # the model's own mask (padding, causal)
            mask = torch.maximum(mask + attention_mask, torch.tensor(torch.finfo(mask.dtype).min))
        return eager(module, query, key, value, mask, scaling=scaling, dropout=dropout, **kwargs)

    return attn


@pytest.mark.parametrize("family, granularity", [("llama", "kv_head"), ("qwen2", "kv_head"),
                                                 ("gemma3", "query_head")])
def test_compressed_decoding_equals_masked_full_cache(family, granularity):
    model = tiny(family)
    plan = make_plan(model, cap=5, granularity=granularity)
    ids = prompt()
    with torch.no_grad():
        with st.apply_plan(model, plan) as session:
            tokens, logits, _ = greedy(model, ids)
        kept = {layer: session.kept_positions(layer) for layer in session.selections}
        transformers.AttentionInterface.register(
            "slkv_test_masked", masked_reference_attention(kept, plan,
                                                           model.config.num_attention_heads))
        transformers.masking_utils.AttentionMaskInterface.register(
            "slkv_test_masked", transformers.masking_utils.eager_mask)
        model.set_attn_implementation("slkv_test_masked")
        ref_tokens, ref_logits, _ = greedy(model, ids, full_cache=True)
        model.set_attn_implementation("eager")
        _, full_logits, _ = greedy(model, ids)
    assert tokens == ref_tokens
    torch.testing.assert_close(logits, ref_logits, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(logits[1:], full_logits[1:], atol=1e-4)  # the plan did act


@pytest.mark.parametrize("family", ["llama", "qwen2", "gemma3"])
def test_caps_covering_the_prompt_change_nothing(family):
    model = tiny(family)
    plan = make_plan(model, cap=T)  # every head keeps the whole prompt
    ids = prompt()
    with torch.no_grad():
        ref = model.generate(ids, max_new_tokens=NEW, do_sample=False)
        with st.apply_plan(model, plan) as session:
            out = model.generate(ids, max_new_tokens=NEW, do_sample=False)
        after = model.generate(ids, max_new_tokens=NEW, do_sample=False)
    assert out.tolist() == ref.tolist() == after.tolist()
    assert session.stats.tokens_kept == session.stats.tokens_full > 0
    assert model.config._attn_implementation == "eager"  # restored


def test_generate_with_a_small_plan_and_stats():
    model = tiny("llama")
    plan = make_plan(model, cap=3)
    with torch.no_grad(), st.apply_plan(model, plan) as session:
        out = model.generate(prompt(), max_new_tokens=NEW, do_sample=False)
    assert out.shape == (1, T + NEW)
    s = session.stats
    assert s.n_tokens == T and s.tokens_full == 3 * 2 * T
    assert s.tokens_kept == sum(int(c) + 4 for layer in range(3) for c in plan.caps(layer, T))
    assert "MiB" in str(s)


def test_refusals():
    model = tiny("llama")
    other = slkv.ModelDesc(3, 4, 1, 16, arch="llama")
    text = slkv.plan_text(other, [[4]] * 3, window=4)
    with pytest.raises(slkv.ModelMismatchError, match="plan is for n_kv_heads 1, the model has 2"):
        st.apply_plan(model, slkv.Plan.from_text(text, model=other)).__enter__()
    with pytest.raises(slkv.ModelMismatchError, match="the model has 2"):
        slkv.Plan.from_text(text, model=model)  # the library's own check, model from config
    plan = make_plan(model, cap=3)
    with torch.no_grad(), st.apply_plan(model, plan):
        with pytest.raises(slkv.InvalidArgumentError, match="batch size 2"):
            model(torch.zeros(2, 8, dtype=torch.long))
