#include "profile/head_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace {

using slkv::probes::Span;
using slkv::profile::HeadStats;
using slkv::profile::HeadStatsOptions;
using slkv::profile::ProbeView;

constexpr double kTol = 1e-6;

std::vector<int32_t> ramp_tokens(int n) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  std::iota(t.begin(), t.end(), 100);  // token at position p is 100 + p
  return t;
}

// A row of length n with the given weights; the remaining mass is spread evenly elsewhere.
std::vector<float> make_row(int n, std::vector<std::pair<int, double>> peaks) {
  std::vector<float> row(static_cast<size_t>(n), 0.0f);
  double used = 0;
  for (auto [pos, w] : peaks) {
    row[static_cast<size_t>(pos)] = static_cast<float>(w);
    used += w;
  }
  const int rest = n - static_cast<int>(peaks.size());
  for (int p = 0; p < n; ++p) {
    bool peak = false;
    for (auto [pos, w] : peaks) peak |= pos == p;
    if (!peak) row[static_cast<size_t>(p)] = static_cast<float>((1.0 - used) / rest);
  }
  return row;
}

HeadStatsOptions k_of(int k) {
  HeadStatsOptions o;
  o.top_k = k;
  return o;
}

// Hand-computed example: T = 20, N = [5, 8), D = [12, 14), k = 3.
// Weights: 6 -> 0.4, 12 -> 0.2, 0 -> 0.1, 7 -> 0.05, the other 16 keys 0.015625 each.
TEST(HeadStats, HandComputedRow) {
  const auto tokens = ramp_tokens(20);
  const std::vector<Span> n_spans{{5, 8}};
  const std::vector<Span> d_spans{{12, 14}};
  HeadStats stats(1, 1, k_of(3));
  stats.begin_probe({tokens, n_spans, d_spans});
  const auto row = make_row(20, {{6, 0.4}, {12, 0.2}, {0, 0.1}, {7, 0.05}});

  const auto s = stats.row_stats(0, row, /*emitted=*/106);
  EXPECT_NEAR(s.wtp, 0.4, kTol);
  EXPECT_NEAR(s.wfp, 0.3, kTol);
  EXPECT_NEAR(s.wfn, 0.05 + 0.015625, kTol);
  EXPECT_NEAR(s.wtn, 1.0 - 0.4 - 0.3 - 0.065625, kTol);
  EXPECT_EQ(s.tp, 1);
  EXPECT_EQ(s.fp, 2);
  EXPECT_EQ(s.fn, 2);
  EXPECT_EQ(s.tn, 15);
  EXPECT_TRUE(s.copy);  // argmax 6 is in N and holds token 106
  EXPECT_NEAR(s.dist, 0.2 / 0.7, kTol);
  EXPECT_NEAR(s.inf_score, 0.8 / (0.8 + 0.3 + 0.065625), kTol);
  EXPECT_NEAR(s.rr_mass, 0.4, kTol);  // top-|N| = top-3: only key 6 is in N
  EXPECT_NEAR(s.ignore_fallback, 0.234375 / (0.234375 + 0.3), kTol);

  EXPECT_FALSE(stats.row_stats(0, row, 107).copy);  // emitted token differs from key 6's
}

TEST(HeadStats, CopyNeedsArgmaxInsideNeedle) {
  const auto tokens = ramp_tokens(10);
  const std::vector<Span> n_spans{{2, 4}};
  HeadStats stats(1, 1, k_of(2));
  stats.begin_probe({tokens, n_spans, {}});
  // Argmax at key 8 (outside N); emitting its token is not a copy from the needle.
  const auto row = make_row(10, {{8, 0.5}, {3, 0.3}});
  EXPECT_FALSE(stats.row_stats(0, row, 108).copy);
}

TEST(HeadStats, TiesRankTheLowerPositionFirst) {
  const auto tokens = ramp_tokens(8);
  HeadStats stats(1, 1, k_of(3));
  const std::vector<Span> at_start{{0, 2}};
  stats.begin_probe({tokens, at_start, {}});
  const std::vector<float> flat(8, 1.0f / 8);
  auto s = stats.row_stats(0, flat, 100);
  // top-3 = keys {0, 1, 2}: two of them in N.
  EXPECT_EQ(s.tp, 2);
  EXPECT_EQ(s.fp, 1);
  EXPECT_NEAR(s.wtp, 2.0 / 8, kTol);
  EXPECT_TRUE(s.copy);  // argmax is key 0 (lowest index among ties), token 100

  const std::vector<Span> at_end{{6, 8}};
  stats.begin_probe({tokens, at_end, {}});
  s = stats.row_stats(0, flat, 106);
  EXPECT_EQ(s.tp, 0);
  EXPECT_EQ(s.wtp, 0.0);
  EXPECT_EQ(s.inf_score, 0.0);  // defined as 0 when WTP = 0
  EXPECT_FALSE(s.copy);
  EXPECT_NEAR(s.wfn, 2.0 / 8, kTol);
  EXPECT_EQ(s.fn, 2);
}

// The one-pass top-k selection against a full sort, on rows full of ties.
TEST(HeadStats, TopKSelectionMatchesAFullSort) {
  const int n = 257;
  const auto tokens = ramp_tokens(n);
  const std::vector<Span> n_spans{{3, 9}, {120, 150}, {250, 257}};  // |N| = 43 > k
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>(state >> 59);  // 0..31: many equal weights
  };
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> row(n);
    double total = 0;
    for (auto& w : row) total += (w = static_cast<float>(next()));
    for (auto& w : row) w = static_cast<float>(w / total);
    HeadStats stats(1, 1);
    stats.begin_probe({tokens, n_spans, {}});
    const auto s = stats.row_stats(0, row, 100);
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
    auto in_n = [&](int p) {
      for (const Span& sp : n_spans) {
        if (sp.contains(p)) return true;
      }
      return false;
    };
    double wtp = 0, rr = 0;
    int64_t tp = 0;
    for (int i = 0; i < 10; ++i) {
      if (in_n(order[i])) wtp += row[order[i]], ++tp;
    }
    for (int i = 0; i < 43; ++i) {
      if (in_n(order[i])) rr += row[order[i]];
    }
    EXPECT_EQ(s.argmax, order[0]);
    EXPECT_EQ(s.tp, tp);
    EXPECT_NEAR(s.wtp, wtp, 1e-9);
    EXPECT_NEAR(s.rr_mass, rr, 1e-9);
  }
}

TEST(HeadStats, SpansAtBothEdgesOfTheSequence) {
  const auto tokens = ramp_tokens(12);
  const std::vector<Span> n_spans{{0, 1}, {11, 12}};
  const std::vector<Span> d_spans{{1, 2}};
  HeadStats stats(1, 1, k_of(2));
  stats.begin_probe({tokens, n_spans, d_spans});
  const auto row = make_row(12, {{11, 0.6}, {1, 0.3}});
  const auto s = stats.row_stats(0, row, 111);
  EXPECT_TRUE(s.copy);
  EXPECT_EQ(s.tp, 1);
  EXPECT_NEAR(s.wtp, 0.6, kTol);
  EXPECT_NEAR(s.dist, 0.3 / 0.9, kTol);
  EXPECT_NEAR(s.wfn, 0.1 / 10, kTol);  // key 0 holds (1 - 0.9) / 10
  EXPECT_NEAR(s.rr_mass, 0.6, kTol);
}

TEST(HeadStats, TopKLargerThanTheRow) {
  const auto tokens = ramp_tokens(4);
  const std::vector<Span> n_spans{{1, 3}};
  HeadStats stats(1, 1, k_of(10));
  stats.begin_probe({tokens, n_spans, {}});
  const std::vector<float> row{0.1f, 0.3f, 0.4f, 0.2f};
  const auto s = stats.row_stats(0, row, 102);
  EXPECT_EQ(s.tp + s.fp, 4);  // k is clipped to T
  EXPECT_EQ(s.tp, 2);
  EXPECT_EQ(s.fn, 0);
  EXPECT_EQ(s.tn, 0);
  EXPECT_NEAR(s.wtp, 0.7, kTol);
  EXPECT_NEAR(s.wfp, 0.3, kTol);
  EXPECT_NEAR(s.wfn, 0.0, kTol);
  EXPECT_NEAR(s.wtn, 0.0, kTol);
  EXPECT_NEAR(s.ignore_fallback, 0.0, kTol);  // all non-needle mass is distraction
  EXPECT_TRUE(s.copy);
}

TEST(HeadStats, ProbeAggregatesOverStepsAndGeneratedKeys) {
  const auto tokens = ramp_tokens(10);
  const std::vector<Span> n_spans{{4, 6}};
  const std::vector<Span> d_spans{{8, 9}};
  HeadStats stats(2, 2, k_of(2));
  stats.begin_probe({tokens, n_spans, d_spans});
  // Step 0 (10 keys) and step 1 (11 keys: key 10 is the generated token).
  const auto r0 = make_row(10, {{4, 0.7}, {8, 0.2}});
  const auto r1 = make_row(11, {{10, 0.5}, {5, 0.4}});
  for (int l = 0; l < 2; ++l) {
    for (int h = 0; h < 2; ++h) {
      stats.observe(l, h, 0, r0, 104);
      stats.observe(l, h, 1, r1, 110);  // argmax is the generated key: not a copy
    }
  }
  const auto v = stats.end_probe(/*success=*/true);
  ASSERT_EQ(v.surface.size(), 4u);
  EXPECT_EQ(v.n_steps, 2);
  EXPECT_EQ(v.n_needle_tokens, 2);
  EXPECT_TRUE(v.has_distractors);
  EXPECT_TRUE(v.success);
  HeadStats one(1, 1, k_of(2));
  one.begin_probe({tokens, n_spans, d_spans});
  const double inf0 = one.row_stats(0, r0, 104).inf_score;
  const double inf1 = one.row_stats(1, r1, 110).inf_score;
  EXPECT_GT(inf0, inf1);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(v.copy_count[i], 1.0f);
    EXPECT_FLOAT_EQ(v.surface[i], 0.5f);  // 1 copy / |N| = 2
    EXPECT_NEAR(v.logic[i], (inf0 + inf1) / 2, kTol);
    EXPECT_NEAR(v.dist[i], (0.2 / 0.9 + 0.0) / 2, kTol);
    EXPECT_NEAR(v.ignore[i], 1.0 - v.dist[i], kTol);
    EXPECT_NEAR(v.retrieval_reasoning[i], (0.7 + 0.4) / 2, kTol);
    EXPECT_NEAR(v.wtp[i], (0.7 + 0.4) / 2, kTol);
    EXPECT_EQ(v.tp[i], 2);
    EXPECT_EQ(v.fp[i], 2);
    EXPECT_EQ(v.fn[i], 2);
    EXPECT_EQ(v.tn[i], (10 - 3) + (11 - 3));  // T - TP - FP - FN per step
  }
}

TEST(HeadStats, EmptyDistractorsFallBackToWidespreadShare) {
  const auto tokens = ramp_tokens(10);
  const std::vector<Span> n_spans{{4, 6}};
  HeadStats stats(1, 1, k_of(2));
  stats.begin_probe({tokens, n_spans, {}});
  const auto row = make_row(10, {{4, 0.5}, {0, 0.3}});
  stats.observe(0, 0, 0, row, 1);
  const auto v = stats.end_probe(false);
  EXPECT_FALSE(v.has_distractors);
  EXPECT_FALSE(v.success);
  EXPECT_EQ(v.dist[0], 0.0f);
  // WTN = mass outside top-2 and N = 7 keys * 0.025; WFP = 0.3.
  const double wtn = 7 * 0.025;
  EXPECT_NEAR(v.ignore[0], wtn / (wtn + 0.3), kTol);
}

// Greedy decoding learns the emitted token after the forward pass: observe() then emit()
// must give exactly what observe() with the token gives.
TEST(HeadStats, DeferredEmitMatchesImmediateToken) {
  const auto tokens = ramp_tokens(10);
  const std::vector<Span> n_spans{{4, 6}};
  const auto r0 = make_row(10, {{4, 0.7}, {8, 0.2}});
  const auto r1 = make_row(11, {{5, 0.6}, {10, 0.3}});
  HeadStats now(1, 2, k_of(2)), later(1, 2, k_of(2));
  now.begin_probe({tokens, n_spans, {}});
  later.begin_probe({tokens, n_spans, {}});
  for (int h = 0; h < 2; ++h) {
    now.observe(0, h, 0, r0, 104);
    later.observe(0, h, 0, r0);
  }
  EXPECT_THROW(later.observe(0, 0, 1, r1), slkv::Error);  // step 0 not settled yet
  later.emit(0, 104);
  for (int h = 0; h < 2; ++h) {
    now.observe(0, h, 1, r1, 105);
    later.observe(0, h, 1, r1);
  }
  later.emit(1, 105);
  const auto a = now.end_probe(true);
  const auto b = later.end_probe(true);
  EXPECT_EQ(a.copy_count, (std::vector<float>{2.0f, 2.0f}));
  EXPECT_EQ(a.copy_count, b.copy_count);
  EXPECT_EQ(a.logic, b.logic);
  EXPECT_EQ(a.wtp, b.wtp);
  EXPECT_EQ(a.tn, b.tn);

  later.begin_probe({tokens, n_spans, {}});
  later.observe(0, 0, 0, r0);
  EXPECT_THROW(later.emit(0, 104), slkv::Error);  // head (0, 1) has not seen step 0
  later.observe(0, 1, 0, r0);
  EXPECT_THROW(later.end_probe(true), slkv::Error);  // step 0 never emitted
}

// Heads observed from several threads at once give the serial result.
TEST(HeadStats, ConcurrentHeadsMatchSerial) {
  const auto tokens = ramp_tokens(300);
  const std::vector<Span> n_spans{{40, 70}};
  const std::vector<Span> d_spans{{200, 230}};
  constexpr int kHeads = 8;
  std::vector<std::vector<float>> rows;
  for (int h = 0; h < kHeads; ++h) {
    rows.push_back(make_row(300, {{40 + 3 * h, 0.3}, {200 + h, 0.2}, {h, 0.1}}));
  }
  HeadStats serial(1, kHeads), parallel(1, kHeads);
  serial.begin_probe({tokens, n_spans, d_spans});
  parallel.begin_probe({tokens, n_spans, d_spans});
  for (int h = 0; h < kHeads; ++h) serial.observe(0, h, 0, rows[h], 143);
  std::vector<std::thread> threads;
  for (int h = 0; h < kHeads; ++h) {
    threads.emplace_back([&, h] { parallel.observe(0, h, 0, rows[h], 143); });
  }
  for (auto& t : threads) t.join();
  const auto a = serial.end_probe(true), b = parallel.end_probe(true);
  EXPECT_EQ(a.wtp, b.wtp);
  EXPECT_EQ(a.dist, b.dist);
  EXPECT_EQ(a.copy_count, b.copy_count);
  EXPECT_EQ(a.copy_count[1], 1.0f);  // head 1 peaks on key 43, token 143
}

TEST(HeadStats, RejectsMalformedInput) {
  const auto tokens = ramp_tokens(6);
  const std::vector<Span> n_spans{{1, 2}};
  HeadStats stats(1, 2);
  EXPECT_THROW(stats.observe(0, 0, 0, std::vector<float>(6, 1.0f / 6), 0), slkv::Error);
  const std::vector<Span> outside{{4, 9}};
  EXPECT_THROW(stats.begin_probe({tokens, outside, {}}), slkv::Error);
  EXPECT_THROW(stats.begin_probe({tokens, {}, {}}), slkv::Error);  // empty N
  const std::vector<Span> overlap{{1, 2}};
  EXPECT_THROW(stats.begin_probe({tokens, n_spans, overlap}), slkv::Error);

  stats.begin_probe({tokens, n_spans, {}});
  const std::vector<float> good(6, 1.0f / 6);
  EXPECT_THROW(stats.observe(0, 0, 0, std::vector<float>(5, 0.2f), 0), slkv::Error);  // length
  EXPECT_THROW(stats.observe(0, 0, 0, std::vector<float>(6, 0.5f), 0), slkv::Error);  // sum
  std::vector<float> nan = good;
  nan[2] = std::nanf("");
  EXPECT_THROW(stats.observe(0, 0, 0, nan, 0), slkv::Error);
  EXPECT_THROW(stats.observe(0, 2, 0, good, 0), slkv::Error);  // head out of range
  EXPECT_THROW(stats.observe(0, 0, 1, std::vector<float>(7, 1.0f / 7), 0),
               slkv::Error);  // step 1 before step 0
  stats.observe(0, 0, 0, good, 0);
  EXPECT_THROW(stats.end_probe(true), slkv::Error);  // head (0, 1) saw no step
}

}  // namespace
