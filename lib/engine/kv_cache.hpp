#pragma once
// The KV cache: one variable-length stream per (layer, kv head), each with reserved slack so
// decode appends in O(1). Keys are stored after RoPE, so any subset of positions can be kept
// (`keep`) and the kept tokens keep their original positions. Positions within a stream are
// strictly increasing, which attention uses to skip blocks beyond causality.

#include <cstdint>
#include <span>
#include <vector>

namespace slkv {

struct KvStream {
  std::vector<float> keys;         // [capacity, head_dim]
  std::vector<float> values;       // [capacity, head_dim]
  std::vector<int64_t> positions;  // [capacity]
  int64_t length = 0;
};

class KvCache {
 public:
  KvCache() = default;
  KvCache(int64_t n_layers, int64_t n_kv_heads, int64_t head_dim);

  int64_t n_layers() const { return n_layers_; }
  int64_t n_kv_heads() const { return n_kv_heads_; }
  int64_t head_dim() const { return head_dim_; }

  // Ensures every stream can hold `n_tokens` more entries without reallocating.
  void reserve_more(int64_t n_tokens);

  // Appends n_tokens entries to every kv head of `layer`:
  // keys, values [n_tokens, n_kv_heads, head_dim]; positions [n_tokens], increasing and beyond
  // each stream's last position.
  void append(int64_t layer, std::span<const int64_t> positions, const float* keys,
              const float* values);

  // Keeps only the entries whose position is in `positions` (ascending; every one must be
  // present in the stream). Throws slkv::Error otherwise.
  void keep(int64_t layer, int64_t kv_head, std::span<const int64_t> positions);

  const KvStream& stream(int64_t layer, int64_t kv_head) const {
    return streams_[static_cast<size_t>(layer * n_kv_heads_ + kv_head)];
  }
  int64_t length(int64_t layer, int64_t kv_head) const { return stream(layer, kv_head).length; }
  // Total stored entries over all streams.
  int64_t total_entries() const;
  void clear();

 private:
  KvStream& stream_mut(int64_t layer, int64_t kv_head) {
    return streams_[static_cast<size_t>(layer * n_kv_heads_ + kv_head)];
  }
  void grow(KvStream& s, int64_t capacity);

  int64_t n_layers_ = 0;
  int64_t n_kv_heads_ = 0;
  int64_t head_dim_ = 0;
  std::vector<KvStream> streams_;  // [n_layers, n_kv_heads]
};

}  // namespace slkv
