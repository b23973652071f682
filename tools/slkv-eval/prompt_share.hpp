#pragma once
// Which prompts this slkv-eval process runs: all of them, the share --shard I/N names, or the
// share of this MPI rank (rank R of N runs share R/N). Shares are balanced by prompt cost with
// dist::balance_shards (lib/dist/shard.hpp), so they finish together; the plan depends only on
// the prompt list and N, so every process computes the same plan.

#include <cstdint>
#include <string>
#include <vector>

#include "dist/mpi_world.hpp"
#include "dist/shard.hpp"

namespace slkv::evaltool {

struct PromptShare {
  dist::ShardSpec spec;          // 0/1: every prompt
  bool from_mpi = false;         // spec is this MPI rank's
  std::vector<int64_t> indices;  // prompt indices in the task list, increasing
};

// One greedy step costs about 8 prompt tokens of prefill with this engine (docs/benchmarks.md,
// the same factor slkv-profile balances probes with).
inline constexpr double kDecodeTokenCost = 8.0;

// Relative cost of one prompt: its prefill plus, per method, a decode of up to max_new tokens
// (the teacher-forced fidelity pass is one batch and is folded into that).
double prompt_cost(int64_t n_tokens, int64_t max_new, int64_t n_methods);

// `shard` is the --shard text ("" for none). Throws slkv::Error when --shard is given under an
// MPI launch of more than one rank.
PromptShare plan_prompt_share(const std::string& shard, const dist::MpiWorld& mpi,
                              const std::vector<double>& costs);

}  // namespace slkv::evaltool
