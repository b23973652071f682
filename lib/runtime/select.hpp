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

namespace slkv::runtime {

enum class PoolKind { kMax, kAvg, kNone };
enum class KvLayout { kNhd, kHnd };  // NHD: [T, n_kv_heads, d]; HND: [n_kv_heads, T, d]

struct SelectConfig {
  int64_t n_q_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t n_tokens = 0;  // T, the prompt length
  int64_t n_rows = 0;    // query rows the scores come from (the last n_rows of the prompt)
  int64_t window = 0;    // w: [T - w, T) is always kept
  PoolKind pool = PoolKind::kMax;
  int64_t pool_kernel = 7;  // odd; stride 1, padding kernel/2 that never wins
  bool kv_granularity = true;

  int64_t group() const { return n_q_heads / n_kv_heads; }
  int64_t n_plan_heads() const { return kv_granularity ? n_kv_heads : n_q_heads; }
  int64_t n_candidates() const { return n_tokens > window ? n_tokens - window : 0; }
};

// Where the per-query-head token scores come from. Exactly one of probs / q is set.
struct ScoreInput {
  const float* probs = nullptr;  // [n_q_heads, n_rows, T] softmax rows, causal zeros allowed
  const float* q = nullptr;      // [n_q_heads, n_rows, head_dim] (after RoPE)
  const float* k = nullptr;      // NHD [T, n_kv_heads, head_dim] or HND [n_kv_heads, T, head_dim]
  KvLayout k_layout = KvLayout::kNhd;
  int64_t head_dim = 0;
};

struct SelectOutput {
  float* pooled = nullptr;    // optional [n_plan_heads, n_candidates] pooled (group-mean) scores
  int32_t* kept = nullptr;    // [n_plan_heads, kept_stride] ascending positions
  int64_t kept_stride = 0;    // >= every head's kept count (T always suffices)
  int32_t* n_kept = nullptr;  // [n_plan_heads]
};

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

// Keep the top `k` of `scores` (ties toward the lower index) and append them ascending to
// `kept`; returns how many were written. `hist` holds 2048 counters. Exposed for tests.
int64_t select_top_k(std::span<const float> scores, int64_t k, uint32_t* hist, int32_t* kept);

}  // namespace slkv::runtime
