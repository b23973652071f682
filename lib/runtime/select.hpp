#pragma once
// Token selection at the end of prefill (METHOD.md §6), CPU reference implementation.
//
// For every plan head of one layer: row-average the last n_rows query rows' attention
// probabilities into token scores, pool them along the sequence over the candidate positions
// [0, T - w), (KV granularity) average the pooled scores of the KV head's query heads, then keep
// the top min(cap, T - w) candidates plus the window [T - w, T). Ties break toward the lower
// index; kept positions come out ascending. No allocation: the caller passes a workspace of
// select_workspace_floats() floats and owns every output.

#include <cstdint>
#include <span>

#include "runtime/select_types.hpp"

namespace slkv::runtime {

// Workspace for one select_layer call, in floats.
int64_t select_workspace_floats(const SelectConfig& cfg, const ScoreInput& in);

// Checks shapes and pointers; returns nullptr when valid, else the problem.
const char* select_check(const SelectConfig& cfg, const ScoreInput& in);

// Selects plan heads [head_begin, head_end); caps: [n_plan_heads] tokens beyond the window
// (any value >= 0; >= T - w keeps everything). Calls for disjoint head ranges may run in
// parallel with separate workspaces. Returns false (and writes nothing further) when a score
// is NaN or a kept count exceeds kept_stride; `error` then names the head.
bool select_layer(const SelectConfig& cfg, const ScoreInput& in, std::span<const int64_t> caps,
                  int64_t head_begin, int64_t head_end, std::span<float> workspace,
                  const SelectOutput& out, const char** error);

// Scratch of select_top_k for n scores: keys [n], candidates [n], histogram [kTopKBins].
inline constexpr int kTopKBins = 4096;
struct TopKScratch {
  uint32_t* keys;
  int32_t* candidates;
  uint32_t* hist;
};

// Keep the top `k` of `scores` (ties toward the lower index) and append them ascending to
// `kept`; returns how many were written. Exposed for tests.
int64_t select_top_k(std::span<const float> scores, int64_t k, const TopKScratch& scratch,
                     int32_t* kept);

}  // namespace slkv::runtime
