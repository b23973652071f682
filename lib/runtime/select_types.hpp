#pragma once
// Plain-data types of selection and compaction, shared by the CPU code and the CUDA launchers
// (kept free of C++20 headers: the .cu files compile as C++17).

#include <cstdint>

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
  // StreamingLLM plans (method "streaming"): >= 0 ignores scores and keeps the first
  // min(sinks, cap) candidates plus the most recent ones up to the cap. -1: rank by score.
  int64_t streaming_sinks = -1;

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

}  // namespace slkv::runtime
