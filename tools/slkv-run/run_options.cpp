#include "run_options.hpp"

namespace slkv::run {

void setup_run_options(CLI::App& app, RunOptions& o) {
  app.description(
      "Greedy generation with the slkv CPU engine. Prints the continuation, then prompt and "
      "decode speed on stderr.");
  app.footer(
      "Examples:\n"
      "  slkv-run model.gguf --chat --prompt \"What is the capital of France?\" --max-new 32\n"
      "  slkv-run model.gguf --prompt-file long.txt --max-new 0 --logits-out logits.f32\n"
      "  slkv-run model.gguf --prompt-file long.txt --max-new 0 --attn-out attn.f32 "
      "--attn-rows 8\n"
      "  slkv-run model.gguf --prompt \"1, 2, 3,\" --json\n"
      "  slkv-run model.gguf --chat --prompt-file long.txt --plan plan.json --max-new 32\n"
      "\n"
      "Threads: OMP_NUM_THREADS; OpenMP waits passively unless OMP_WAIT_POLICY or\n"
      "GOMP_SPINCOUNT is set (spinning collapses on a busy machine).\n"
      "With --plan, the prompt is prefilled with full attention, then the plan (from\n"
      "slkv-compile) decides which prompt positions each (layer, KV or query head) keeps; the KV\n"
      "cache keeps only those rows and decoding continues from it. The KV memory kept against\n"
      "FullKV is printed on stderr (and under \"kv\" with --json).\n"
      "Exit codes: 0 ok, 1 bad input (unreadable or invalid model, bad prompt file, a plan that\n"
      "is invalid or made for another model), 2 usage,\n"
      "3 internal error.");
  app.add_option("model", o.model, "Model: a .gguf file or a Hugging Face directory")->required();
  auto* prompt = app.add_option("--prompt", o.prompt, "Prompt text");
  auto* file = app.add_option("--prompt-file", o.prompt_file, "Read the prompt from a file");
  prompt->excludes(file);
  app.add_flag("--chat", o.chat, "Wrap the prompt in the model's chat template");
  app.add_option("--system", o.system, "System message (with --chat)");
  app.add_option("--max-new", o.max_new, "Maximum generated tokens")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  app.add_flag("--json", o.json,
               "Print {\"prompt_ids\": [...], \"output_ids\": [...], \"text\": \"...\"}");
  app.add_option("--logits-out", o.logits_out,
                 "Write f32 logits [n_prompt_tokens, vocab] of every prompt position");
  app.add_option("--attn-out", o.attn_out,
                 "Write f32 attention [n_layers, n_query_heads, K, n_prompt_tokens] of the last K "
                 "prompt positions (zeros beyond causality)");
  app.add_option("--attn-rows", o.attn_rows, "K for --attn-out")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  auto* plan = app.add_option(
      "--plan", o.plan, "Budget plan JSON (slkv-compile) applied to the KV cache after prefill");
  app.add_option("--kept-out", o.kept_out,
                 "With --plan: write JSON {\"kept\": [layer][plan head][positions]} of the kept "
                 "prompt positions")
      ->needs(plan);
  app.add_option("--decode-logits-out", o.decode_logits_out,
                 "Write f32 logits [n_generated, vocab] each generated token was chosen from");
  app.add_option("--batch", o.batch, "Prompt tokens per forward batch")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_option("--matvec", o.matvec,
                 "Generated tokens' matrix-vector products: int8 (8-bit activations, integer "
                 "dot products; default) or exact (f32). The prompt, --logits-out and "
                 "--attn-out are always exact")
      ->check(CLI::IsMember({"exact", "int8"}));
  app.add_option("--kv-type", o.kv_type,
                 "KV cache element type: f32 (default, the reference), f16 or bf16 (half the "
                 "memory, rounded to nearest even)")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  app.add_option("--prefill-weights", o.prefill_weights,
                 "Weights of prompt batches: streamed (default: dequantized and packed per batch, "
                 "nothing model-sized resident) or packed (once, at load, in oneDNN's layout: "
                 "faster prefill, 4 bytes per projection weight resident; f32 products in another "
                 "summation order). Needs a build with oneDNN")
      ->check(CLI::IsMember({"streamed", "packed"}));
}

}  // namespace slkv::run
