// The token-level variant of S_logic: HeadStats averages InfScore over the marked steps only,
// and compute_scores admits logic probes by variant (hand-built rows and probe tables).

#include <gtest/gtest.h>

#include <numeric>

#include "core/error.hpp"
#include "profile/head_stats.hpp"
#include "profile/scores.hpp"

namespace {

using slkv::probes::NeedleFamily;
using slkv::profile::LogicVariant;
using slkv::profile::PerProbeStats;
using slkv::profile::ScoreOptions;

// A row over n keys with `mass` spread evenly on [begin, end) and the rest evenly elsewhere.
std::vector<float> row_with_mass(int n, int begin, int end, double mass) {
  std::vector<float> row(static_cast<size_t>(n));
  for (int p = 0; p < n; ++p) {
    row[static_cast<size_t>(p)] = static_cast<float>(
        p >= begin && p < end ? mass / (end - begin) : (1.0 - mass) / (n - (end - begin)));
  }
  return row;
}

TEST(LogicTokenVariant, AveragesInfScoreOverMarkedStepsOnly) {
  std::vector<int32_t> tokens(30);
  std::iota(tokens.begin(), tokens.end(), 100);
  const std::vector<slkv::probes::Span> n_spans{{10, 14}};
  slkv::profile::HeadStatsOptions o;
  o.top_k = 6;  // 4 needle keys + 2 others when N leads, so InfScore varies with the mass
  slkv::profile::HeadStats stats(1, 1, o);
  stats.begin_probe({tokens, n_spans, {}});
  const double mass[3] = {0.9, 0.05, 0.6};
  double inf[3];
  for (int step = 0; step < 3; ++step) {
    const auto row = row_with_mass(30 + step, 10, 14, mass[step]);
    inf[step] = stats.row_stats(step, row).inf_score;
    stats.mark_step(step, step != 1);  // the argmax missed the gold token at step 1
    stats.observe(0, 0, step, row, 7);
  }
  ASSERT_GT(inf[0], inf[1]);  // the rows really differ
  const auto v = stats.end_probe(false);
  EXPECT_EQ(v.n_token_ok, 2);
  EXPECT_NEAR(v.logic[0], (inf[0] + inf[1] + inf[2]) / 3, 1e-6);
  EXPECT_NEAR(v.logic_token[0], (inf[0] + inf[2]) / 2, 1e-6);

  // No marked step: no token-level evidence.
  stats.begin_probe({tokens, n_spans, {}});
  stats.observe(0, 0, 0, row_with_mass(30, 10, 14, 0.9), 7);
  const auto none = stats.end_probe(true);
  EXPECT_EQ(none.n_token_ok, 0);
  EXPECT_EQ(none.logic_token[0], 0.0f);
  EXPECT_THROW(stats.mark_step(0, true), slkv::Error);  // outside a probe
}

void add(PerProbeStats& t, NeedleFamily family, bool success, int64_t n_token_ok, float logic,
         float logic_token) {
  slkv::profile::ProbeHeadValues v;
  v.n_steps = 2;
  v.n_needle_tokens = 3;
  v.success = success;
  v.n_token_ok = n_token_ok;
  for (auto* f : {&v.copy_count, &v.surface, &v.retrieval_reasoning, &v.dist, &v.ignore, &v.wtp,
                  &v.wfp, &v.wfn, &v.wtn}) {
    f->assign(1, 0.25f);
  }
  v.logic = {logic};
  v.logic_token = {logic_token};
  for (auto* f : {&v.tp, &v.fp, &v.fn, &v.tn}) f->assign(1, 0);
  slkv::profile::ProbeRecord r;
  r.family = family;
  t.append(r, v);
}

TEST(LogicTokenVariant, ScoresAdmitProbesByVariant) {
  PerProbeStats t(1, 1);
  add(t, NeedleFamily::kLogic, false, 2, 0.1f, 0.8f);   // failed, two gold-token steps
  add(t, NeedleFamily::kLogic, true, 0, 0.5f, 0.0f);    // succeeded, no gold-token step
  add(t, NeedleFamily::kSurface, true, 3, 0.9f, 0.9f);  // never enters S_logic

  ScoreOptions probe;
  const auto sp = slkv::profile::compute_scores(t, probe);
  EXPECT_EQ(sp.logic_variant, LogicVariant::kProbe);
  EXPECT_FLOAT_EQ(sp.logic[0], 0.5f);
  EXPECT_EQ(sp.n_probes_logic, 1);

  ScoreOptions token;
  token.logic_variant = LogicVariant::kToken;
  const auto st = slkv::profile::compute_scores(t, token);
  EXPECT_EQ(st.logic_variant, LogicVariant::kToken);
  EXPECT_FLOAT_EQ(st.logic[0], 0.8f);
  EXPECT_EQ(st.n_probes_logic, 1);
  EXPECT_FLOAT_EQ(st.surface[0], sp.surface[0]);  // the other scores do not change

  // auto: one success, one token-level probe: no gain, the probe variant stays.
  ScoreOptions automatic;
  automatic.logic_variant = LogicVariant::kAuto;
  EXPECT_EQ(slkv::profile::compute_scores(t, automatic).logic_variant, LogicVariant::kProbe);
  add(t, NeedleFamily::kLogic, false, 1, 0.2f, 0.4f);
  const auto sa = slkv::profile::compute_scores(t, automatic);
  EXPECT_EQ(sa.logic_variant, LogicVariant::kToken);  // 1 success < 5, 2 token-level probes
  EXPECT_FLOAT_EQ(sa.logic[0], 0.6f);
  EXPECT_EQ(sa.n_probes_logic, 2);
  automatic.min_logic_probes = 1;  // enough successes for METHOD.md's definition
  EXPECT_EQ(slkv::profile::compute_scores(t, automatic).logic_variant, LogicVariant::kProbe);
}

TEST(LogicTokenVariant, NeedsTokenValues) {
  PerProbeStats t(1, 1);
  add(t, NeedleFamily::kLogic, true, 1, 0.5f, 0.5f);
  t.logic_token.clear();  // as read from a profile written before the variant existed
  ScoreOptions token;
  token.logic_variant = LogicVariant::kToken;
  EXPECT_THROW(slkv::profile::compute_scores(t, token), slkv::Error);
  token.logic_variant = LogicVariant::kAuto;
  EXPECT_EQ(slkv::profile::compute_scores(t, token).logic_variant, LogicVariant::kProbe);
  EXPECT_EQ(slkv::profile::parse_logic_variant("token"), LogicVariant::kToken);
  EXPECT_THROW(slkv::profile::parse_logic_variant("tokens"), slkv::Error);
}

}  // namespace
