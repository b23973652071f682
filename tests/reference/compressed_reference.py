#!/usr/bin/env python3
"""Independent check of compressed generation (slkv-run --plan) against HF transformers.

For each case, slkv-run prefills a prompt, applies a budget plan through libslkv_runtime and
decodes greedily; it writes the kept prompt positions of every (layer, plan head) (--kept-out)
and the logits each generated token was chosen from (--decode-logits-out). This script then runs
HF transformers (eager attention, float32, the same GGUF file) on prompt + generated tokens in one
forward pass, with an additive per-head mask that hides, from every query after the prompt, the
prompt positions that head did not keep (query positions inside the prompt see the full causal
prompt: prefill uses full attention). It compares the decode logits (max |diff| <= 2e-3 over the
vocabulary) and the greedy tokens (HF's argmax at every step equals the token slkv chose, where
HF's top-2 margin exceeds 1e-3).

Writes a JSON summary (--out) with the command, versions and per-case figures.

Run:  /opt/slkv-ref/bin/python tests/reference/compressed_reference.py \
        --slkv-run build/tools/slkv-run/slkv-run --out tests/reference/golden/compressed_reference.json
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import transformers

MODELS_DIR = os.environ.get("SLKV_MODELS", os.path.expanduser("~/.cache/slkv/models"))
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOGIT_TOL = 2e-3
MARGIN = 1e-3

# The per-head masks the patched eager attention adds: layer -> tensor [1, H, L, L] or None.
HEAD_MASKS = {}


def patch_eager(module):
    original = module.eager_attention_forward

    # Positional order after attention_mask differs between models (gemma3: dropout, scaling):
    # pass the rest through untouched.
    def patched(mod, query, key, value, attention_mask, *args, **kwargs):
        extra = HEAD_MASKS.get(mod.layer_idx)
        if extra is not None:
            L = query.shape[2]
            extra = extra[:, :, :L, :key.shape[2]]
            attention_mask = extra if attention_mask is None else attention_mask + extra
        return original(mod, query, key, value, attention_mask, *args, **kwargs)

    module.eager_attention_forward = patched


def write_prompt(path, seed, n_words):
    rng = np.random.default_rng(seed)
    words = ("river city garden market winter music stone bridge lantern harbor meadow violet "
             "engine copper window forest").split()
    text = " ".join(rng.choice(words) for _ in range(n_words))
    cut = len(text) // 3
    text = (text[:cut] + " The access code for the north gate is 58213. " + text[cut:] +
            "\n\nWhat is the access code for the north gate?")
    with open(path, "w") as f:
        f.write(text)


def compile_plan(slkv_compile, profile, out, budget, granularity, window):
    subprocess.run([slkv_compile, profile, "--budget", str(budget), "--granularity", granularity,
                    "--window", str(window), "--out", out], check=True, capture_output=True)


def run_case(args, model, name, gguf, profile, granularity, budget, tmp):
    prompt = os.path.join(tmp, f"{name}.txt")
    write_prompt(prompt, 7, 500)
    plan = os.path.join(tmp, f"{name}-{granularity}.json")
    compile_plan(args.slkv_compile, profile, plan, budget, granularity, 16)
    kept_path = os.path.join(tmp, "kept.json")
    logits_path = os.path.join(tmp, "logits.f32")
    cmd = [args.slkv_run, gguf, "--chat", "--prompt-file", prompt, "--max-new", str(args.max_new),
           "--json", "--matvec", "exact", "--plan", plan, "--kept-out", kept_path, "--decode-logits-out", logits_path]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    kept = json.load(open(kept_path))["kept"]
    prompt_ids, output_ids = out["prompt_ids"], out["output_ids"]
    T, n = len(prompt_ids), len(output_ids)
    ours = np.fromfile(logits_path, dtype=np.float32).reshape(n, -1)

    cfg = model.config
    H, KV = cfg.num_attention_heads, cfg.num_key_value_heads
    ids = prompt_ids + output_ids[:-1]
    L = len(ids)
    HEAD_MASKS.clear()
    neg = torch.finfo(torch.float32).min
    for layer, heads in enumerate(kept):
        m = torch.zeros(1, H, L, L, dtype=torch.float32)
        for h in range(H):
            plan_head = h if len(heads) == H else h // (H // KV)
            hidden = np.ones(T, bool)
            hidden[np.asarray(heads[plan_head], dtype=np.int64)] = False
            cols = torch.from_numpy(np.nonzero(hidden)[0])
            m[0, h, T:, cols] = neg  # only queries after the prompt lose the evicted keys
        HEAD_MASKS[layer] = m
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].float().numpy()
    HEAD_MASKS.clear()
    with torch.no_grad():  # the same tokens without eviction: how much the plan changed
        unmasked = model(input_ids=torch.tensor([ids])).logits[0].float().numpy()[T - 1:T - 1 + n]
    ref = logits[T - 1:T - 1 + n]
    diff = float(np.abs(ref - ours).max())
    top2 = np.sort(ref, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    argmax = ref.argmax(axis=1)
    decided = margin > MARGIN
    tokens_ok = bool(np.all(argmax[decided] == np.asarray(output_ids)[decided]))
    rows_kept = sum(len(h) for layer in kept for h in layer)
    return {"case": name, "granularity": granularity, "budget": budget, "prompt_tokens": T,
            "generated": n, "rows_kept": rows_kept,
            "max_abs_logit_diff": diff,
            "max_abs_change_by_eviction": float(np.abs(ref - unmasked).max()), "greedy_tokens_equal": tokens_ok,
            "steps_with_margin": int(decided.sum()), "pass": diff <= LOGIT_TOL and tokens_ok,
            "text": out["text"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slkv-run", required=True)
    ap.add_argument("--slkv-compile", default=None)
    ap.add_argument("--max-new", type=int, default=8)
    ap.add_argument("--cases", default="smollm2,gemma3")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.slkv_compile is None:
        args.slkv_compile = os.path.join(os.path.dirname(os.path.dirname(args.slkv_run)),
                                         "slkv-compile", "slkv-compile")
    import transformers.models.llama.modeling_llama as ml
    import transformers.models.gemma3.modeling_gemma3 as mg
    patch_eager(ml)
    patch_eager(mg)
    cases = {"smollm2": ("SmolLM2-135M-Instruct.Q4_1.gguf", "profiles/smollm2-135m/profile.h5"),
             "gemma3": ("gemma-3-270m-q4_k_m.gguf", "profiles/gemma3-270m/profile.h5")}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases.split(","):
            gguf_name, profile = cases[name]
            gguf = os.path.join(MODELS_DIR, gguf_name)
            model = transformers.AutoModelForCausalLM.from_pretrained(
                MODELS_DIR, gguf_file=gguf_name, dtype=torch.float32, attn_implementation="eager")
            model.eval()
            for gran in ("kv", "query"):
                r = run_case(args, model, name, gguf, os.path.join(ROOT, profile), gran, 48, tmp)
                print(json.dumps(r), file=sys.stderr)
                results.append(r)
    summary = {"command": " ".join(sys.argv),
               "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                            "numpy": np.__version__},
               "created": datetime.date.today().isoformat(),
               "tolerance": {"logits": LOGIT_TOL, "margin": MARGIN}, "cases": results}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")
    sys.exit(0 if all(r["pass"] for r in results) else 1)


if __name__ == "__main__":
    main()
