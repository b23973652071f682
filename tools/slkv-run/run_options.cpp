#include "run_options.hpp"

namespace slkv::run {

void setup_run_options(CLI::App& app, RunOptions& o) {
  app.description(
      "Greedy generation with the slkv CPU engine. Prints the continuation, then prompt and "
      "decode speed on stderr.");
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
  app.add_option("--batch", o.batch, "Prompt tokens per forward batch")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
}

}  // namespace slkv::run
