#include "profile/scores.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"

namespace {

using slkv::probes::NeedleFamily;
using slkv::profile::PerProbeStats;
using slkv::profile::ProbeHeadValues;
using slkv::profile::ProbeRecord;

// Per-probe values for 2 heads where every array holds `a` for head 0 and `b` for head 1.
ProbeHeadValues values(float a, float b, bool success, bool has_d) {
  ProbeHeadValues v;
  v.n_steps = 1;
  v.n_needle_tokens = 3;
  v.success = success;
  v.has_distractors = has_d;
  for (auto* f : {&v.copy_count, &v.surface, &v.logic, &v.retrieval_reasoning, &v.dist, &v.ignore,
                  &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
    *f = {a, b};
  }
  for (auto* f : {&v.tp, &v.fp, &v.fn, &v.tn}) *f = {1, 2};
  return v;
}

ProbeRecord record(NeedleFamily family) {
  ProbeRecord r;
  r.family = family;
  return r;
}

TEST(Scores, MeansOverTheProbesEachScoreAdmits) {
  PerProbeStats stats(1, 2);
  stats.append(record(NeedleFamily::kSurface), values(0.2f, 0.0f, true, true));
  stats.append(record(NeedleFamily::kLogic), values(0.6f, 0.4f, true, true));
  stats.append(record(NeedleFamily::kLogic), values(1.0f, 1.0f, false, true));     // failed
  stats.append(record(NeedleFamily::kSurface), values(0.0f, 0.8f, false, false));  // failed
  const auto s = slkv::profile::compute_scores(stats);
  ASSERT_EQ(s.surface.size(), 2u);
  // Surface and retrieval-reasoning: successful probes 0 and 1.
  EXPECT_FLOAT_EQ(s.surface[0], 0.4f);
  EXPECT_FLOAT_EQ(s.surface[1], 0.2f);
  EXPECT_FLOAT_EQ(s.retrieval_reasoning[0], 0.4f);
  EXPECT_EQ(s.n_probes_surface, 2);
  EXPECT_EQ(s.n_probes_retrieval_reasoning, 2);
  // Logic: successful logic probes only (probe 1).
  EXPECT_FLOAT_EQ(s.logic[0], 0.6f);
  EXPECT_FLOAT_EQ(s.logic[1], 0.4f);
  EXPECT_EQ(s.n_probes_logic, 1);
  // Ignore: every probe, failed ones included.
  EXPECT_FLOAT_EQ(s.ignore[0], (0.2f + 0.6f + 1.0f + 0.0f) / 4);
  EXPECT_FLOAT_EQ(s.ignore[1], (0.0f + 0.4f + 1.0f + 0.8f) / 4);
  EXPECT_EQ(s.n_probes_ignore, 4);
}

TEST(Scores, NoSuccessfulProbeGivesZeroWithZeroCount) {
  PerProbeStats stats(1, 2);
  stats.append(record(NeedleFamily::kSurface), values(0.5f, 0.5f, false, true));
  const auto s = slkv::profile::compute_scores(stats);
  EXPECT_EQ(s.n_probes_surface, 0);
  EXPECT_EQ(s.n_probes_logic, 0);
  EXPECT_EQ(s.surface, (std::vector<float>{0.0f, 0.0f}));
  EXPECT_EQ(s.logic, (std::vector<float>{0.0f, 0.0f}));
  EXPECT_EQ(s.ignore, (std::vector<float>{0.5f, 0.5f}));
}

TEST(Scores, ShapeMismatchIsAnError) {
  PerProbeStats stats(2, 2);
  EXPECT_THROW(stats.append(record(NeedleFamily::kSurface), values(0, 0, true, true)), slkv::Error);
  PerProbeStats broken(1, 2);
  broken.append(record(NeedleFamily::kSurface), values(0, 0, true, true));
  broken.logic.pop_back();
  EXPECT_THROW(slkv::profile::compute_scores(broken), slkv::Error);
}

TEST(Success, LongBenchNormalisation) {
  using slkv::profile::normalize_answer;
  EXPECT_EQ(normalize_answer("The Cat,  a DOG!"), "cat dog");
  EXPECT_EQ(normalize_answer("  An apple's 4,817 "), "apples 4817");
  EXPECT_EQ(normalize_answer("theatre"), "theatre");  // articles only as whole words
  EXPECT_EQ(normalize_answer("..."), "");
}

TEST(Success, TokenF1) {
  using slkv::profile::token_f1;
  EXPECT_DOUBLE_EQ(token_f1("The 4,817.", "4817"), 1.0);
  EXPECT_DOUBLE_EQ(token_f1("silver lantern", "silver lantern harbor"), 0.8);
  EXPECT_DOUBLE_EQ(token_f1("nothing here", "4817"), 0.0);
  EXPECT_DOUBLE_EQ(token_f1("", "4817"), 0.0);
  // Repeated tokens count once per occurrence in the gold answer.
  EXPECT_DOUBLE_EQ(token_f1("red red", "red"), 2 * 0.5 * 1.0 / 1.5);
}

TEST(Success, SurfaceNeedlesAlsoPassOnRougeRecall) {
  using slkv::profile::probe_succeeded;
  const char* verbose = "The code that you are looking for is 4817 I think";
  EXPECT_LT(slkv::profile::token_f1(verbose, "4817"), 0.5);
  EXPECT_DOUBLE_EQ(slkv::profile::rouge1_recall(verbose, "4817"), 1.0);
  EXPECT_TRUE(probe_succeeded(NeedleFamily::kSurface, verbose, "4817"));
  EXPECT_FALSE(probe_succeeded(NeedleFamily::kLogic, verbose, "4817"));
  EXPECT_TRUE(probe_succeeded(NeedleFamily::kLogic, "Linux", "linux"));
  EXPECT_FALSE(probe_succeeded(NeedleFamily::kSurface, "Windows", "Linux"));
  // Half the gold tokens recalled is enough; fewer is not.
  EXPECT_TRUE(probe_succeeded(NeedleFamily::kSurface, "it was silver lantern then ok",
                              "silver lantern harbor bell"));
  EXPECT_FALSE(probe_succeeded(NeedleFamily::kSurface, "it was silver then ok fine",
                               "silver lantern harbor bell"));
}

}  // namespace
