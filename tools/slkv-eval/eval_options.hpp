#pragma once
// Options of slkv-eval (one struct, filled by setup_eval_options).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace slkv::evaltool {

struct EvalOptions {
  std::string model;  // .gguf file or HF directory

  // Methods: plan files, and/or plans compiled on the fly from a profile.
  std::vector<std::string> plans;
  std::string profile;
  std::vector<std::string> methods;  // with --profile
  std::vector<int64_t> budgets;      // tokens per head, window included
  std::vector<double> ratios;        // of the prompt
  int64_t window = 8;  // compiled plans: observation window w (tuned: docs/eval-report.md)
  int64_t pool_kernel = 7;
  std::string granularity = "kv";
  uint64_t seed = 1;         // task suite, and the random control's shuffle
  int64_t sink_tokens = 4;   // streaming
  double adakv_floor = 0.2;  // adakv
  double beta1 = 1.351;      // surfacelogic / real / headkv floor divisors
  double beta2 = 1.351;
  std::string importance = "flagged";
  double uniform_mix = 0.0;

  // Tasks.
  std::string tasks = "builtin";  // builtin[:task,task...] or a .jsonl file
  std::vector<int64_t> lengths = {1024, 2048};
  int64_t per_cell = 4;
  std::vector<std::string> haystack;
  int64_t limit = 0;  // at most this many prompts (0 = all)

  // Running.
  bool chat = true;
  std::string system;
  int64_t max_new = 0;  // 0 = each task's own
  int64_t batch = 512;
  std::string prefill_weights = "streamed";  // --prefill-weights: streamed or packed
  std::string out;                           // results JSON
  bool resume = false;
  bool progress = true;
  bool timings = true;     // measured times in the results (--no-timings: reproducible bytes)
  std::string shard;       // --shard I/N: one share of the prompts, written as a part file
  int64_t stop_after = 0;  // testing: stop after this many new prompts (exit 4)
};

// `slkv-eval merge PART... --out FILE`: joins the part files of a sharded run.
struct MergeOptions {
  std::vector<std::string> parts;
  std::string out;
};

inline constexpr int kExitStopped = 4;  // --stop-after reached; the checkpoints are kept

void setup_eval_options(CLI::App& app, EvalOptions& options);
CLI::App* add_merge_command(CLI::App& app, MergeOptions& options);

}  // namespace slkv::evaltool
