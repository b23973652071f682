#!/usr/bin/env python3
"""Golden outputs of HF transformers for the engine's parity test (tests/engine/hf_parity_test.cpp).

For each case (SmolLM2-135M-Instruct and Gemma 3 270M from their GGUF files, and small
random-initialised llama, mistral, qwen2 and gemma3 checkpoints this script creates and saves as
safetensors under tests/reference/models/) and each prompt (a short chat prompt and one of at
least 2,048 tokens), it writes tests/reference/golden/engine/<case>_<prompt>.h5 with:

  prompt_ids          int32 [T]
  logit_positions     int32 [P]       prompt positions whose logits are recorded
  top_ids, top_values int32/f32 [P, 8] the reference's 8 largest logits
  margin              f32 [P]         top1 - top2
  probe_ids           int32 [64]      fixed random vocabulary ids
  probe_values        f32 [P, 64]     logits at probe_ids
  attn_rows_u16       uint16 [n_layers, n_heads, 8, T]  softmax rows of the last 8 prompt
                      positions, stored as round(p * 65535) (quantization error <= 7.7e-6)
  greedy_ids          int32 [64]      64 greedy tokens after the prompt (no stop condition)
  attrs: command, versions, model, created

Case smollm2_keep writes smollm2_keep.h5: logits of 8 tokens fed after a 300-token prompt whose
attention (for those 8 queries only) sees a subset of the prompt positions, for the KV cache's
keep() test (see keep_case).

Run:  /opt/slkv-ref/bin/python tests/reference/engine_reference.py [--cases smollm2,...]
"""
import argparse
import datetime
import json
import os
import sys

import h5py
import numpy as np
import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.environ.get("SLKV_MODELS", os.path.expanduser("~/.cache/slkv/models"))
GGUF_CASES = {
    "smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "gemma3": "gemma-3-270m-q4_k_m.gguf",
}
RANDOM_CASES = ["tiny_llama", "tiny_mistral", "tiny_qwen2", "tiny_gemma3"]
LONG_TOKENS = 2100
N_ROWS = 8
N_GREEDY = 64

WORDS = ("the river city winter market letter garden number seven quiet engine "
         "doctor bright table morning history answer simple forest castle copper "
         "music ocean paper silver window yellow planet summer teacher village").split()


def long_text(seed, n_words):
    rng = np.random.default_rng(seed)
    sentences = []
    while sum(len(s.split()) for s in sentences) < n_words:
        k = int(rng.integers(6, 14))
        words = [WORDS[int(i)] for i in rng.integers(0, len(WORDS), k)]
        sentences.append(" ".join(words).capitalize() + f" {int(rng.integers(0, 1000))}.")
    return " ".join(sentences)


def random_config(name):
    common = dict(vocab_size=384, hidden_size=64, intermediate_size=160, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                  max_position_embeddings=4096, initializer_range=0.08, tie_word_embeddings=False,
                  bos_token_id=1, eos_token_id=2, pad_token_id=0)
    if name == "tiny_llama":
        return transformers.LlamaConfig(**common, rope_theta=10000.0, rms_norm_eps=1e-5)
    if name == "tiny_mistral":
        return transformers.MistralConfig(**common, rope_theta=10000.0, rms_norm_eps=1e-5,
                                          sliding_window=256)
    if name == "tiny_qwen2":
        return transformers.Qwen2Config(**{**common, "tie_word_embeddings": True},
                                        rope_theta=1000000.0, rms_norm_eps=1e-6)
    if name == "tiny_gemma3":
        c = dict(common)
        c.update(num_attention_heads=4, num_key_value_heads=1, head_dim=32,
                 tie_word_embeddings=True)
        return transformers.Gemma3TextConfig(
            **c, rms_norm_eps=1e-6, query_pre_attn_scalar=24, sliding_window=128,
            layer_types=["sliding_attention", "full_attention", "sliding_attention"],
            rope_theta=1000000.0, rope_local_base_freq=10000.0,
            hidden_activation="gelu_pytorch_tanh")
    raise ValueError(name)


def load_case(name):
    kw = dict(dtype=torch.float32, attn_implementation="eager")
    if name in GGUF_CASES:
        model = transformers.AutoModelForCausalLM.from_pretrained(
            MODELS_DIR, gguf_file=GGUF_CASES[name], **kw)
        return model, os.path.join(MODELS_DIR, GGUF_CASES[name])
    out_dir = os.path.join(HERE, "models", name)
    torch.manual_seed(1234 + RANDOM_CASES.index(name))
    config = random_config(name)
    config._attn_implementation = "eager"
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    with torch.no_grad():  # zero-centred Gemma norms would stay exactly 0; perturb every norm
        for pname, p in model.named_parameters():
            if "norm" in pname:
                p.add_(0.1 * torch.randn_like(p))
            if "bias" in pname:
                p.copy_(0.2 * torch.randn_like(p))
        # Stored as BF16 to keep the committed files small; the reference computes in f32 from
        # exactly the stored values (the engine dequantizes BF16 to the same f32 numbers).
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).to(torch.float32))
    # Not model.to(bfloat16): that would also round non-persistent buffers (RoPE inv_freq).
    bf16 = {k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}
    model.save_pretrained(out_dir, state_dict=bf16, safe_serialization=True)
    for extra in ("generation_config.json",):
        path = os.path.join(out_dir, extra)
        if os.path.exists(path):
            os.remove(path)
    return model, out_dir


def prompts(name, model):
    vocab = model.config.vocab_size
    if name == "smollm2":
        from llama_cpp import Llama
        tok = Llama(os.path.join(MODELS_DIR, GGUF_CASES[name]), vocab_only=True, verbose=False)
        short = tok.tokenize(b"<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                             b"<|im_start|>assistant\n", add_bos=False, special=True)
        long = tok.tokenize(long_text(1, 1800).encode(), add_bos=False, special=False)
    elif name == "gemma3":
        from llama_cpp import Llama
        tok = Llama(os.path.join(MODELS_DIR, GGUF_CASES[name]), vocab_only=True, verbose=False)
        short = tok.tokenize(b"<bos><start_of_turn>user\nWhat is the capital of France?"
                             b"<end_of_turn>\n<start_of_turn>model\n", add_bos=False, special=True)
        long = [2] + tok.tokenize(long_text(2, 1800).encode(), add_bos=False, special=False)
    else:
        rng = np.random.default_rng(5)
        short = [1] + [int(x) for x in rng.integers(3, vocab, 23)]
        long = [1] + [int(x) for x in rng.integers(3, vocab, LONG_TOKENS - 1)]
    assert len(long) >= 2048, len(long)
    return {"short": short, "long": long[:LONG_TOKENS]}


@torch.no_grad()
def run_prompt(model, ids):
    T = len(ids)
    x = torch.tensor([ids])
    out = model.model(input_ids=x, output_attentions=True, use_cache=True)
    hidden = out.last_hidden_state[0]  # [T, hidden], after the final norm
    positions = np.arange(T) if T <= 64 else np.unique(
        np.concatenate([np.arange(0, T, 8), np.arange(T - 16, T)]))
    logits = model.lm_head(hidden[torch.from_numpy(positions)]).float().numpy()  # [P, vocab]
    order = np.argsort(-logits, axis=1, kind="stable")[:, :8]
    top_values = np.take_along_axis(logits, order, axis=1)
    attn = np.stack([a[0, :, T - N_ROWS:, :].float().numpy() for a in out.attentions])
    # Greedy continuation with the cache, as generate(do_sample=False) does, without stopping.
    past = out.past_key_values
    last = model.lm_head(hidden[-1:]).float()
    greedy = []
    for _ in range(N_GREEDY):
        nxt = int(torch.argmax(last[-1]))
        greedy.append(nxt)
        o = model(input_ids=torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past = o.past_key_values
        last = o.logits[0].float()
    return dict(positions=positions, logits=logits, top_ids=order, top_values=top_values,
                attn=attn, greedy=greedy)


KEEP_PROMPT = 300   # prompt tokens before compression
KEEP_DECODE = 8     # tokens fed after compression


def kept_positions(n_prompt):
    """The subset of prompt positions kept by the keep test (same for every layer and head)."""
    return [p for p in range(n_prompt) if p < 4 or p % 3 == 0 or p >= n_prompt - 16]


@torch.no_grad()
def keep_case(out_dir, versions):
    """SmolLM2: logits of KEEP_DECODE tokens fed after the prompt when their attention sees only
    kept_positions() of the prompt (HF with a custom 4D mask), for the engine's KvCache::keep."""
    model, source = load_case("smollm2")
    model.eval()
    from llama_cpp import Llama
    tok = Llama(source, vocab_only=True, verbose=False)
    ids = tok.tokenize(long_text(3, 400).encode(), add_bos=False, special=False)
    ids = ids[:KEEP_PROMPT + KEEP_DECODE]
    T, P = len(ids), KEEP_PROMPT
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    dropped = sorted(set(range(P)) - set(kept_positions(P)))
    allowed[P:, dropped] = False
    mask = torch.zeros(1, 1, T, T, dtype=torch.float32)
    mask[0, 0][~allowed] = torch.finfo(torch.float32).min
    logits = model(input_ids=torch.tensor([ids]), attention_mask=mask).logits[0].float().numpy()
    full = model(input_ids=torch.tensor([ids])).logits[0].float().numpy()
    path = os.path.join(out_dir, "smollm2_keep.h5")
    with h5py.File(path + ".tmp", "w") as f:
        f["token_ids"] = np.asarray(ids, dtype=np.int32)
        f["kept_positions"] = np.asarray(kept_positions(P), dtype=np.int32)
        # Logits after each fed token: rows P .. T-1, [KEEP_DECODE, vocab] (top-64 + probes).
        rows = logits[P:]
        order = np.argsort(-rows, axis=1, kind="stable")[:, :64]
        f["top_ids"] = order.astype(np.int32)
        f["top_values"] = np.take_along_axis(rows, order, axis=1).astype(np.float32)
        f["max_change_vs_full"] = np.float32(np.abs(rows - full[P:]).max())
        f.attrs["command"] = " ".join(["tests/reference/engine_reference.py"] + sys.argv[1:])
        f.attrs["versions"] = json.dumps(versions)
        f.attrs["model"] = os.path.basename(source)
        f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    os.replace(path + ".tmp", path)
    print(f"{path}: change vs full attention {np.abs(rows - full[P:]).max():.3g}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=",".join(list(GGUF_CASES) + RANDOM_CASES))
    ap.add_argument("--out", default=os.path.join(HERE, "golden", "engine"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    import gguf
    versions = dict(torch=torch.__version__, transformers=transformers.__version__,
                    gguf=getattr(gguf, "__version__", "?"), numpy=np.__version__,
                    python=sys.version.split()[0])
    for name in args.cases.split(","):
        if name == "smollm2_keep":
            keep_case(args.out, versions)
            continue
        model, source = load_case(name)
        model.eval()
        vocab = model.config.vocab_size
        probe_ids = np.sort(np.random.default_rng(77).choice(vocab, 64, replace=False))
        for pname, ids in prompts(name, model).items():
            r = run_prompt(model, ids)
            sorted_logits = -np.sort(-r["logits"], axis=1)
            path = os.path.join(args.out, f"{name}_{pname}.h5")
            tmp = path + ".tmp"
            with h5py.File(tmp, "w") as f:
                f["prompt_ids"] = np.asarray(ids, dtype=np.int32)
                f["logit_positions"] = r["positions"].astype(np.int32)
                f["top_ids"] = r["top_ids"].astype(np.int32)
                f["top_values"] = r["top_values"].astype(np.float32)
                f["margin"] = (sorted_logits[:, 0] - sorted_logits[:, 1]).astype(np.float32)
                f["probe_ids"] = probe_ids.astype(np.int32)
                f["probe_values"] = r["logits"][:, probe_ids].astype(np.float32)
                q = np.clip(np.rint(r["attn"] * 65535.0), 0, 65535).astype(np.uint16)
                f.create_dataset("attn_rows_u16", data=q, compression="gzip",
                                 compression_opts=9, shuffle=True)
                f["greedy_ids"] = np.asarray(r["greedy"], dtype=np.int32)
                f.attrs["command"] = " ".join(["tests/reference/engine_reference.py"] + sys.argv[1:])
                f.attrs["versions"] = json.dumps(versions)
                f.attrs["model"] = os.path.basename(source)
                f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
            os.replace(tmp, path)
            print(f"{path}: T={len(ids)} size={os.path.getsize(path)} bytes", flush=True)


if __name__ == "__main__":
    main()
