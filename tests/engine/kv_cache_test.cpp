#include "engine/kv_cache.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "core/error.hpp"

namespace slkv {
namespace {

// keys/values [n, n_kv_heads, head_dim] with values encoding (position, head, dim).
void append_positions(KvCache& cache, int64_t layer, const std::vector<int64_t>& pos) {
  const int64_t n = static_cast<int64_t>(pos.size()), g = cache.n_kv_heads(), hd = cache.head_dim();
  std::vector<float> k(static_cast<size_t>(n * g * hd)), v(k.size());
  for (int64_t t = 0; t < n; ++t)
    for (int64_t h = 0; h < g; ++h)
      for (int64_t d = 0; d < hd; ++d) {
        k[(t * g + h) * hd + d] = static_cast<float>(pos[t] * 100 + h * 10 + d);
        v[(t * g + h) * hd + d] = -static_cast<float>(pos[t] * 100 + h * 10 + d);
      }
  cache.append(layer, pos, k.data(), v.data());
}

TEST(KvCache, AppendAndKeepPreservePositionsAndData) {
  KvCache cache(2, 3, 4);
  std::vector<int64_t> pos(10);
  std::iota(pos.begin(), pos.end(), 0);
  append_positions(cache, 1, pos);
  EXPECT_EQ(cache.length(1, 0), 10);
  EXPECT_EQ(cache.length(0, 0), 0);
  const std::vector<int64_t> kept = {0, 3, 4, 9};
  cache.keep(1, 2, kept);
  EXPECT_EQ(cache.length(1, 2), 4);
  EXPECT_EQ(cache.length(1, 1), 10);  // other heads untouched
  const KvStream& s = cache.stream(1, 2);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(s.positions[i], kept[i]);
    for (int64_t d = 0; d < 4; ++d) {
      EXPECT_EQ(s.keys[i * 4 + d], kept[i] * 100 + 20 + d);
      EXPECT_EQ(s.values[i * 4 + d], -(kept[i] * 100 + 20 + d));
    }
  }
  // Decode appends after compression continue at the next position.
  append_positions(cache, 1, {10});
  EXPECT_EQ(cache.length(1, 2), 5);
  EXPECT_EQ(cache.stream(1, 2).positions[4], 10);
  EXPECT_EQ(cache.stream(1, 2).keys[4 * 4 + 1], 10 * 100 + 20 + 1);
  EXPECT_EQ(cache.total_entries(), 4 + 1 + 2 * 11);
}

TEST(KvCache, RejectsBadRequestsWithoutChangingTheStream) {
  KvCache cache(1, 1, 2);
  append_positions(cache, 0, {0, 1, 2, 5});
  EXPECT_THROW(cache.keep(0, 0, std::vector<int64_t>{1, 3}), Error);  // 3 not cached
  EXPECT_THROW(cache.keep(0, 0, std::vector<int64_t>{2, 1}), Error);  // not ascending
  EXPECT_THROW(cache.keep(0, 1, std::vector<int64_t>{0}), Error);     // no such head
  EXPECT_EQ(cache.length(0, 0), 4);
  EXPECT_EQ(cache.stream(0, 0).positions[3], 5);
  EXPECT_THROW(append_positions(cache, 0, {5}), Error);  // positions must increase
}

TEST(KvCache, DecodeAppendsDoNotReallocateWithinReservedSlack) {
  KvCache cache(1, 2, 8);
  cache.reserve_more(100);
  append_positions(cache, 0, {0});
  const float* before = cache.stream(0, 1).keys;
  for (int64_t p = 1; p < 100; ++p) append_positions(cache, 0, {p});
  EXPECT_EQ(cache.stream(0, 1).keys, before);
  EXPECT_EQ(cache.length(0, 1), 100);
}

}  // namespace
}  // namespace slkv

namespace slkv {
namespace {

// set_layer installs a layout in the runtime's compacted form (one stream per query head here)
// and refuses an inconsistent one without touching the layer.
TEST(KvCache, SetLayerInstallsACompactedLayoutAndRefusesBadOnes) {
  KvCache cache(1, 2, 2);
  append_positions(cache, 0, {0, 1, 2});
  KvLayerStore s;
  s.n_streams = 4;              // two query heads per KV head
  s.offsets = {0, 2, 4, 7, 9};  // every stream with one row of slack or more
  s.lengths = {1, 1, 2, 1};
  s.keys.assign(9 * 2, 1.0f);
  s.values.assign(9 * 2, 2.0f);
  s.positions = {0, 0, 2, 0, 1, 2, 0, 2, 0};
  KvLayerStore bad = s;
  bad.positions[4] = 5;  // stream 2: positions 5, 2 not ascending
  EXPECT_THROW(cache.set_layer(0, bad), Error);
  bad = s;
  bad.n_streams = 3;  // not a multiple of the KV heads
  EXPECT_THROW(cache.set_layer(0, bad), Error);
  bad = s;
  bad.lengths[1] = 3;  // overflows its rows
  EXPECT_THROW(cache.set_layer(0, bad), Error);
  EXPECT_EQ(cache.n_streams(0), 2);  // untouched
  EXPECT_EQ(cache.length(0, 1), 3);
  cache.set_layer(0, s);
  EXPECT_EQ(cache.n_streams(0), 4);
  EXPECT_EQ(cache.total_entries(), 5);
  EXPECT_EQ(cache.reserved_entries(), 9);
  append_positions(cache, 0, {3});  // one more row per stream, into the slack
  EXPECT_EQ(cache.reserved_entries(), 9);
  EXPECT_EQ(cache.stream(0, 2).positions[2], 3);
  cache.clear();  // back to one stream per KV head
  EXPECT_EQ(cache.n_streams(0), 2);
}

}  // namespace
}  // namespace slkv
