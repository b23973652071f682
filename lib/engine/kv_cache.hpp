#pragma once
// The KV cache. Each layer holds its streams in one buffer with the runtime's compacted layout
// (docs/budget-format.md, "Compaction"): stream s owns rows [offsets[s], offsets[s + 1]), of
// which the first lengths[s] are in use and the rest is slack, so a decode append is O(1).
// A layer has one stream per KV head, or one per query head after a query-granularity plan
// was applied (a KV head's rows are then kept separately for each of its query heads).
// Keys are stored after RoPE, so any subset of positions can be kept and the kept tokens keep
// their original positions. Positions within a stream are strictly increasing, which attention
// uses to skip blocks beyond causality. Rows are stored as f32 (the default and the reference)
// or as f16/bf16 (half the memory, rounded to nearest even on append; engine/kv_type.hpp).

#include <cstdint>
#include <span>
#include <vector>

#include "engine/kv_type.hpp"

namespace slkv {

// Read-only view of one stream. Exactly one of the pairs keys/values (f32 cache) and
// keys16/values16 (f16 or bf16 cache, as `type` says) is set.
struct KvStream {
  KvType type = KvType::kF32;
  const float* keys = nullptr;         // [length, head_dim]
  const float* values = nullptr;       // [length, head_dim]
  const uint16_t* keys16 = nullptr;    // [length, head_dim]
  const uint16_t* values16 = nullptr;  // [length, head_dim]
  const int64_t* positions = nullptr;  // [length]
  int64_t length = 0;
  int64_t capacity = 0;  // rows reserved for the stream, length included

  // Row data whatever the type (for byte-wise copies), and row j converted to f32 (dst[hd]).
  const void* key_data() const { return keys ? static_cast<const void*>(keys) : keys16; }
  const void* value_data() const { return values ? static_cast<const void*>(values) : values16; }
  void key_row(int64_t j, int64_t head_dim, float* dst) const;
  void value_row(int64_t j, int64_t head_dim, float* dst) const;
};

// One layer's storage. n_streams is a multiple of the cache's n_kv_heads; stream s holds KV
// head s / (n_streams / n_kv_heads). An f32 cache fills keys/values, an f16/bf16 one
// keys16/values16; the other pair stays empty.
struct KvLayerStore {
  int64_t n_streams = 0;
  std::vector<float> keys;         // [n_rows, head_dim], n_rows = offsets[n_streams]
  std::vector<float> values;       // [n_rows, head_dim]
  std::vector<uint16_t> keys16;    // [n_rows, head_dim]
  std::vector<uint16_t> values16;  // [n_rows, head_dim]
  std::vector<int64_t> positions;  // [n_rows]
  std::vector<int64_t> offsets;    // [n_streams + 1]
  std::vector<int64_t> lengths;    // [n_streams]
};

class KvCache {
 public:
  KvCache() = default;
  KvCache(int64_t n_layers, int64_t n_kv_heads, int64_t head_dim, KvType type = KvType::kF32);

  int64_t n_layers() const { return n_layers_; }
  int64_t n_kv_heads() const { return n_kv_heads_; }
  int64_t head_dim() const { return head_dim_; }
  KvType type() const { return type_; }
  int64_t n_streams(int64_t layer) const { return layer_at(layer).n_streams; }

  // Ensures every stream can hold `n_tokens` more entries without reallocating.
  void reserve_more(int64_t n_tokens);

  // Appends n_tokens entries to every stream of `layer`:
  // keys, values [n_tokens, n_kv_heads, head_dim]; positions [n_tokens], increasing and beyond
  // each stream's last position. A half cache rounds them to its type.
  void append(int64_t layer, std::span<const int64_t> positions, const float* keys,
              const float* values);

  // Keeps only the entries of one stream whose position is in `positions` (ascending; every
  // one must be present). The stream keeps its reserved rows. Throws slkv::Error otherwise.
  void keep(int64_t layer, int64_t stream, std::span<const int64_t> positions);

  // Replaces a layer's storage (e.g. by a compacted one). Throws slkv::Error, leaving the layer
  // as it was, when the layout is inconsistent (offsets, lengths, buffer sizes, stream count,
  // positions not strictly ascending within a stream).
  void set_layer(int64_t layer, KvLayerStore store);
  const KvLayerStore& layer_store(int64_t layer) const { return layer_at(layer); }

  KvStream stream(int64_t layer, int64_t s) const;
  int64_t length(int64_t layer, int64_t s) const { return stream(layer, s).length; }
  // Rows in use over all streams; rows reserved (slack included).
  int64_t total_entries() const;
  int64_t reserved_entries() const;
  // Bytes of K and V rows in use (at the cache's element size), and of the buffers reserved.
  int64_t bytes_held() const;
  int64_t bytes_reserved() const;
  void clear();

 private:
  const KvLayerStore& layer_at(int64_t layer) const;
  KvLayerStore& layer_mut(int64_t layer);
  // Re-lays a layer out so stream s has at least capacity[s] rows.
  void relayout(KvLayerStore& store, std::span<const int64_t> capacity);

  int64_t n_layers_ = 0;
  int64_t n_kv_heads_ = 0;
  int64_t head_dim_ = 0;
  KvType type_ = KvType::kF32;
  std::vector<KvLayerStore> layers_;  // [n_layers]
};

}  // namespace slkv
