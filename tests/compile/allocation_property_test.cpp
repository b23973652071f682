// Properties every allocation must have, on random and hand-built scores (METHOD.md section 5).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "compile/compiler.hpp"
#include "compile/importance.hpp"

namespace {

using slkv::compile::compile_plan;
using slkv::compile::CompileOptions;
using slkv::compile::ModelShape;
using slkv::compile::ScoreInput;

ScoreInput make_scores(int64_t n_layers, int64_t n_heads, std::vector<double> direct) {
  ScoreInput s;
  s.n_layers = n_layers;
  s.n_heads = n_heads;
  s.kind = "lineage";
  s.direct = std::move(direct);
  s.source_path = "synthetic.json";
  return s;
}

// Sparse random scores like the lineage files: most heads 0, a few large.
ScoreInput random_scores(int64_t n_layers, int64_t n_heads, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> v(n_layers * n_heads);
  for (double& x : v) x = u(rng) < 0.6 ? 0.0 : std::pow(u(rng), 3.0);
  return make_scores(n_layers, n_heads, std::move(v));
}

ModelShape shape(int64_t l, int64_t h, int64_t kvh) { return {l, h, kvh, 64, "", ""}; }

CompileOptions tokens(const std::string& method, int64_t b_tot, const std::string& gran = "kv") {
  CompileOptions o;
  o.method = method;
  o.budget_tokens = b_tot;
  o.granularity = gran;
  return o;
}

double total(const slkv::runtime::Plan& p) {
  double t = 0;
  for (const auto& layer : p.caps) {
    for (double c : layer) t += c;
  }
  return t;
}

TEST(AllocationProperties, TotalsAreExactAndCapsRespectTheFloor) {
  for (const std::string method : {"surfacelogic", "uniform", "adakv"}) {
    for (uint64_t seed = 1; seed <= 12; ++seed) {
      const int64_t l = 1 + seed % 5, kvh = 1 + seed % 4, h = kvh * (1 + seed % 3);
      for (const std::string gran : {"kv", "query"}) {
        for (int64_t b_tot : {8, 9, 64, 128, 131, 2048}) {
          auto o = tokens(method, b_tot, gran);
          o.min_cap = seed % 3 == 0 ? std::min<int64_t>(b_tot - 8, 5) : 0;
          const auto plan = compile_plan(random_scores(l, h, seed), shape(l, h, kvh), o);
          const int64_t units = l * (gran == "kv" ? kvh : h);
          ASSERT_EQ(total(plan), static_cast<double>(units * (b_tot - 8)))
              << method << " seed " << seed << " " << gran << " B " << b_tot;
          for (const auto& layer : plan.caps) {
            for (double c : layer) {
              EXPECT_GE(c, static_cast<double>(o.min_cap));
              EXPECT_EQ(c, std::floor(c));
            }
          }
        }
      }
    }
  }
}

TEST(AllocationProperties, MonotoneInScoreWithinALayer) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto scores = random_scores(4, 16, seed);
    for (int64_t b_tot : {24, 128, 1000}) {
      const auto plan = compile_plan(scores, shape(4, 16, 16), tokens("surfacelogic", b_tot));
      for (int64_t l = 0; l < 4; ++l) {
        for (int64_t a = 0; a < 16; ++a) {
          for (int64_t b = 0; b < 16; ++b) {
            if (scores.direct[scores.index(l, a)] > scores.direct[scores.index(l, b)]) {
              EXPECT_GE(plan.caps[l][a], plan.caps[l][b]) << "seed " << seed << " layer " << l;
            }
          }
        }
      }
      // headkv and real are one model-wide formula: monotone across layers too.
      for (const std::string m : {"headkv", "real"}) {
        const auto p = compile_plan(scores, shape(4, 16, 16), tokens(m, b_tot));
        for (size_t i = 0; i < scores.direct.size(); ++i) {
          for (size_t j = 0; j < scores.direct.size(); ++j) {
            if (scores.direct[i] > scores.direct[j]) {
              EXPECT_GE(p.caps[i / 16][i % 16], p.caps[j / 16][j % 16]) << m;
            }
          }
        }
      }
    }
  }
}

TEST(AllocationProperties, EqualScoresGiveEqualCaps) {
  // Equal everywhere: every head gets exactly B, whatever beta and tau.
  const auto flat = make_scores(3, 8, std::vector<double>(24, 0.37));
  for (const std::string m : {"surfacelogic", "headkv"}) {
    const auto plan = compile_plan(flat, shape(3, 8, 8), tokens(m, 137));
    for (const auto& layer : plan.caps) {
      for (double c : layer) EXPECT_EQ(c, 129.0) << m;
    }
  }
  // Equal within a layer: caps there differ by at most the one rounding token.
  std::vector<double> v(4 * 6);
  for (int64_t l = 0; l < 4; ++l) {
    for (int64_t k = 0; k < 6; ++k) v[l * 6 + k] = 0.1 * static_cast<double>(l + 1);
  }
  const auto plan = compile_plan(make_scores(4, 6, v), shape(4, 6, 6), tokens("surfacelogic", 100));
  for (const auto& layer : plan.caps) {
    const auto [lo, hi] = std::minmax_element(layer.begin(), layer.end());
    EXPECT_LE(*hi - *lo, 1.0);
  }
}

TEST(AllocationProperties, HugeBetaGivesUniform) {
  const auto scores = random_scores(5, 8, 3);
  for (const std::string m : {"surfacelogic", "headkv", "real"}) {
    auto o = tokens(m, 128);
    o.beta1 = o.beta2 = 1e12;
    const auto plan = compile_plan(scores, shape(5, 8, 4), o);
    for (const auto& layer : plan.caps) {
      // real: round_half_even(B + 0.5) = B for even B (here B = 120).
      for (double c : layer) EXPECT_EQ(c, 120.0) << m;
    }
  }
}

TEST(AllocationProperties, ZeroScoreHeadsGetTheFloorPlusWindow) {
  // Layer 0 all zero, layer 1 mixed. B_tot = 128, w = 8, B = 120, beta = 1.351:
  // stage-1 floor per head = 120 - floor(120 / 1.351) = 120 - 88 = 32.
  std::vector<double> v = {0, 0, 0, 0, 0.9, 0, 0.3, 0};
  const auto scores = make_scores(2, 4, v);
  const auto plan = compile_plan(scores, shape(2, 4, 4), tokens("surfacelogic", 128));
  for (double c : plan.caps[0]) EXPECT_EQ(c + plan.window, 32.0 + 8.0);
  // Layer 1 gets 4*32 + 88*8 = 832, b_l = 208, stage-2 floor 208 - floor(208/1.351) = 55.
  EXPECT_EQ(plan.caps[1][1], 55.0);
  EXPECT_EQ(plan.caps[1][3], 55.0);
  EXPECT_EQ(total(plan), 8.0 * 120.0);
  // headkv: a zero-score head keeps B - F = 32; real: round_half_even(32.5) = 32.
  for (const std::string m : {"headkv", "real"}) {
    const auto p = compile_plan(scores, shape(2, 4, 4), tokens(m, 128));
    EXPECT_EQ(p.caps[0][0], 32.0) << m;
    EXPECT_EQ(p.caps[1][3], 32.0) << m;
  }
}

TEST(AllocationProperties, GqaAggregationSumsOrMaxesQueryHeads) {
  // 2 layers, 8 query heads, 2 KV heads: query heads 0-3 -> KV head 0, 4-7 -> KV head 1.
  const std::vector<double> q = {0.1, 0.2, 0.0, 0.3, 0.5, 0.0, 0.0, 0.0,
                                 0.0, 0.0, 0.0, 0.0, 0.4, 0.4, 0.1, 0.1};
  EXPECT_EQ(slkv::compile::aggregate_to_kv_heads(q, 2, 8, 2, "max"),
            (std::vector<double>{0.3, 0.5, 0.0, 0.4}));
  const auto sums = slkv::compile::aggregate_to_kv_heads(q, 2, 8, 2, "sum");
  ASSERT_EQ(sums.size(), 4u);
  EXPECT_DOUBLE_EQ(sums[0], 0.6);
  EXPECT_DOUBLE_EQ(sums[1], 0.5);
  EXPECT_DOUBLE_EQ(sums[2], 0.0);
  EXPECT_DOUBLE_EQ(sums[3], 1.0);
  // A KV-granularity plan equals a query-granularity plan of the pre-aggregated scores.
  for (const std::string how : {"sum", "max"}) {
    const auto scores = random_scores(6, 32, 11);
    auto o = tokens("surfacelogic", 256, "kv");
    o.gqa = how;
    const auto kv_plan = compile_plan(scores, shape(6, 32, 8), o);
    const auto agg = slkv::compile::aggregate_to_kv_heads(scores.direct, 6, 32, 8, how);
    const auto q_plan =
        compile_plan(make_scores(6, 8, agg), shape(6, 8, 8), tokens("surfacelogic", 256, "query"));
    EXPECT_EQ(kv_plan.caps, q_plan.caps) << how;
  }
}

TEST(AllocationProperties, PromptLengthClampKeepsTotals) {
  const auto scores = random_scores(4, 8, 5);
  auto o = tokens("surfacelogic", 200);
  o.prompt_tokens = 260;  // caps <= 252 beyond the window
  o.min_cap = 10;
  const auto plan = compile_plan(scores, shape(4, 8, 8), o);
  EXPECT_EQ(total(plan), 32.0 * 192.0);
  for (const auto& layer : plan.caps) {
    for (double c : layer) {
      EXPECT_LE(c, 252.0);
      EXPECT_GE(c, 10.0);
    }
  }
  // Without the clamp some head would exceed it, so the clamp really acted.
  o.prompt_tokens.reset();
  const auto free_plan = compile_plan(scores, shape(4, 8, 8), o);
  double max_cap = 0;
  for (const auto& layer : free_plan.caps) {
    for (double c : layer) max_cap = std::max(max_cap, c);
  }
  EXPECT_GT(max_cap, 252.0);
}

TEST(AllocationProperties, RatioSharesSumToOneAndTrackTokenCaps) {
  const auto scores = random_scores(4, 8, 9);
  CompileOptions o;
  o.budget_ratio = 0.1;
  const auto plan = compile_plan(scores, shape(4, 8, 4), o);
  EXPECT_NEAR(total(plan), 1.0, 1e-12);
  // At a large budget the floors hardly matter: shares x pool ~ token caps.
  const auto big = compile_plan(scores, shape(4, 8, 4), tokens("surfacelogic", 100008));
  for (size_t l = 0; l < 4; ++l) {
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(plan.caps[l][k] * 16 * 100000, big.caps[l][k], 0.002 * 100000);
    }
  }
}

TEST(AllocationProperties, PyramidAndAdaKvFollowTheirFormulas) {
  const auto scores = random_scores(5, 4, 2);
  const auto p = compile_plan(scores, shape(5, 4, 4), tokens("pyramid", 128));
  // B = 120, min = 6, max = 234, step = 228 // 4 = 57.
  for (int64_t l = 0; l < 5; ++l) {
    for (double c : p.caps[l]) EXPECT_EQ(c, 234.0 - 57.0 * static_cast<double>(l));
  }
  const auto a = compile_plan(scores, shape(5, 4, 4), tokens("adakv", 128));
  for (const auto& layer : a.caps) {
    for (double c : layer) EXPECT_EQ(c, 120.0);
  }
  EXPECT_EQ(a.method_params.at("floor").get<double>(), 24.0);
}

}  // namespace

namespace {

// random: surfacelogic's caps shuffled within each layer by the seed; layer totals and the
// multiset of caps per layer unchanged, the assignment to heads changed.
TEST(AllocationProperties, RandomControlShufflesSurfacelogicCapsWithinLayers) {
  const ScoreInput scores = random_scores(6, 8, 41);
  const auto sl = compile_plan(scores, shape(6, 8, 8), tokens("surfacelogic", 96));
  CompileOptions o = tokens("random", 96);
  o.seed = 7;
  const auto r7 = compile_plan(scores, shape(6, 8, 8), o);
  o.seed = 8;
  const auto r8 = compile_plan(scores, shape(6, 8, 8), o);
  EXPECT_EQ(r7.method, "random");
  bool moved = false;
  for (size_t l = 0; l < sl.caps.size(); ++l) {
    auto a = sl.caps[l], b = r7.caps[l];
    moved = moved || a != b;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b) << "layer " << l;
  }
  EXPECT_TRUE(moved);
  EXPECT_NE(r7.caps, r8.caps);
  EXPECT_EQ(r7.caps, compile_plan(scores, shape(6, 8, 8),
                                  [&] {
                                    CompileOptions again = tokens("random", 96);
                                    again.seed = 7;
                                    return again;
                                  }())
                         .caps);
}

TEST(AllocationProperties, StreamingIsUniformCapsWithSinksRecorded) {
  CompileOptions o = tokens("streaming", 64);
  o.sink_tokens = 6;
  const auto p = compile_plan(random_scores(3, 4, 2), shape(3, 4, 4), o);
  for (const auto& layer : p.caps)
    for (double c : layer) EXPECT_EQ(c, 64 - 8);
  EXPECT_EQ(p.method_params.at("sink_tokens"), 6);
}

}  // namespace
