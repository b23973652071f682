#include "engine/kv_cache.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace slkv {

KvCache::KvCache(int64_t n_layers, int64_t n_kv_heads, int64_t head_dim)
    : n_layers_(n_layers), n_kv_heads_(n_kv_heads), head_dim_(head_dim) {
  SLKV_CHECK(n_layers > 0 && n_kv_heads > 0 && head_dim > 0, "KV cache shape");
  streams_.resize(static_cast<size_t>(n_layers * n_kv_heads));
}

void KvCache::grow(KvStream& s, int64_t capacity) {
  if (static_cast<int64_t>(s.positions.size()) >= capacity) return;
  s.keys.resize(static_cast<size_t>(capacity * head_dim_));
  s.values.resize(static_cast<size_t>(capacity * head_dim_));
  s.positions.resize(static_cast<size_t>(capacity));
}

void KvCache::reserve_more(int64_t n_tokens) {
  for (KvStream& s : streams_) grow(s, s.length + n_tokens);
}

void KvCache::append(int64_t layer, std::span<const int64_t> positions, const float* keys,
                     const float* values) {
  SLKV_CHECK(layer >= 0 && layer < n_layers_, "layer index");
  const int64_t n = static_cast<int64_t>(positions.size());
  for (int64_t g = 0; g < n_kv_heads_; ++g) {
    KvStream& s = stream_mut(layer, g);
    if (s.length + n > static_cast<int64_t>(s.positions.size())) {
      // Slack: grow geometrically so a run of single-token appends stays O(1) amortized.
      grow(s,
           std::max<int64_t>(s.length + n, static_cast<int64_t>(s.positions.size()) * 3 / 2 + 64));
    }
    int64_t last = s.length ? s.positions[static_cast<size_t>(s.length - 1)] : -1;
    for (int64_t t = 0; t < n; ++t) {
      const int64_t pos = positions[static_cast<size_t>(t)];
      SLKV_CHECK(pos > last, "KV positions must increase (got " + std::to_string(pos) + " after " +
                                 std::to_string(last) + ")");
      last = pos;
      const int64_t dst = s.length + t;
      std::memcpy(&s.keys[static_cast<size_t>(dst * head_dim_)],
                  keys + (t * n_kv_heads_ + g) * head_dim_, sizeof(float) * head_dim_);
      std::memcpy(&s.values[static_cast<size_t>(dst * head_dim_)],
                  values + (t * n_kv_heads_ + g) * head_dim_, sizeof(float) * head_dim_);
      s.positions[static_cast<size_t>(dst)] = pos;
    }
    s.length += n;
  }
}

void KvCache::keep(int64_t layer, int64_t kv_head, std::span<const int64_t> positions) {
  if (layer < 0 || layer >= n_layers_ || kv_head < 0 || kv_head >= n_kv_heads_) {
    throw Error("KvCache::keep: no stream for layer " + std::to_string(layer) + ", kv head " +
                std::to_string(kv_head));
  }
  KvStream& s = stream_mut(layer, kv_head);
  // Validate everything before moving anything, so a bad request leaves the stream intact.
  std::vector<int64_t> sources;  // [positions.size()] indices into the stream
  sources.reserve(positions.size());
  int64_t src = 0;
  for (size_t i = 0; i < positions.size(); ++i) {
    const int64_t want = positions[i];
    if (i > 0 && want <= positions[i - 1]) {
      throw Error("KvCache::keep: positions must be strictly ascending");
    }
    while (src < s.length && s.positions[static_cast<size_t>(src)] < want) ++src;
    if (src == s.length || s.positions[static_cast<size_t>(src)] != want) {
      throw Error("KvCache::keep: position " + std::to_string(want) + " is not cached in layer " +
                  std::to_string(layer) + ", kv head " + std::to_string(kv_head));
    }
    sources.push_back(src++);
  }
  int64_t dst = 0;
  for (int64_t from : sources) {
    if (from != dst) {
      std::memmove(&s.keys[static_cast<size_t>(dst * head_dim_)],
                   &s.keys[static_cast<size_t>(from * head_dim_)], sizeof(float) * head_dim_);
      std::memmove(&s.values[static_cast<size_t>(dst * head_dim_)],
                   &s.values[static_cast<size_t>(from * head_dim_)], sizeof(float) * head_dim_);
      s.positions[static_cast<size_t>(dst)] = s.positions[static_cast<size_t>(from)];
    }
    ++dst;
  }
  s.length = dst;
}

int64_t KvCache::total_entries() const {
  int64_t n = 0;
  for (const KvStream& s : streams_) n += s.length;
  return n;
}

void KvCache::clear() {
  for (KvStream& s : streams_) s.length = 0;
}

}  // namespace slkv
