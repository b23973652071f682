// The default importance for profile scores and the --explain label counts.

#include "compile/importance.hpp"

#include <gtest/gtest.h>

#include "compile/compiler.hpp"

namespace {

using namespace slkv::compile;

HeadScores profile_2x2() {
  HeadScores s;
  s.n_layers = 1;
  s.n_heads = 4;
  s.kind = "profile";
  s.source_path = "profile.h5";
  s.logic = {0.6, 0.2, 0.2, 0.0};    // norm: 0.6, 0.2, 0.2, 0
  s.surface = {0.0, 0.5, 0.0, 0.5};  // norm: 0, 0.5, 0, 0.5
  s.ignore = {0.1, 0.9, 0.99, 0.99};
  s.flags = {kFlagLogic, kFlagSurface | kFlagIgnoring, kFlagIgnoring, kFlagSurface};
  return s;
}

TEST(Importance, ProfileUsesNormalisedLogicPlusAlphaSurface) {
  const auto s = query_head_importance(profile_2x2(), 0.5);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_DOUBLE_EQ(s[0], 0.6);
  EXPECT_DOUBLE_EQ(s[1], 0.2 + 0.25);  // surface + ignoring: not "only ignoring"
  EXPECT_DOUBLE_EQ(s[2], 0.0);         // only ignoring -> 0 although S_logic = 0.2
  EXPECT_DOUBLE_EQ(s[3], 0.25);
  const auto s2 = query_head_importance(profile_2x2(), 2.0);
  EXPECT_DOUBLE_EQ(s2[3], 1.0);
}

TEST(Importance, LineageScoreIsTheImportance) {
  HeadScores s;
  s.n_layers = 1;
  s.n_heads = 3;
  s.kind = "lineage";
  s.direct = {0.5, 0.0, 2.0};
  EXPECT_EQ(query_head_importance(s, 0.5), s.direct);
}

TEST(Importance, ExplainCountsLabelsAndPlanCarriesThem) {
  const auto scores = profile_2x2();
  CompileOptions o;
  o.budget_tokens = 64;
  o.granularity = "query";
  const auto plan = compile_plan(scores, {1, 4, 2, 32, "", ""}, o);
  ASSERT_EQ(plan.labels.size(), 1u);
  EXPECT_EQ(plan.labels[0], (std::vector<std::string>{"logic", "surface", "ignoring", "surface"}));
  const auto text = explain_plan(plan, scores);
  EXPECT_NE(text.find("surface logic ignoring distracted"), std::string::npos) << text;
  EXPECT_NE(text.find("        2     1        1          0"), std::string::npos) << text;
}

TEST(Importance, AllZeroScoresGiveUniformCaps) {
  HeadScores s;
  s.n_layers = 3;
  s.n_heads = 4;
  s.kind = "lineage";
  s.direct.assign(12, 0.0);
  CompileOptions o;
  o.budget_tokens = 77;
  const auto plan = compile_plan(s, {3, 4, 4, 32, "", ""}, o);
  for (const auto& layer : plan.caps) {
    for (double c : layer) EXPECT_EQ(c, 69.0);
  }
}

TEST(Importance, PyramidClampsItsLargestLayerToThePrompt) {
  HeadScores s;
  s.n_layers = 3;
  s.n_heads = 2;
  s.kind = "lineage";
  s.direct.assign(6, 1.0);
  CompileOptions o;
  o.method = "pyramid";
  o.budget_tokens = 108;  // B = 100: min 5, max 195
  o.prompt_tokens = 158;  // T - w = 150 < 195: max 150, min 50, step 50
  const auto plan = compile_plan(s, {3, 2, 2, 32, "", ""}, o);
  EXPECT_EQ(plan.caps[0], (std::vector<double>{150, 150}));
  EXPECT_EQ(plan.caps[1], (std::vector<double>{100, 100}));
  EXPECT_EQ(plan.caps[2], (std::vector<double>{50, 50}));
}

}  // namespace
