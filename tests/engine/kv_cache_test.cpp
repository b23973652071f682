#include "engine/kv_cache.hpp"

#include <gtest/gtest.h>

#include <cmath>
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

namespace slkv {
namespace {

// An f16/bf16 cache stores each row rounded to its type (what kv_encode gives), keeps that
// through keep() and re-layouts, and holds half the bytes of an f32 cache with the same rows.
TEST(KvCache, HalfCachesStoreRoundedRowsInHalfTheBytes) {
  for (KvType t : {KvType::kF16, KvType::kBF16}) {
    KvCache f32(2, 3, 4), half(2, 3, 4, t);
    EXPECT_EQ(half.type(), t);
    std::vector<int64_t> pos(10);
    std::iota(pos.begin(), pos.end(), 0);
    for (KvCache* c : {&f32, &half}) {
      append_positions(*c, 1, pos);
      c->keep(1, 2, std::vector<int64_t>{0, 3, 4, 9});
      append_positions(*c, 1, {10});  // into the slack
      c->reserve_more(500);           // re-lays every stream out
    }
    EXPECT_EQ(half.total_entries(), f32.total_entries());
    EXPECT_EQ(half.reserved_entries(), f32.reserved_entries());
    EXPECT_EQ(2 * half.bytes_held(), f32.bytes_held()) << kv_type_name(t);
    EXPECT_EQ(2 * half.bytes_reserved(), f32.bytes_reserved()) << kv_type_name(t);
    EXPECT_EQ(half.bytes_held(), half.total_entries() * 2 * 4 * 2);
    for (int64_t s = 0; s < 3; ++s) {
      const KvStream a = f32.stream(1, s), b = half.stream(1, s);
      ASSERT_EQ(a.length, b.length);
      EXPECT_EQ(b.keys, nullptr);
      ASSERT_NE(b.keys16, nullptr);
      for (int64_t j = 0; j < a.length; ++j) {
        EXPECT_EQ(a.positions[j], b.positions[j]);
        std::vector<uint16_t> want(4);
        float row[4];
        kv_encode(t, a.keys + j * 4, want.data(), 4);
        for (int64_t d = 0; d < 4; ++d) EXPECT_EQ(b.keys16[j * 4 + d], want[d]);
        kv_encode(t, a.values + j * 4, want.data(), 4);
        for (int64_t d = 0; d < 4; ++d) EXPECT_EQ(b.values16[j * 4 + d], want[d]);
        b.key_row(j, 4, row);  // f32 view of the stored row: within the type's rounding
        for (int64_t d = 0; d < 4; ++d) {
          EXPECT_NEAR(row[d], a.keys[j * 4 + d], std::fabs(a.keys[j * 4 + d]) / 256);
        }
      }
    }
  }
}

TEST(KvCache, SetLayerRefusesRowsOfAnotherType) {
  KvCache half(1, 1, 2, KvType::kF16);
  KvLayerStore s;
  s.n_streams = 1;
  s.offsets = {0, 2};
  s.lengths = {2};
  s.positions = {0, 1};
  s.keys.assign(4, 1.0f);  // f32 rows for an f16 cache
  s.values.assign(4, 1.0f);
  EXPECT_THROW(half.set_layer(0, s), Error);
  s.keys.clear();
  s.values.clear();
  s.keys16.assign(4, 0x3C00);
  s.values16.assign(4, 0x3C00);
  half.set_layer(0, s);
  float row[2];
  half.stream(0, 0).value_row(1, 2, row);
  EXPECT_EQ(row[0], 1.0f);
  KvCache f32(1, 1, 2);
  EXPECT_THROW(f32.set_layer(0, s), Error);  // f16 rows for an f32 cache
}

}  // namespace
}  // namespace slkv
