// The CPU selection's fast paths against a plain, independent implementation: chunked row
// averaging and pooling over long prompts (several chunks, every pooling kind, row counts
// around the 4- and 8-row passes, GQA groups that are and are not powers of two), and the
// sampled-threshold top-k (ties at the k-th value, keys one apart across radix buckets, inputs
// whose sample misses and must fall back). Results must agree bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "runtime/select.hpp"
#include "runtime/top_k.hpp"

namespace slkv::runtime {
namespace {

// Top k positions (score desc, index asc; -0 == +0), ascending, by a full stable sort.
std::vector<int32_t> plain_top_k(const std::vector<float>& s, int64_t k) {
  std::vector<int32_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) { return s[a] > s[b]; });
  idx.resize(static_cast<size_t>(std::clamp<int64_t>(k, 0, static_cast<int64_t>(s.size()))));
  std::sort(idx.begin(), idx.end());
  return idx;
}

struct Plain {
  std::vector<float> pooled;               // [n_plan, n_cand]
  std::vector<std::vector<int32_t>> kept;  // per plan head
};

// METHOD.md §6 written out directly: average rows (in order, then divide), pool with the window
// cut at the ends, mean over the group, top k, append the window.
Plain plain_select(const SelectConfig& cfg, const std::vector<float>& probs,
                   const std::vector<int64_t>& caps) {
  const int64_t t = cfg.n_tokens, n_cand = cfg.n_candidates();
  const int64_t group = cfg.kv_granularity ? cfg.group() : 1;
  const int64_t r = cfg.pool == PoolKind::kNone ? 0 : cfg.pool_kernel / 2;
  Plain p;
  p.pooled.assign(static_cast<size_t>(cfg.n_plan_heads() * n_cand), 0.0f);
  for (int64_t h = 0; h < cfg.n_plan_heads(); ++h) {
    std::vector<float> acc(static_cast<size_t>(n_cand));
    for (int64_t g = 0; g < group; ++g) {
      const int64_t qh = cfg.kv_granularity ? h * group + g : h;
      std::vector<float> row(static_cast<size_t>(t));
      for (int64_t j = 0; j < t; ++j) {
        float s = probs[static_cast<size_t>((qh * cfg.n_rows) * t + j)];
        for (int64_t q = 1; q < cfg.n_rows; ++q)
          s += probs[static_cast<size_t>((qh * cfg.n_rows + q) * t + j)];
        row[j] = s / static_cast<float>(cfg.n_rows);
      }
      for (int64_t j = 0; j < n_cand; ++j) {
        const int64_t lo = std::max<int64_t>(0, j - r), hi = std::min(n_cand - 1, j + r);
        float v = row[lo];
        for (int64_t i = lo + 1; i <= hi; ++i)
          v = cfg.pool == PoolKind::kAvg ? v + row[i] : std::max(v, row[i]);
        if (cfg.pool == PoolKind::kAvg) v /= static_cast<float>(hi - lo + 1);
        acc[j] = g == 0 ? v : acc[j] + v;
      }
    }
    if (group > 1)
      for (auto& a : acc) a /= static_cast<float>(group);
    std::copy(acc.begin(), acc.end(), p.pooled.begin() + h * n_cand);
    auto kept = plain_top_k(acc, std::min(caps[h], n_cand));
    for (int64_t j = n_cand; j < t; ++j) kept.push_back(static_cast<int32_t>(j));
    p.kept.push_back(std::move(kept));
  }
  return p;
}

TEST(RuntimeSelectFastPath, LongPromptsMatchPlainImplementationBitForBit) {
  std::mt19937 rng(11);
  struct Case {
    int64_t n_q, n_kv, t, n_rows, window;
    PoolKind pool;
    int64_t kernel;
    bool kv;
  };
  const Case cases[] = {
      {4, 4, 9001, 8, 8, PoolKind::kMax, 7, true},     // MHA-like, 8 rows: one 8-row pass
      {6, 2, 12000, 5, 8, PoolKind::kMax, 7, true},    // group 3 (divide), 4 + 1 rows
      {8, 2, 10000, 12, 3, PoolKind::kAvg, 5, true},   // 8 + 4 rows, avg pooling
      {4, 1, 8500, 3, 0, PoolKind::kNone, 1, true},    // no window, no pooling, 3 rows
      {4, 2, 9000, 1, 8, PoolKind::kMax, 7, false},    // pooled straight from the input
      {2, 2, 5000, 9, 2, PoolKind::kMax, 3001, true},  // 2048 + halo > T: one whole-row chunk
      {2, 2, 5000, 9, 2, PoolKind::kAvg, 2047, true},  // 2048 + halo <= T: wide halo, chunked
  };
  for (const Case& c : cases) {
    SelectConfig cfg{c.n_q, c.n_kv, c.t, c.n_rows, c.window, c.pool, c.kernel, c.kv};
    std::vector<float> probs(static_cast<size_t>(c.n_q * c.n_rows * c.t));
    // Half the heads draw from 5 levels (many ties), half are continuous.
    for (size_t i = 0; i < probs.size(); ++i)
      probs[i] = (i / static_cast<size_t>(c.t)) % 2 ? static_cast<float>(rng() % 5) / 8.0f
                                                    : static_cast<float>(rng()) / 4294967296.0f;
    const int64_t n_plan = cfg.n_plan_heads(), n_cand = cfg.n_candidates();
    std::vector<int64_t> caps(static_cast<size_t>(n_plan));
    const int64_t choices[] = {0, 1, 100, n_cand / 8, n_cand / 4, n_cand / 4 + 1, n_cand - 1};
    for (auto& cap : caps) cap = choices[rng() % 7];
    caps[0] = n_cand / 10;  // always one head on the sampled top-k path
    ScoreInput in;
    in.probs = probs.data();
    std::vector<float> ws(static_cast<size_t>(select_workspace_floats(cfg, in)));
    std::vector<float> pooled(static_cast<size_t>(n_plan * n_cand));
    std::vector<int32_t> kept(static_cast<size_t>(n_plan * c.t)), n_kept(n_plan);
    const char* error = nullptr;
    ASSERT_TRUE(select_layer(cfg, in, caps, 0, n_plan, ws,
                             {pooled.data(), kept.data(), c.t, n_kept.data()}, &error))
        << error;
    const Plain want = plain_select(cfg, probs, caps);
    for (size_t i = 0; i < pooled.size(); ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(pooled[i]), std::bit_cast<uint32_t>(want.pooled[i]))
          << "T " << c.t << " pooled[" << i << "]";
    for (int64_t h = 0; h < n_plan; ++h) {
      std::vector<int32_t> got(kept.begin() + h * c.t, kept.begin() + h * c.t + n_kept[h]);
      EXPECT_EQ(got, want.kept[h]) << "T " << c.t << " head " << h << " cap " << caps[h];
    }
  }
}

// select_top_k against the stable sort; n large enough for the sampled path.
void expect_top_k(const std::vector<float>& s, int64_t k, const char* what) {
  const auto n = static_cast<int64_t>(s.size());
  std::vector<uint32_t> keys(s.size()), hist(kTopKBins);
  std::vector<int32_t> cand(s.size()), kept(s.size(), -1);
  const int64_t written =
      select_top_k(s, k, TopKScratch{keys.data(), cand.data(), hist.data()}, kept.data());
  kept.resize(static_cast<size_t>(written));
  EXPECT_EQ(kept, plain_top_k(s, k)) << what << ", n " << n << ", k " << k;
}

TEST(RuntimeSelectFastPath, TopKTiesAndRadixBoundaries) {
  const int64_t n = 40000;
  const int64_t stride = n / kTopKSamples;  // the sample positions are multiples of this
  std::mt19937 rng(5);
  std::vector<float> s(static_cast<size_t>(n));

  // Everything equal: the lowest k positions.
  std::fill(s.begin(), s.end(), 0.25f);
  for (int64_t k : {1, 500, 4000}) expect_top_k(s, k, "all equal");

  // Two levels: the k-th value is tied across thousands of positions.
  for (auto& x : s) x = rng() % 7 == 0 ? 1.0f : 0.5f;
  for (int64_t k : {100, 3000, 5713, 9999}) expect_top_k(s, k, "two levels");

  // Adjacent floats around 1.0 (keys one apart) with -0 / +0 and negatives mixed in: ties and
  // neighbours straddle histogram buckets at every shift.
  for (auto& x : s) {
    const int u = static_cast<int>(rng() % 9000);
    x = u == 0 ? -0.0f : u == 1 ? 0.0f : u < 100 ? -1.0f : 1.0f;
    for (int i = 0, e = static_cast<int>(rng() % 4096); u >= 100 && i < e; ++i)
      x = std::nextafter(x, 2.0f);
  }
  for (int64_t k : {1, 64, 2048, 7777, 9999}) expect_top_k(s, k, "adjacent floats");

  // Sample misses high: every sampled position holds the maximum, so fewer than k positions
  // reach the sampled floor and the full pass must run.
  for (int64_t j = 0; j < n; ++j)
    s[j] = j % stride == 0 ? 9.0f : static_cast<float>(rng() % 1000) / 1000.0f;
  for (int64_t k : {1500, 3000, 9000}) expect_top_k(s, k, "sample all high");

  // Sample misses low: sampled positions hold the minimum, the floor admits nearly everything.
  for (int64_t j = 0; j < n; ++j)
    s[j] = j % stride == 0 ? -9.0f : static_cast<float>(rng() % 1000) / 1000.0f;
  for (int64_t k : {10, 2000, 9000}) expect_top_k(s, k, "sample all low");

  // Max-pooled plateaus, the shape the selection actually ranks.
  std::vector<float> raw(static_cast<size_t>(n));
  for (auto& x : raw) x = static_cast<float>(rng() % 100000) / 100000.0f;
  for (int64_t j = 0; j < n; ++j) {
    float v = raw[std::max<int64_t>(0, j - 3)];
    for (int64_t i = std::max<int64_t>(0, j - 3) + 1; i <= std::min(n - 1, j + 3); ++i)
      v = std::max(v, raw[i]);
    s[j] = v;
  }
  for (int64_t k : {1, 2040, 4000, 9999, 10001}) expect_top_k(s, k, "pooled plateaus");
}

}  // namespace
}  // namespace slkv::runtime
