#include "profile/bootstrap.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace {

using slkv::probes::NeedleFamily;
using slkv::profile::BootstrapOptions;
using slkv::profile::LabelMode;
using slkv::profile::LabelOptions;
using slkv::profile::PerProbeStats;
using slkv::profile::ScoreKind;
using slkv::profile::ScoreOptions;

// One probe whose every per-head array holds `values` (one value per head).
void add_probe(PerProbeStats& t, NeedleFamily family, bool success,
               const std::vector<float>& values) {
  slkv::profile::ProbeHeadValues v;
  v.n_steps = 1;
  v.n_needle_tokens = 1;
  v.success = success;
  for (auto* f : {&v.copy_count, &v.surface, &v.logic, &v.retrieval_reasoning, &v.dist, &v.ignore,
                  &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
    *f = values;
  }
  for (auto* f : {&v.tp, &v.fp, &v.fn, &v.tn}) f->assign(values.size(), 0);
  slkv::profile::ProbeRecord r;
  r.family = family;
  t.append(r, v);
}

LabelOptions absolute(double tau) {
  LabelOptions o;
  o.mode = LabelMode::kAbsolute;
  o.tau_surface = tau;
  o.tau_logic = tau;
  o.tau_ignoring = tau;
  return o;
}

TEST(Bootstrap, PercentileIntervalByNearestRank) {
  std::vector<float> v(100);
  std::iota(v.begin(), v.end(), 0.0f);
  std::reverse(v.begin(), v.end());
  // a = 0.05: lo = v[floor(0.05 * 99)] = v[4], hi = v[ceil(0.95 * 99)] = v[95].
  const auto [lo, hi] = slkv::profile::percentile_interval(v, 0.90);
  EXPECT_EQ(lo, 4.0);
  EXPECT_EQ(hi, 95.0);
  std::vector<float> one{0.25f};
  EXPECT_EQ(slkv::profile::percentile_interval(one, 0.95), std::make_pair(0.25, 0.25));
}

// Values that do not vary across probes: every resample gives the same scores and labels, so
// intervals have zero width and keep shares are exactly 0 or 1.
TEST(Bootstrap, ConstantEvidenceGivesZeroWidthIntervals) {
  PerProbeStats t(1, 4);
  for (int i = 0; i < 12; ++i) add_probe(t, NeedleFamily::kSurface, true, {0.9f, 0.1f, 0.6f, 0.2f});
  const auto c = slkv::profile::bootstrap_labels(t, {}, absolute(0.5), {200, 3, 0.95});
  EXPECT_EQ(c.n_resamples, 200);
  EXPECT_EQ(c.logic_variant, "probe");
  for (int h = 0; h < 4; ++h) {
    const auto& iv = c.interval(ScoreKind::kSurface);
    EXPECT_FLOAT_EQ(iv.lo[h], iv.hi[h]);
  }
  EXPECT_FLOAT_EQ(c.interval(ScoreKind::kSurface).lo[0], 0.9f);
  EXPECT_EQ(c.keep_surface, (std::vector<float>{1, 0, 1, 0}));
  EXPECT_EQ(c.keep_ignoring, (std::vector<float>{1, 0, 1, 0}));
  // No logic probe: S_logic is 0 in every resample, no head ever carries the flag.
  EXPECT_EQ(c.keep_logic, (std::vector<float>{0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(c.flag_share_lo[0], 0.5);
  EXPECT_DOUBLE_EQ(c.flag_share_hi[0], 0.5);
}

// A mean of n = 400 values, half 1 and half 0: the bootstrap distribution of the mean is
// Binomial(400, 1/2) / 400, whose 2.5% and 97.5% quantiles are 180/400 = 0.45 and
// 220/400 = 0.55 (exact binomial; 0.5 -/+ 1.96 * 0.025); a head is flagged at tau = 0.542 when
// the mean is >= 217/400, P(Bin >= 217) = 0.0494.
TEST(Bootstrap, BernoulliMeanHasTheBinomialInterval) {
  PerProbeStats t(1, 1);
  for (int i = 0; i < 400; ++i) add_probe(t, NeedleFamily::kSurface, true, {i % 2 ? 1.0f : 0.0f});
  const auto c = slkv::profile::bootstrap_labels(t, {}, absolute(0.542), {4000, 1, 0.95});
  const auto& iv = c.interval(ScoreKind::kSurface);
  EXPECT_NEAR(iv.lo[0], 0.45, 0.0051);  // within two grid steps of 1/400
  EXPECT_NEAR(iv.hi[0], 0.55, 0.0051);
  EXPECT_NEAR(c.keep_surface[0], 0.0494, 0.012);  // Monte Carlo error ~0.0034
}

// Stratified by family: the family mix is the same in every resample, so a score that only
// depends on it (S_ignore over all probes, 1 on surface probes and 0 on logic probes) does not
// move, while the same values resampled without strata would.
TEST(Bootstrap, ResamplesWithinFamilies) {
  PerProbeStats t(1, 1);
  for (int i = 0; i < 30; ++i) add_probe(t, NeedleFamily::kSurface, true, {1.0f});
  for (int i = 0; i < 10; ++i) add_probe(t, NeedleFamily::kLogic, true, {0.0f});
  const auto c = slkv::profile::bootstrap_labels(t, {}, absolute(0.5), {300, 9, 0.95});
  EXPECT_FLOAT_EQ(c.interval(ScoreKind::kIgnore).lo[0], 0.75f);
  EXPECT_FLOAT_EQ(c.interval(ScoreKind::kIgnore).hi[0], 0.75f);
}

TEST(Bootstrap, SeededAndReproducible) {
  PerProbeStats t(2, 3);
  for (int i = 0; i < 40; ++i) {
    std::vector<float> v(6);
    for (int h = 0; h < 6; ++h) v[h] = static_cast<float>(((i * 7 + h * 13) % 17) / 17.0);
    add_probe(t, i % 3 ? NeedleFamily::kSurface : NeedleFamily::kLogic, i % 4 != 0, v);
  }
  LabelOptions quantile;  // defaults: the paper's shares
  const auto a = slkv::profile::bootstrap_labels(t, {}, quantile, {100, 5, 0.9});
  const auto b = slkv::profile::bootstrap_labels(t, {}, quantile, {100, 5, 0.9});
  const auto other = slkv::profile::bootstrap_labels(t, {}, quantile, {100, 6, 0.9});
  EXPECT_EQ(a.keep_surface, b.keep_surface);
  EXPECT_EQ(a.interval(ScoreKind::kLogic).lo, b.interval(ScoreKind::kLogic).lo);
  EXPECT_NE(a.interval(ScoreKind::kSurface).lo, other.interval(ScoreKind::kSurface).lo);
  for (size_t h = 0; h < 6; ++h) {
    EXPECT_LE(a.interval(ScoreKind::kSurface).lo[h], a.interval(ScoreKind::kSurface).hi[h]);
  }
}

TEST(Bootstrap, RejectsBadInput) {
  PerProbeStats empty(1, 1);
  EXPECT_THROW(slkv::profile::bootstrap_labels(empty, {}, {}, {}), slkv::Error);
  PerProbeStats t(1, 1);
  add_probe(t, NeedleFamily::kSurface, true, {0.5f});
  EXPECT_THROW(slkv::profile::bootstrap_labels(t, {}, {}, {0, 0, 0.95}), slkv::Error);
  EXPECT_THROW(slkv::profile::bootstrap_labels(t, {}, {}, {10, 0, 1.0}), slkv::Error);
}

}  // namespace
