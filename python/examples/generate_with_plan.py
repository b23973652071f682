import sys, torch, slkv.transformers as st
from transformers import AutoModelForCausalLM, AutoTokenizer
d, f = "/root/.cache/slkv/models", "SmolLM2-135M-Instruct.Q4_1.gguf"  # scripts/get-model.sh
tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, attn_implementation="eager")
plan = st.load_plan(sys.argv[1], model)  # e.g. profiles/smollm2-135m/plan-128.json
chat = [{"role": "user", "content": open("README.md").read()[:3000] + "\nSummarize it."}]
ids = tok.apply_chat_template(chat, add_generation_prompt=True, return_dict=True,
                              return_tensors="pt")
with torch.no_grad(), st.apply_plan(model, plan) as session:
    out = model.generate(**ids, max_new_tokens=40, do_sample=False)
print(tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True), session.stats)
