#pragma once
// Options of slkv-run (one struct, filled by setup_run_options).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace slkv::run {

struct RunOptions {
  std::string model;        // .gguf file or HF directory
  std::string prompt;       // --prompt
  std::string prompt_file;  // --prompt-file
  std::string system;       // --system (with --chat)
  bool chat = false;
  int64_t max_new = 128;
  bool json = false;
  std::string logits_out;  // f32 [n_prompt, vocab]
  std::string attn_out;    // f32 [n_layers, n_heads, attn_rows, n_prompt]
  int64_t attn_rows = 8;
  int64_t batch = 512;            // prompt tokens per forward batch
  std::string plan;               // --plan: budget plan applied to the KV cache after prefill
  std::string kept_out;           // --kept-out: JSON of the positions every (layer, plan head) kept
  std::string decode_logits_out;  // f32 [n_generated, vocab]: the logits each token came from
  std::string matvec = "int8";    // --matvec: decode products, exact (f32) or int8 activations
  std::string kv_type = "f32";    // --kv-type: KV cache element type, f32, f16 or bf16
  std::string prefill_weights = "streamed";  // --prefill-weights: streamed or packed
};

void setup_run_options(CLI::App& app, RunOptions& options);

}  // namespace slkv::run
