#include "engine/kv_cache.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace slkv {
namespace {

// The rows of `old` re-laid out: stream s's first lengths[s] rows move from old_offsets[s] to
// new_offsets[s]; `rows` rows in all.
template <class T>
std::vector<T> relaid(const std::vector<T>& old, std::span<const int64_t> old_offsets,
                      std::span<const int64_t> new_offsets, std::span<const int64_t> lengths,
                      int64_t rows, int64_t hd) {
  std::vector<T> out(static_cast<size_t>(rows * hd));
  for (size_t s = 0; s < lengths.size(); ++s) {
    if (lengths[s] == 0) continue;
    std::memcpy(&out[static_cast<size_t>(new_offsets[s] * hd)],
                &old[static_cast<size_t>(old_offsets[s] * hd)],
                sizeof(T) * static_cast<size_t>(lengths[s] * hd));
  }
  return out;
}

}  // namespace

void KvStream::key_row(int64_t j, int64_t hd, float* dst) const {
  if (keys) {
    std::copy_n(keys + j * hd, hd, dst);
  } else {
    kv_decode(type, keys16 + j * hd, dst, hd);
  }
}

void KvStream::value_row(int64_t j, int64_t hd, float* dst) const {
  if (values) {
    std::copy_n(values + j * hd, hd, dst);
  } else {
    kv_decode(type, values16 + j * hd, dst, hd);
  }
}

KvCache::KvCache(int64_t n_layers, int64_t n_kv_heads, int64_t head_dim, KvType type)
    : n_layers_(n_layers), n_kv_heads_(n_kv_heads), head_dim_(head_dim), type_(type) {
  SLKV_CHECK(n_layers > 0 && n_kv_heads > 0 && head_dim > 0, "KV cache shape");
  layers_.resize(static_cast<size_t>(n_layers));
  for (KvLayerStore& l : layers_) {
    l.n_streams = n_kv_heads;
    l.offsets.assign(static_cast<size_t>(n_kv_heads + 1), 0);
    l.lengths.assign(static_cast<size_t>(n_kv_heads), 0);
  }
}

const KvLayerStore& KvCache::layer_at(int64_t layer) const {
  SLKV_CHECK(layer >= 0 && layer < n_layers_, "layer index");
  return layers_[static_cast<size_t>(layer)];
}

KvLayerStore& KvCache::layer_mut(int64_t layer) {
  SLKV_CHECK(layer >= 0 && layer < n_layers_, "layer index");
  return layers_[static_cast<size_t>(layer)];
}

KvStream KvCache::stream(int64_t layer, int64_t s) const {
  const KvLayerStore& l = layer_at(layer);
  SLKV_CHECK(s >= 0 && s < l.n_streams, "stream index");
  const int64_t begin = l.offsets[static_cast<size_t>(s)];
  KvStream v;
  v.type = type_;
  if (type_ == KvType::kF32) {
    v.keys = l.keys.data() + begin * head_dim_;
    v.values = l.values.data() + begin * head_dim_;
  } else {
    v.keys16 = l.keys16.data() + begin * head_dim_;
    v.values16 = l.values16.data() + begin * head_dim_;
  }
  v.positions = l.positions.data() + begin;
  v.length = l.lengths[static_cast<size_t>(s)];
  v.capacity = l.offsets[static_cast<size_t>(s + 1)] - begin;
  return v;
}

void KvCache::relayout(KvLayerStore& l, std::span<const int64_t> capacity) {
  const int64_t n = l.n_streams;
  std::vector<int64_t> offsets(static_cast<size_t>(n + 1), 0);
  for (int64_t s = 0; s < n; ++s) {
    offsets[static_cast<size_t>(s + 1)] =
        offsets[static_cast<size_t>(s)] +
        std::max(capacity[static_cast<size_t>(s)], l.lengths[static_cast<size_t>(s)]);
  }
  const int64_t rows = offsets[static_cast<size_t>(n)];
  if (type_ == KvType::kF32) {
    l.keys = relaid(l.keys, l.offsets, offsets, l.lengths, rows, head_dim_);
    l.values = relaid(l.values, l.offsets, offsets, l.lengths, rows, head_dim_);
  } else {
    l.keys16 = relaid(l.keys16, l.offsets, offsets, l.lengths, rows, head_dim_);
    l.values16 = relaid(l.values16, l.offsets, offsets, l.lengths, rows, head_dim_);
  }
  l.positions = relaid(l.positions, l.offsets, offsets, l.lengths, rows, 1);
  l.offsets = std::move(offsets);
}

void KvCache::reserve_more(int64_t n_tokens) {
  for (KvLayerStore& l : layers_) {
    std::vector<int64_t> want(static_cast<size_t>(l.n_streams));
    bool grow = false;
    for (int64_t s = 0; s < l.n_streams; ++s) {
      const int64_t cap = l.offsets[static_cast<size_t>(s + 1)] - l.offsets[static_cast<size_t>(s)];
      const int64_t need = l.lengths[static_cast<size_t>(s)] + n_tokens;
      // Geometric growth keeps a run of one-token reservations O(1) amortized.
      want[static_cast<size_t>(s)] = need > cap ? std::max(need, cap * 3 / 2 + 64) : cap;
      grow = grow || need > cap;
    }
    if (grow) relayout(l, want);
  }
}

void KvCache::append(int64_t layer, std::span<const int64_t> positions, const float* keys,
                     const float* values) {
  KvLayerStore& l = layer_mut(layer);
  const int64_t n = static_cast<int64_t>(positions.size());
  const int64_t per_kv = l.n_streams / n_kv_heads_;
  // Check everything before writing, so a bad request leaves the layer intact.
  std::vector<int64_t> want(static_cast<size_t>(l.n_streams));
  bool grow = false;
  for (int64_t s = 0; s < l.n_streams; ++s) {
    const int64_t len = l.lengths[static_cast<size_t>(s)];
    const int64_t cap = l.offsets[static_cast<size_t>(s + 1)] - l.offsets[static_cast<size_t>(s)];
    int64_t last =
        len ? l.positions[static_cast<size_t>(l.offsets[static_cast<size_t>(s)] + len - 1)] : -1;
    for (int64_t t = 0; t < n; ++t) {
      const int64_t pos = positions[static_cast<size_t>(t)];
      SLKV_CHECK(pos > last, "KV positions must increase (got " + std::to_string(pos) + " after " +
                                 std::to_string(last) + ")");
      last = pos;
    }
    // Slack: grow geometrically so a run of single-token appends stays O(1) amortized.
    want[static_cast<size_t>(s)] = len + n > cap ? std::max(len + n, cap * 3 / 2 + 64) : cap;
    grow = grow || len + n > cap;
  }
  if (grow) relayout(l, want);
  for (int64_t s = 0; s < l.n_streams; ++s) {
    const int64_t g = s / per_kv;
    const int64_t base = l.offsets[static_cast<size_t>(s)] + l.lengths[static_cast<size_t>(s)];
    for (int64_t t = 0; t < n; ++t) {
      const int64_t dst = base + t;
      const float* ks = keys + (t * n_kv_heads_ + g) * head_dim_;
      const float* vs = values + (t * n_kv_heads_ + g) * head_dim_;
      const size_t at = static_cast<size_t>(dst * head_dim_);
      if (type_ == KvType::kF32) {
        std::memcpy(&l.keys[at], ks, sizeof(float) * head_dim_);
        std::memcpy(&l.values[at], vs, sizeof(float) * head_dim_);
      } else {
        kv_encode(type_, ks, &l.keys16[at], head_dim_);
        kv_encode(type_, vs, &l.values16[at], head_dim_);
      }
      l.positions[static_cast<size_t>(dst)] = positions[static_cast<size_t>(t)];
    }
    l.lengths[static_cast<size_t>(s)] += n;
  }
}

void KvCache::keep(int64_t layer, int64_t stream_index, std::span<const int64_t> positions) {
  if (layer < 0 || layer >= n_layers_ || stream_index < 0 ||
      stream_index >= layers_[static_cast<size_t>(layer)].n_streams) {
    throw Error("KvCache::keep: no stream " + std::to_string(stream_index) + " in layer " +
                std::to_string(layer));
  }
  KvLayerStore& l = layers_[static_cast<size_t>(layer)];
  const int64_t base = l.offsets[static_cast<size_t>(stream_index)];
  const int64_t length = l.lengths[static_cast<size_t>(stream_index)];
  int64_t* spos = &l.positions[static_cast<size_t>(base)];
  // Validate everything before moving anything, so a bad request leaves the stream intact.
  std::vector<int64_t> sources;  // [positions.size()] indices into the stream
  sources.reserve(positions.size());
  int64_t src = 0;
  for (size_t i = 0; i < positions.size(); ++i) {
    const int64_t want = positions[i];
    if (i > 0 && want <= positions[i - 1]) {
      throw Error("KvCache::keep: positions must be strictly ascending");
    }
    while (src < length && spos[src] < want) ++src;
    if (src == length || spos[src] != want) {
      throw Error("KvCache::keep: position " + std::to_string(want) + " is not cached in layer " +
                  std::to_string(layer) + ", stream " + std::to_string(stream_index));
    }
    sources.push_back(src++);
  }
  const bool f32 = type_ == KvType::kF32;
  const size_t row_bytes = static_cast<size_t>(head_dim_ * kv_type_bytes(type_));
  const size_t at = static_cast<size_t>(base * head_dim_);
  auto* k = f32 ? reinterpret_cast<unsigned char*>(&l.keys[at])
                : reinterpret_cast<unsigned char*>(&l.keys16[at]);
  auto* v = f32 ? reinterpret_cast<unsigned char*>(&l.values[at])
                : reinterpret_cast<unsigned char*>(&l.values16[at]);
  int64_t dst = 0;
  for (int64_t from : sources) {
    if (from != dst) {
      std::memmove(k + dst * row_bytes, k + from * row_bytes, row_bytes);
      std::memmove(v + dst * row_bytes, v + from * row_bytes, row_bytes);
      spos[dst] = spos[from];
    }
    ++dst;
  }
  l.lengths[static_cast<size_t>(stream_index)] = dst;
}

void KvCache::set_layer(int64_t layer, KvLayerStore store) {
  SLKV_CHECK(layer >= 0 && layer < n_layers_, "layer index");
  const int64_t n = store.n_streams;
  auto bad = [&](const std::string& why) {
    throw Error("KvCache::set_layer: layer " + std::to_string(layer) + ": " + why);
  };
  if (n <= 0 || n % n_kv_heads_ != 0) bad("stream count is not a multiple of the KV heads");
  if (static_cast<int64_t>(store.offsets.size()) != n + 1 ||
      static_cast<int64_t>(store.lengths.size()) != n || store.offsets[0] != 0) {
    bad("offsets/lengths do not match the stream count");
  }
  for (int64_t s = 0; s < n; ++s) {
    const int64_t b = store.offsets[static_cast<size_t>(s)];
    const int64_t e = store.offsets[static_cast<size_t>(s + 1)];
    const int64_t len = store.lengths[static_cast<size_t>(s)];
    if (e < b || len < 0 || len > e - b) bad("stream " + std::to_string(s) + " overflows its rows");
  }
  const int64_t rows = store.offsets[static_cast<size_t>(n)];
  const bool f32 = type_ == KvType::kF32;
  const int64_t k_size = static_cast<int64_t>(f32 ? store.keys.size() : store.keys16.size());
  const int64_t v_size = static_cast<int64_t>(f32 ? store.values.size() : store.values16.size());
  const bool other_empty = f32 ? store.keys16.empty() && store.values16.empty()
                               : store.keys.empty() && store.values.empty();
  if (static_cast<int64_t>(store.positions.size()) != rows || k_size != rows * head_dim_ ||
      v_size != rows * head_dim_) {
    bad(std::string("buffer sizes do not match the offsets (the cache holds ") +
        kv_type_name(type_) + " rows)");
  }
  if (!other_empty) {
    bad(std::string("rows given in a type other than the cache's ") + kv_type_name(type_));
  }
  for (int64_t s = 0; s < n; ++s) {
    const int64_t b = store.offsets[static_cast<size_t>(s)];
    const int64_t len = store.lengths[static_cast<size_t>(s)];
    for (int64_t i = b + 1; i < b + len; ++i) {
      if (store.positions[static_cast<size_t>(i)] <= store.positions[static_cast<size_t>(i - 1)]) {
        bad("positions of stream " + std::to_string(s) + " are not strictly ascending");
      }
    }
  }
  layers_[static_cast<size_t>(layer)] = std::move(store);
}

int64_t KvCache::total_entries() const {
  int64_t n = 0;
  for (const KvLayerStore& l : layers_) {
    for (int64_t len : l.lengths) n += len;
  }
  return n;
}

int64_t KvCache::reserved_entries() const {
  int64_t n = 0;
  for (const KvLayerStore& l : layers_) n += l.offsets.back();
  return n;
}

int64_t KvCache::bytes_held() const {
  return total_entries() * 2 * head_dim_ * kv_type_bytes(type_);
}

int64_t KvCache::bytes_reserved() const {
  return reserved_entries() * 2 * head_dim_ * kv_type_bytes(type_);
}

void KvCache::clear() {
  for (KvLayerStore& l : layers_) {
    if (l.n_streams != n_kv_heads_) {  // back to one stream per KV head (frees the copies)
      l = KvLayerStore{};
      l.n_streams = n_kv_heads_;
      l.offsets.assign(static_cast<size_t>(n_kv_heads_ + 1), 0);
      l.lengths.assign(static_cast<size_t>(n_kv_heads_), 0);
    }
    std::fill(l.lengths.begin(), l.lengths.end(), 0);
  }
}

}  // namespace slkv
