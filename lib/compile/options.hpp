#pragma once
// Every knob of budget compilation, with METHOD.md section 5's defaults. The tool fills this
// from its flags; everything here is recorded in the plan.

#include <cstdint>
#include <optional>
#include <string>

namespace slkv::compile {

struct ModelShape {
  int64_t n_layers = 0;
  int64_t n_heads = 0;  // query heads
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  std::string arch;         // empty for --shape
  std::string fingerprint;  // empty for --shape
};

// Parses "L,H,KVH,D" (e.g. "32,32,8,128"); throws slkv::Error on anything else.
ModelShape parse_shape(const std::string& text);

// Throws slkv::Error when the shape is empty or H is not a multiple of KVH.
void validate_shape(const ModelShape& shape);

// Opens a checkpoint (.gguf or HF directory) and returns its shape, arch and fingerprint.
// Throws slkv::Error naming the file when it cannot be read.
ModelShape shape_of_checkpoint(const std::string& path);

struct CompileOptions {
  std::string method = "surfacelogic";

  // Budget: exactly one of tokens (average per head, window included) or ratio (of the prompt).
  std::optional<int64_t> budget_tokens;
  std::optional<double> budget_ratio;

  std::string granularity = "kv";  // "kv" | "query"
  std::string gqa = "sum";         // kv granularity: "sum" | "max" of query-head importance

  int64_t window = 8;           // w: most recent tokens every head keeps
  std::string pooling = "max";  // runtime token-score pooling: "max" | "avg" | "none"
  int64_t pooling_kernel = 7;

  double beta1 = 1.351;  // stage-1 floor divisor (real / headkv: their single beta)
  double beta2 = 1.351;  // stage-2 floor divisor
  double tau = 0.98;     // temperature: SA = s^tau
  double alpha = 0.5;    // weight of norm(S_surface) in the default importance
  // Profiles: zero the importance of heads flagged only "ignoring" (METHOD.md section 5), or
  // keep every head's continuous score ("scores").
  std::string importance = "flagged";  // "flagged" | "scores"
  // Share of a uniform importance mixed in: s' = (1 - mix) s / sum(s) + mix / N (0 = none).
  double uniform_mix = 0.0;
  int64_t min_cap = 0;  // floor every head keeps beyond the window

  double pyramid_beta = 20;           // PyramidKV: min = B // pyramid_beta
  double adakv_floor_fraction = 0.2;  // Ada-KV: floor int(0.2 B), adaptive share 0.8
  int64_t sink_tokens = 4;            // streaming: attention sinks every head keeps
  uint64_t seed = 1;                  // random: permutation of each layer's caps

  // Prompt length, when known at compile time: caps are clamped to [min_cap, T - w].
  std::optional<int64_t> prompt_tokens;
};

}  // namespace slkv::compile
