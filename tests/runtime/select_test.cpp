// CPU selection and compaction against the NumPy reference (tests/reference/runtime_reference.py,
// golden file tests/runtime/golden/select_golden.json), plus properties the method requires.
#include "runtime/select.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "common/test_env.hpp"
#include "runtime/compact.hpp"

namespace slkv::runtime {
namespace {

// Tolerance table: q/k inputs go through exp and dot products (library-dependent rounding).
constexpr double kQkPooledAbsTol = 1e-5;
constexpr double kQkTieMargin = 1e-4;  // kept sets compared where the threshold gap exceeds it

nlohmann::json load_golden() {
  std::ifstream f(test::source_dir() / "tests/runtime/golden/select_golden.json");
  EXPECT_TRUE(f.good());
  return nlohmann::json::parse(f);
}

PoolKind pool_kind(const std::string& s) {
  return s == "max" ? PoolKind::kMax : s == "avg" ? PoolKind::kAvg : PoolKind::kNone;
}

SelectConfig config_of(const nlohmann::json& c) {
  SelectConfig cfg;
  cfg.n_q_heads = c["n_q_heads"];
  cfg.n_kv_heads = c["n_kv_heads"];
  cfg.n_tokens = c["n_tokens"];
  cfg.n_rows = c["n_rows"];
  cfg.window = c["window"];
  cfg.pool = pool_kind(c["pooling"]);
  cfg.pool_kernel = c["pool_kernel"];
  cfg.kv_granularity = c["granularity"] == "kv_head";
  return cfg;
}

// NHD [T, H, d] -> HND [H, T, d].
std::vector<float> to_hnd(const std::vector<float>& nhd, int64_t t, int64_t h, int64_t d) {
  std::vector<float> out(nhd.size());
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < h; ++j)
      for (int64_t c = 0; c < d; ++c) out[(j * t + i) * d + c] = nhd[(i * h + j) * d + c];
  return out;
}

struct Result {
  std::vector<float> pooled;
  std::vector<int32_t> kept;
  std::vector<int32_t> n_kept;
};

Result run_select(const SelectConfig& cfg, const ScoreInput& in, const std::vector<int64_t>& caps) {
  const int64_t n_plan = cfg.n_plan_heads(), n_cand = cfg.n_candidates();
  Result r;
  r.pooled.assign(static_cast<size_t>(n_plan * n_cand), -1.0f);
  r.kept.assign(static_cast<size_t>(n_plan * std::max<int64_t>(cfg.n_tokens, 1)), -1);
  r.n_kept.assign(static_cast<size_t>(n_plan), -1);
  std::vector<float> ws(static_cast<size_t>(select_workspace_floats(cfg, in)));
  SelectOutput out{r.pooled.data(), r.kept.data(), std::max<int64_t>(cfg.n_tokens, 1),
                   r.n_kept.data()};
  const char* error = nullptr;
  EXPECT_EQ(select_check(cfg, in), nullptr);
  EXPECT_TRUE(select_layer(cfg, in, caps, 0, n_plan, ws, out, &error)) << error;
  return r;
}

std::vector<int32_t> kept_of(const Result& r, int64_t h, int64_t stride) {
  auto begin = r.kept.begin() + h * stride;
  return {begin, begin + r.n_kept[static_cast<size_t>(h)]};
}

TEST(RuntimeSelect, MatchesNumpyReference) {
  auto golden = load_golden();
  ASSERT_GE(golden["cases"].size(), 8u);
  for (const auto& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    SelectConfig cfg = config_of(c);
    auto caps = c["caps"].get<std::vector<int64_t>>();
    const int64_t stride = std::max<int64_t>(cfg.n_tokens, 1), n_cand = cfg.n_candidates();
    const auto expect_kept = c["expect_kept"].get<std::vector<std::vector<int32_t>>>();
    const auto expect_pooled = c["expect_pooled"].get<std::vector<std::vector<double>>>();
    if (c.contains("probs")) {
      auto probs = c["probs"].get<std::vector<float>>();
      ScoreInput in;
      in.probs = probs.data();
      Result r = run_select(cfg, in, caps);
      for (int64_t h = 0; h < cfg.n_plan_heads(); ++h) {
        EXPECT_EQ(kept_of(r, h, stride), expect_kept[h]) << "head " << h;
        for (int64_t j = 0; j < n_cand; ++j)  // bit-exact: same float32 operation order
          ASSERT_EQ(r.pooled[h * n_cand + j], static_cast<float>(expect_pooled[h][j]))
              << "head " << h << " j " << j;
      }
      continue;
    }
    auto q = c["q"].get<std::vector<float>>();
    auto k_nhd = c["k_nhd"].get<std::vector<float>>();
    const int64_t d = c["head_dim"];
    auto k_hnd = to_hnd(k_nhd, cfg.n_tokens, cfg.n_kv_heads, d);
    for (KvLayout layout : {KvLayout::kNhd, KvLayout::kHnd}) {
      ScoreInput in{nullptr, q.data(), layout == KvLayout::kNhd ? k_nhd.data() : k_hnd.data(),
                    layout, d};
      Result r = run_select(cfg, in, caps);
      for (int64_t h = 0; h < cfg.n_plan_heads(); ++h) {
        std::vector<double> ref = expect_pooled[h];
        for (int64_t j = 0; j < n_cand; ++j)
          ASSERT_NEAR(r.pooled[h * n_cand + j], ref[j], kQkPooledAbsTol) << "head " << h;
        // Kept sets must agree unless the reference's k-th and (k+1)-th scores nearly tie.
        int64_t kk = std::min<int64_t>(caps[h], n_cand);
        std::vector<double> sorted = ref;
        std::sort(sorted.rbegin(), sorted.rend());
        bool clear_gap = kk <= 0 || kk >= n_cand || sorted[kk - 1] - sorted[kk] > kQkTieMargin;
        if (clear_gap) {
          EXPECT_EQ(kept_of(r, h, stride), expect_kept[h]) << "head " << h;
        }
      }
    }
  }
}

TEST(RuntimeCompact, MatchesNumpyReference) {
  auto golden = load_golden();
  for (const auto& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto kept_lists = c["expect_kept"].get<std::vector<std::vector<int32_t>>>();
    const int64_t t = c["n_tokens"], hkv = c["n_kv_heads"], d = c["head_dim"];
    const int64_t n_plan = static_cast<int64_t>(kept_lists.size()),
                  stride = std::max<int64_t>(t, 1);
    std::vector<int32_t> kept(static_cast<size_t>(n_plan * stride)), n_kept(n_plan);
    for (int64_t h = 0; h < n_plan; ++h) {
      std::copy(kept_lists[h].begin(), kept_lists[h].end(), kept.begin() + h * stride);
      n_kept[h] = static_cast<int32_t>(kept_lists[h].size());
    }
    std::vector<int64_t> offsets(n_plan + 1);
    std::vector<int32_t> lengths(n_plan);
    compact_layout(n_kept.data(), n_plan, c["slack"], offsets.data(), lengths.data());
    EXPECT_EQ(offsets, c["expect_offsets"].get<std::vector<int64_t>>());
    EXPECT_EQ(lengths, c["expect_lengths"].get<std::vector<int32_t>>());
    auto kv_nhd = c["kv_nhd"].get<std::vector<float>>();
    auto kv_hnd = to_hnd(kv_nhd, t, hkv, d);
    auto expect = c["expect_compact"].get<std::vector<float>>();
    for (KvLayout layout : {KvLayout::kNhd, KvLayout::kHnd}) {
      CompactConfig cfg{t, hkv, n_plan, d, sizeof(float), layout};
      ASSERT_EQ(compact_check(cfg), nullptr);
      std::vector<float> data(static_cast<size_t>(offsets[n_plan] * d), 0.0f);
      const void* src = layout == KvLayout::kNhd ? kv_nhd.data() : kv_hnd.data();
      ASSERT_EQ(compact_gather(cfg, src, kept.data(), stride, offsets.data(), lengths.data(),
                               data.data()),
                nullptr);
      EXPECT_EQ(data, expect);
    }
  }
}

TEST(RuntimeCompact, AppendIsBoundedBySlack) {
  CompactConfig cfg{4, 2, 4, 3, sizeof(float), KvLayout::kNhd};  // query granularity, group 2
  std::vector<int32_t> n_kept = {1, 2, 0, 4};
  std::vector<int64_t> offsets(5);
  std::vector<int32_t> lengths(4);
  compact_layout(n_kept.data(), 4, 1, offsets.data(), lengths.data());
  std::vector<float> data(static_cast<size_t>(offsets[4] * 3), 0.0f);
  std::vector<float> token = {1, 2, 3, 4, 5, 6};  // [n_kv_heads, head_dim]
  ASSERT_EQ(compact_append(cfg, token.data(), offsets.data(), lengths.data(), data.data()),
            nullptr);
  EXPECT_EQ(lengths, (std::vector<int32_t>{2, 3, 1, 5}));
  // Plan heads 2 and 3 read KV head 1.
  EXPECT_EQ(data[(offsets[3] + 4) * 3 + 0], 4.0f);
  EXPECT_EQ(data[(offsets[0] + 1) * 3 + 2], 3.0f);
  auto before = data;
  EXPECT_NE(compact_append(cfg, token.data(), offsets.data(), lengths.data(), data.data()),
            nullptr);
  EXPECT_EQ(lengths, (std::vector<int32_t>{2, 3, 1, 5}));  // nothing written on refusal
  EXPECT_EQ(data, before);
}

TEST(RuntimeCompact, RefusesOutOfRangePositions) {
  CompactConfig cfg{4, 1, 1, 2, sizeof(float), KvLayout::kHnd};
  std::vector<int32_t> kept = {0, 4};
  std::vector<int64_t> offsets = {0, 2};
  std::vector<int32_t> lengths = {2};
  std::vector<float> src(8), data(4);
  EXPECT_NE(
      compact_gather(cfg, src.data(), kept.data(), 2, offsets.data(), lengths.data(), data.data()),
      nullptr);
}

// Random scores with many ties: properties that must hold for every head and cap.
TEST(RuntimeSelect, PropertiesOnRandomTiedInputs) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 200; ++iter) {
    SelectConfig cfg;
    cfg.n_kv_heads = 1 + static_cast<int64_t>(rng() % 3);
    cfg.n_q_heads = cfg.n_kv_heads * (1 + static_cast<int64_t>(rng() % 3));
    cfg.n_tokens = static_cast<int64_t>(rng() % 80);
    cfg.window = static_cast<int64_t>(rng() % 10);
    cfg.n_rows = 1 + static_cast<int64_t>(rng() % std::max<int64_t>(cfg.n_tokens, 1));
    cfg.pool = static_cast<PoolKind>(rng() % 3);
    cfg.pool_kernel = cfg.pool == PoolKind::kNone ? 1 : 1 + 2 * static_cast<int64_t>(rng() % 4);
    cfg.kv_granularity = rng() % 2;
    std::vector<float> probs(static_cast<size_t>(cfg.n_q_heads * cfg.n_rows * cfg.n_tokens));
    for (auto& p : probs) p = static_cast<float>(rng() % 3) / 4.0f;
    probs.push_back(0.0f);  // keeps data() non-null for T = 0
    ScoreInput in;
    in.probs = probs.data();
    std::vector<int64_t> caps(static_cast<size_t>(cfg.n_plan_heads()));
    for (auto& c : caps) c = static_cast<int64_t>(rng() % 100);
    Result a = run_select(cfg, in, caps);
    Result b = run_select(cfg, in, caps);
    EXPECT_EQ(a.kept, b.kept);  // deterministic
    const int64_t stride = std::max<int64_t>(cfg.n_tokens, 1), n_cand = cfg.n_candidates();
    for (int64_t h = 0; h < cfg.n_plan_heads(); ++h) {
      auto kept = kept_of(a, h, stride);
      const int64_t k = std::min(caps[h], n_cand);
      ASSERT_EQ(static_cast<int64_t>(kept.size()), k + cfg.n_tokens - n_cand);
      EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end()));
      EXPECT_EQ(std::adjacent_find(kept.begin(), kept.end()), kept.end());
      for (int64_t j = n_cand; j < cfg.n_tokens; ++j)  // the window is never evicted
        EXPECT_TRUE(std::binary_search(kept.begin(), kept.end(), static_cast<int32_t>(j)));
      if (k <= 0 || k >= n_cand) continue;
      // Every kept candidate beats every dropped one, or ties it from a lower index.
      const float* s = a.pooled.data() + h * n_cand;
      float min_kept = INFINITY;
      int32_t last_at_min = -1;
      for (int64_t i = 0; i < k; ++i) {
        if (s[kept[i]] < min_kept || (s[kept[i]] == min_kept)) {
          if (s[kept[i]] < min_kept) min_kept = s[kept[i]];
          last_at_min = kept[i];
        }
      }
      for (int64_t j = 0; j < n_cand; ++j) {
        if (std::binary_search(kept.begin(), kept.begin() + k, static_cast<int32_t>(j))) continue;
        EXPECT_TRUE(s[j] < min_kept || (s[j] == min_kept && j > last_at_min))
            << "dropped " << j << " over kept at score " << min_kept;
      }
    }
  }
}

TEST(RuntimeSelect, TopKHandlesSignsAndZeros) {
  std::vector<float> s = {-1.0f, 0.0f, -0.0f, 2.0f, -3.0f, 2.0f, 0.0f};
  std::vector<uint32_t> keys(7), hist(kTopKBins);
  std::vector<int32_t> cand(7), kept(7);
  TopKScratch scratch{keys.data(), cand.data(), hist.data()};
  EXPECT_EQ(select_top_k(s, 3, scratch, kept.data()), 3);
  kept.resize(3);
  EXPECT_EQ(kept, (std::vector<int32_t>{1, 3, 5}));  // -0 ties +0; lower index wins
  kept.resize(7);
  EXPECT_EQ(select_top_k(s, 5, scratch, kept.data()), 5);
  kept.resize(5);
  EXPECT_EQ(kept, (std::vector<int32_t>{1, 2, 3, 5, 6}));
}

TEST(RuntimeSelect, ReportsNaNAndSmallStride) {
  SelectConfig cfg{1, 1, 10, 1, 2, PoolKind::kMax, 3, true};
  std::vector<float> probs(10, 0.1f);
  probs[3] = NAN;
  ScoreInput in;
  in.probs = probs.data();
  std::vector<float> ws(static_cast<size_t>(select_workspace_floats(cfg, in)));
  std::vector<int32_t> kept(10), n_kept(1);
  std::vector<int64_t> caps = {4};
  const char* error = nullptr;
  EXPECT_FALSE(
      select_layer(cfg, in, caps, 0, 1, ws, {nullptr, kept.data(), 10, n_kept.data()}, &error));
  EXPECT_STREQ(error, "a token score is NaN");
  probs[3] = 0.5f;
  EXPECT_FALSE(
      select_layer(cfg, in, caps, 0, 1, ws, {nullptr, kept.data(), 5, n_kept.data()}, &error));
  EXPECT_TRUE(
      select_layer(cfg, in, caps, 0, 1, ws, {nullptr, kept.data(), 6, n_kept.data()}, &error));
}

}  // namespace
}  // namespace slkv::runtime
