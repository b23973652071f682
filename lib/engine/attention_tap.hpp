#pragma once
// Attention taps: observers that receive the exact softmax rows of every query head for the
// query positions they ask for. The forward pass calls select_rows once per layer and batch;
// when no observer is attached, or it selects nothing, no row is ever materialized.

#include <cstdint>
#include <span>
#include <vector>

namespace slkv {

// Softmax rows of one layer for the selected queries of one batch.
struct AttentionRows {
  int64_t layer = 0;
  int64_t n_heads = 0;  // query heads
  // KV streams of the layer: its KV heads, or its query heads after a query-granularity plan.
  int64_t n_kv_heads = 0;
  std::span<const int64_t> query_positions;  // [n_rows]
  // Key positions of each stream (streams differ after KvCache::keep or a plan).
  std::vector<std::span<const int64_t>> key_positions;  // [n_kv_heads][n_keys(g)]
  int64_t max_keys = 0;                                 // max over kv heads of n_keys(g)
  // [n_heads, n_rows, max_keys]; for query head h the first n_keys(h / group) entries are
  // probabilities over key_positions[h / group] (0 where masked), the rest are 0.
  std::span<const float> probs;

  int64_t n_rows() const { return static_cast<int64_t>(query_positions.size()); }
  int64_t kv_head_of(int64_t head) const { return head / (n_heads / n_kv_heads); }
  std::span<const float> row(int64_t head, int64_t r) const {
    return probs.subspan(static_cast<size_t>((head * n_rows() + r) * max_keys),
                         key_positions[static_cast<size_t>(kv_head_of(head))].size());
  }
};

class AttentionObserver {
 public:
  virtual ~AttentionObserver() = default;
  // Indices (ascending, < batch_positions.size()) of the batch's queries whose rows this
  // observer wants at `layer`. batch_positions: [n_tokens] positions of the batch's tokens.
  virtual std::vector<int64_t> select_rows(int64_t layer,
                                           std::span<const int64_t> batch_positions) = 0;
  virtual void on_attention(const AttentionRows& rows) = 0;
};

}  // namespace slkv
