#pragma once
// An attention observer that keeps, for every layer, the softmax rows of the last n_rows prompt
// positions over the whole prompt: what a SnapKV-style selector scores tokens by at the end of
// prefill. Rows come from the engine's taps during the (possibly chunked) prefill.

#include <cstdint>
#include <span>
#include <vector>

#include "engine/attention_tap.hpp"

namespace slkv::compress {

class PrefillRows final : public AttentionObserver {
 public:
  // n_tokens: the prompt length T (positions 0..T-1); n_rows: rows to keep (clamped to T).
  PrefillRows(int64_t n_layers, int64_t n_heads, int64_t n_tokens, int64_t n_rows);

  std::vector<int64_t> select_rows(int64_t layer,
                                   std::span<const int64_t> batch_positions) override;
  void on_attention(const AttentionRows& rows) override;

  int64_t n_tokens() const { return n_tokens_; }
  int64_t n_rows() const { return n_rows_; }
  // True once every layer has seen all n_rows rows.
  bool complete() const;
  // [n_heads, n_rows, T] of one layer; probabilities over positions 0..T-1 (0 where masked).
  std::span<const float> layer(int64_t layer) const;
  // The last `rows` (<= n_rows) rows of a layer, copied into out [n_heads, rows, T].
  void last_rows(int64_t layer, int64_t rows, std::vector<float>& out) const;

 private:
  int64_t n_layers_, n_heads_, n_tokens_, n_rows_;
  std::vector<std::vector<float>> rows_;  // [n_layers][n_heads, n_rows, T]
  std::vector<int64_t> seen_;             // [n_layers] rows received
};

}  // namespace slkv::compress
