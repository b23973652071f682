"""Greedy continuation with FullKV and with a plan, for a GGUF model loaded in transformers.

    python python/examples/compare_fullkv.py gemma-3-270m-q4_k_m.gguf \\
        profiles/gemma3-270m/plan-128.json
Models are looked up in $SLKV_MODELS or ~/.cache/slkv/models (scripts/get-model.sh)."""
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

import slkv.transformers as st

models = os.environ.get("SLKV_MODELS", os.path.expanduser("~/.cache/slkv/models"))
gguf, plan_path = sys.argv[1], sys.argv[2]
tok = AutoTokenizer.from_pretrained(models, gguf_file=gguf)
model = AutoModelForCausalLM.from_pretrained(models, gguf_file=gguf,
                                             attn_implementation="eager").eval()
plan = st.load_plan(plan_path, model)
ids = tok(open("README.md").read()[:4000] + "\nIn one sentence, slkv is", return_tensors="pt")
n = ids["input_ids"].shape[1]
with torch.no_grad():
    full = model.generate(**ids, max_new_tokens=24, do_sample=False)
    with st.apply_plan(model, plan) as session:
        out = model.generate(**ids, max_new_tokens=24, do_sample=False)
print(f"prompt {n} tokens, plan {plan}")
print("FullKV:", repr(tok.decode(full[0, n:])))
print("plan:  ", repr(tok.decode(out[0, n:])))
print(session.stats)
