#!/usr/bin/env python3
"""slkv.transformers against the engine's compressed generation (issue 12's oracle).

On both real models, loaded in Hugging Face transformers (eager attention, float32) from the
same GGUF files the engine runs, for the same prompts (chat template as slkv-run --chat applies
it) and the same plans (surfacelogic by token budget, surfacelogic by ratio, uniform; KV- and
query-head granularity), checks:

  (a) the prompt positions each (layer, plan head) keeps in transformers (slkv.transformers.
      apply_plan, session.kept_positions) EQUAL those slkv-run --plan writes with --kept-out,
      on every layer (Gemma 3's sliding-window layers included);
  (b) the greedy continuations agree (transformers' generate() under the plan emits the
      engine's tokens) and the logits of every generated token are within 2e-3 of the engine's
      (--decode-logits-out, --matvec exact), where the two agree at FullKV: the FullKV logit
      difference of the same prompt is measured first and reported next to it;
  (c) the transformers tokenizer (from the GGUF) with the same chat template gives the engine's
      prompt ids (transformers is driven with the engine's ids either way).

Writes a JSON summary (--out; the golden is tests/reference/golden/transformers_engine.json)
with the command, versions and per-case figures. Exit 0 when every check passes, 1 when one
fails, 77 (ctest: skipped) when torch/transformers or the models are missing.

Run:  SLKV_RUNTIME_LIB=build/lib/runtime/libslkv_runtime.so PYTHONPATH=python/src \
      OMP_NUM_THREADS=1 /opt/slkv-ref/bin/python tests/reference/transformers_engine_reference.py \
        --bin build/tools --out tests/reference/golden/transformers_engine.json
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

SKIP = 77
try:
    import numpy as np
except ImportError:
    print(f"skipped: {sys.executable} lacks numpy (needs numpy, torch, transformers, gguf)")
    sys.exit(SKIP)

MODELS_DIR = os.environ.get("SLKV_MODELS", os.path.expanduser("~/.cache/slkv/models"))
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOGIT_TOL = 2e-3
MARGIN = 1e-3  # a greedy step counts as decided when transformers' top-2 margin exceeds this

MODELS = {
    "smollm2": ("SmolLM2-135M-Instruct.Q4_1.gguf", "profiles/smollm2-135m/profile.h5"),
    "gemma3": ("gemma-3-270m-q4_k_m.gguf", "profiles/gemma3-270m/profile.h5"),
}
# name -> slkv-compile arguments (window 16 everywhere; profiles' defaults otherwise).
PLANS = {
    "surfacelogic-b64": ["--method", "surfacelogic", "--budget", "64"],
    "surfacelogic-r0.2": ["--method", "surfacelogic", "--ratio", "0.2"],
    "uniform-b64": ["--method", "uniform", "--budget", "64"],
}
WORDS = ("river city garden market winter music stone bridge lantern harbor meadow violet "
         "engine copper window forest").split()


def prompts():
    """Three prompts of a few hundred tokens: a pass key among filler words at two lengths
    (the longer one is past Gemma 3's 512-token sliding window), and a short story."""
    out = {}
    for name, seed, n_words in (("passkey-300w", 7, 300), ("passkey-560w", 11, 560)):
        rng = np.random.default_rng(seed)
        text = " ".join(rng.choice(WORDS) for _ in range(n_words))
        cut = len(text) // 3
        out[name] = (text[:cut] + " The access code for the north gate is 58213. " + text[cut:] +
                     "\n\nWhat is the access code for the north gate?")
    story = ("Mara kept the lighthouse on the northern cape for eleven winters. Each evening she "
             "climbed the one hundred and twelve steps, trimmed the wick, polished the lens and "
             "wrote the weather in a green ledger. ")
    facts = ["In the first winter a fishing boat named Orla ran aground on the eastern rocks.",
             "In the third winter her brother Tomas brought her a grey cat called Pebble.",
             "In the fifth winter the lens cracked and a new one came from the city by cart.",
             "In the eighth winter the keeper of the southern light, Ivo, sent her a letter "
             "every month.", "In the eleventh winter the light was electrified and she left."]
    out["story"] = (story * 3 + " ".join(facts) + " " + story * 2 +
                    "\n\nWho gave Mara the cat, and what was the cat called?")
    return out


def run(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"command failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return res


def engine(args, gguf, prompt_file, tmp, plan=None):
    """slkv-run: returns prompt ids, output ids, decode logits [n, vocab], kept (plan)."""
    logits_path = os.path.join(tmp, "logits.f32")
    kept_path = os.path.join(tmp, "kept.json")
    cmd = [args.slkv_run, gguf, "--chat", "--prompt-file", prompt_file, "--max-new",
           str(args.max_new), "--json", "--matvec", "exact", "--decode-logits-out", logits_path]
    if plan:
        cmd += ["--plan", plan, "--kept-out", kept_path]
    out = json.loads(run(cmd).stdout.strip().splitlines()[-1])
    n = len(out["output_ids"])
    logits = np.fromfile(logits_path, dtype=np.float32).reshape(n, -1)
    kept = json.load(open(kept_path))["kept"] if plan else None
    return out["prompt_ids"], out["output_ids"], logits, kept


def hf_generate(model, prompt_ids, n):
    import torch

    ids = torch.tensor([prompt_ids])
    with torch.no_grad():
        g = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n,
                           min_new_tokens=n, do_sample=False, output_logits=True,
                           return_dict_in_generate=True, pad_token_id=0)
    tokens = g.sequences[0, len(prompt_ids):].tolist()
    logits = torch.stack([x[0] for x in g.logits]).float().numpy()
    return tokens, logits


def compare_logits(ours, ref, ours_tokens, ref_tokens):
    """Max |diff| over the steps both runs took on the same context (up to and including the
    first step whose tokens differ), and whether every decided step chose the same token."""
    n = min(len(ours_tokens), len(ref_tokens), len(ours), len(ref))
    same = 0
    while same < n and ours_tokens[same] == ref_tokens[same]:
        same += 1
    upto = min(n, same + 1)
    diff = float(np.abs(ours[:upto] - ref[:upto]).max()) if upto else 0.0
    top2 = np.sort(ref[:upto], axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    undecided = [int(i) for i in np.nonzero(margin <= MARGIN)[0]]
    agree = same == n or same in undecided
    return diff, same, n, agree, float(margin.min()) if upto else 0.0


def template_ids(tok, family, text, gguf_path):
    """The chat-templated prompt tokenized by transformers' tokenizer from the GGUF."""
    if family == "gemma3":  # the GGUF carries no template; Gemma 3's own
        s = f"<bos><start_of_turn>user\n{text}<end_of_turn>\n<start_of_turn>model\n"
        return tok(s, add_special_tokens=False)["input_ids"]
    import gguf

    field = gguf.GGUFReader(gguf_path).fields["tokenizer.chat_template"]
    return tok.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True,
                                   tokenize=True, chat_template=field.contents(),
                                   return_dict=False)


def outside_window(config, kept, n_tokens):
    """Kept prompt positions on sliding-window layers that no generated token can read
    (p <= T - window): budget the plan spends for nothing there."""
    types = getattr(config, "layer_types", None) or []
    w = getattr(config, "sliding_window", None) or 0
    return sum(int(np.sum(np.asarray(h) <= n_tokens - w)) for layer, heads in enumerate(kept)
               if layer < len(types) and types[layer] == "sliding_attention" and w
               for h in heads)


def kept_diff(engine_kept, hf_kept):
    """(heads compared, heads differing, first difference)."""
    n, bad, first = 0, 0, None
    for layer, (e_layer, h_layer) in enumerate(zip(engine_kept, hf_kept)):
        if len(e_layer) != len(h_layer):
            return n, -1, f"layer {layer}: {len(e_layer)} vs {len(h_layer)} plan heads"
        for h, (e, t) in enumerate(zip(e_layer, h_layer)):
            n += 1
            if list(e) != list(t):
                bad += 1
                if first is None:
                    only_e = sorted(set(e) - set(t))[:6]
                    only_t = sorted(set(t) - set(e))[:6]
                    first = (f"layer {layer} head {h}: engine {len(e)} kept, transformers "
                             f"{len(t)}; only engine {only_e}, only transformers {only_t}")
    if len(engine_kept) != len(hf_kept):
        return n, -1, f"{len(engine_kept)} vs {len(hf_kept)} layers"
    return n, bad, first


def model_cases(args, family, tmp, texts, results):
    import torch
    import transformers

    import slkv.transformers as st

    gguf_name, profile = MODELS[family]
    gguf_path = os.path.join(MODELS_DIR, gguf_name)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        MODELS_DIR, gguf_file=gguf_name, dtype=torch.float32,
        attn_implementation="sdpa" if args.press else "eager").eval()
    tok = transformers.AutoTokenizer.from_pretrained(MODELS_DIR, gguf_file=gguf_name)
    gqa = model.config.num_attention_heads != model.config.num_key_value_heads
    grans = ["kv", "query"] if gqa else ["kv"]
    plans = {}
    for pname, extra in PLANS.items():
        for gran in grans:
            path = os.path.join(tmp, f"{family}-{pname}-{gran}.json")
            run([args.slkv_compile, os.path.join(ROOT, profile), *extra, "--granularity", gran,
                 "--window", "16", "--out", path])
            plans[(pname, gran)] = path
    for pr_name, text in texts.items():
        prompt_file = os.path.join(tmp, f"{pr_name}.txt")
        with open(prompt_file, "w") as f:
            f.write(text)
        p_ids, f_tokens, f_logits, _ = engine(args, gguf_path, prompt_file, tmp)
        tok_equal = template_ids(tok, family, text, gguf_path) == p_ids
        h_tokens, h_logits = hf_generate(model, p_ids, args.max_new)
        full_diff, full_same, n, full_agree, _ = compare_logits(f_logits, h_logits, f_tokens,
                                                                 h_tokens)
        print(f"{family} {pr_name}: T={len(p_ids)} tokenizer equal {tok_equal}; FullKV max "
              f"|dlogit| {full_diff:.3g}, tokens equal {full_same}/{n}", file=sys.stderr)
        base = {"model": family, "prompt": pr_name, "prompt_tokens": len(p_ids),
                "tokenizer_equal": tok_equal, "fullkv_max_abs_logit_diff": full_diff,
                "fullkv_tokens_equal": full_same == n}
        for (pname, gran), plan_path in plans.items():
            t0 = time.time()
            _, e_tokens, e_logits, e_kept = engine(args, gguf_path, prompt_file, tmp, plan_path)
            plan = st.load_plan(plan_path, model)
            if args.press:  # kvpress: sliding layers stay uncompressed, compare the others
                from slkv.transformers.press import PlanPress

                press = PlanPress(plan=plan)
                with press(model):
                    t_tokens, t_logits = hf_generate(model, p_ids, args.max_new)
                layers = sorted(press.selections)
                t_kept = [press.selections[layer].tolist() for layer in layers]
                n_heads, n_bad, first = kept_diff([e_kept[layer] for layer in layers], t_kept)
                # The press's decoding equals the engine's only where its rule does: KV-head
                # plans on models without sliding-window layers.
                same_rule = gran == "kv" and len(layers) == plan.info.n_layers
                stats = None
            else:
                with st.apply_plan(model, plan) as session:
                    t_tokens, t_logits = hf_generate(model, p_ids, args.max_new)
                t_kept = [session.kept_positions(layer) for layer in range(plan.info.n_layers)]
                n_heads, n_bad, first = kept_diff(e_kept, t_kept)
                layers, same_rule, stats = list(range(plan.info.n_layers)), True, session.stats
            diff, same, n, agree, margin = compare_logits(e_logits, t_logits, e_tokens, t_tokens)
            # How much the plan moved the engine's own logits from FullKV (same context only):
            # the size of the effect the equality above is measured against.
            change, _, _, _, _ = compare_logits(e_logits, f_logits, e_tokens, f_tokens)
            upto = min(same + 1, n)  # step 0 is the prefill's last row, before any eviction
            diff_decode = float(np.abs(e_logits[1:upto] - t_logits[1:upto]).max()) \
                if upto > 1 else 0.0
            unread = outside_window(model.config, e_kept, len(p_ids))
            ok = n_bad == 0 and (not same_rule or
                                 (agree and diff <= max(LOGIT_TOL, full_diff)))
            r = dict(base, plan=pname, granularity=gran,
                     integration="PlanPress" if args.press else "apply_plan",
                     layers_compared=len(layers), decoding_rule_equal=same_rule,
                     rows_kept=sum(len(h) for layer in e_kept for h in layer),
                     heads_compared=n_heads, heads_differing=n_bad, first_difference=first,
                     max_abs_logit_diff=diff, max_abs_logit_diff_after_step0=diff_decode,
                     tokens_equal=f"{same}/{n}", greedy_agree=agree,
                     min_top2_margin=margin, engine_change_vs_fullkv=change,
                     kept_outside_sliding_window=unread,
                     kv_kept_fraction=round(stats.kept_fraction, 4) if stats else None,
                     seconds=round(time.time() - t0, 1), passed=ok)
            print(json.dumps(r), file=sys.stderr)
            results.append(r)


def _version(dist):
    from importlib.metadata import version

    return version(dist)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "tools"),
                    help="directory holding slkv-run/ and slkv-compile/ (the build's tools)")
    ap.add_argument("--max-new", type=int, default=8)
    ap.add_argument("--models", default="smollm2,gemma3")
    ap.add_argument("--prompts", default=None, help="comma-separated subset of the prompts")
    ap.add_argument("--out", default=None)
    ap.add_argument("--press", action="store_true",
                    help="kvpress PlanPress (sdpa attention) instead of apply_plan (eager)")
    args = ap.parse_args()
    args.slkv_run = os.path.join(args.bin, "slkv-run", "slkv-run")
    args.slkv_compile = os.path.join(args.bin, "slkv-compile", "slkv-compile")
    try:
        import gguf  # noqa: F401  (transformers' GGUF loader)
        if args.press:
            import kvpress  # noqa: F401
        import torch
        import transformers
    except ImportError as e:
        print(f"skipped: {sys.executable} lacks {e.name} (needs torch, transformers, gguf; "
              "docs/python.md, configure with -DSLKV_TORCH_PYTHON=...)")
        sys.exit(SKIP)
    missing = [m for m in args.models.split(",")
               if not os.path.exists(os.path.join(MODELS_DIR, MODELS[m][0]))]
    if missing:
        print(f"skipped: models {missing} not in {MODELS_DIR} (scripts/get-model.sh all)")
        sys.exit(SKIP)
    for exe in (args.slkv_run, args.slkv_compile):
        if not os.access(exe, os.X_OK):
            sys.exit(f"{exe}: not built (cmake --build build --target slkv-run slkv-compile)")
    import slkv

    torch.manual_seed(0)
    texts = prompts()
    if args.prompts:
        texts = {k: texts[k] for k in args.prompts.split(",")}
    results = []
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for family in args.models.split(","):
            model_cases(args, family, tmp, texts, results)
    summary = {
        "script": "tests/reference/transformers_engine_reference.py",
        "command": " ".join(sys.argv[1:]),
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "numpy": np.__version__,
                     "kvpress": _version("kvpress") if args.press else None,
                     "slkv": getattr(slkv, "__version__", "?")},
        "created": datetime.date.today().isoformat(),
        "seconds": round(time.time() - t0, 1),
        "tolerance": {"logits": LOGIT_TOL, "margin": MARGIN,
                      "rule": "max_abs_logit_diff <= max(logits, fullkv_max_abs_logit_diff)"},
        "max_new": args.max_new, "cases": results,
        "all_passed": all(r["passed"] for r in results),
    }
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")
    bad = [r for r in results if not r["passed"]]
    print(f"{len(results) - len(bad)} of {len(results)} cases pass")
    for r in bad:
        print(f"FAIL {r['model']} {r['prompt']} {r['plan']} {r['granularity']}: "
              f"{r['heads_differing']} heads differ ({r['first_difference']}), "
              f"logits {r['max_abs_logit_diff']:.3g}, tokens {r['tokens_equal']}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
