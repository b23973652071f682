#pragma once
// Grouped-query causal attention over the KV cache, in blocks with an online softmax: a
// prefill never holds more than one [block_q, block_k] score tile per thread. Sliding-window
// aware (key k is visible from query p iff k <= p and p - k < window). A tile's two products
// run through the register-tiled kernels (engine/attention_tile.hpp: AVX-512 or AVX2) where the
// CPU and head_dim allow, through single-threaded OpenBLAS sgemm inside the team otherwise. The
// exact softmax rows of selected queries are recomputed on request with each row's final max and
// sum.

#include <cstdint>
#include <span>

#include "engine/kv_cache.hpp"

namespace slkv {

struct AttentionParams {
  int64_t n_heads = 0;  // query heads
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;  // applied to q·k
  int64_t window = 0;  // 0 = unlimited
};

// q: [n_tokens, n_heads, head_dim] (RoPE applied), positions: [n_tokens].
// out: [n_tokens, n_heads, head_dim]. row_max, row_sum: [n_heads, n_tokens] (the final online
// softmax state; needed by attention_rows). The batch's keys must already be in `cache`.
// A one-token batch (a decode step) goes through attention_decode (split-K over the keys).
void attention_forward(const AttentionParams& params, const KvCache& cache, int64_t layer,
                       std::span<const int64_t> positions, const float* q, float* out,
                       float* row_max, float* row_sum);

// Exact probabilities of the queries `rows` (indices into the batch):
// probs: [n_heads, rows.size(), max_keys] where max_keys = max stream length of the layer.
void attention_rows(const AttentionParams& params, const KvCache& cache, int64_t layer,
                    std::span<const int64_t> positions, const float* q, const float* row_max,
                    const float* row_sum, std::span<const int64_t> rows, int64_t max_keys,
                    float* probs);

}  // namespace slkv
