// slkv-compile's optional per-head confidence: from a profile's bootstrap label confidence, the
// share of resamples in which each plan head keeps its plan label (a lower bound for KV heads
// and for unflagged heads), and none without a stored bootstrap.
#include <gtest/gtest.h>

#include "compile/compiler.hpp"
#include "core/error.hpp"
#include "runtime/plan_json.hpp"

namespace {

using slkv::compile::CompileOptions;
using slkv::compile::ModelShape;
using slkv::compile::ScoreInput;
using slkv::profile::HeadLabel;

// 2 layers x 4 query heads, 2 KV heads (groups {0,1} and {2,3}).
ScoreInput profile_2x4() {
  ScoreInput s;
  s.n_layers = 2;
  s.n_heads = 4;
  s.kind = "profile";
  s.scores.n_layers = 2;
  s.scores.n_query_heads = 4;
  s.scores.surface = {0.9f, 0, 0, 0, 0, 0.2f, 0, 0};
  s.scores.logic = {0, 0, 0, 0, 0, 0, 0.7f, 0.6f};
  s.scores.retrieval_reasoning.assign(8, 0);
  s.scores.ignore.assign(8, 0.5f);
  const auto L = [](HeadLabel l) { return static_cast<uint8_t>(l); };
  s.labels.n_layers = 2;
  s.labels.n_query_heads = 4;
  s.labels.primary = {L(HeadLabel::kSurface),    L(HeadLabel::kIgnoring), L(HeadLabel::kIgnoring),
                      L(HeadLabel::kDistracted), L(HeadLabel::kIgnoring), L(HeadLabel::kIgnoring),
                      L(HeadLabel::kLogic),      L(HeadLabel::kLogic)};
  s.labels.flags = {1, 4, 4, 0, 4, 4, 2, 2};
  auto& c = s.confidence;
  c.n_layers = 2;
  c.n_query_heads = 4;
  c.n_resamples = 1000;
  c.level = 0.95;
  c.keep_surface = {0.8f, 0.1f, 0, 0.25f, 0, 0.5f, 0, 0};
  c.keep_logic = {0, 0.05f, 0, 0.5f, 0, 0.75f, 0.625f, 0.875f};
  c.keep_ignoring = {0, 0.9f, 1, 0.25f, 1, 0, 0, 0};
  s.source_path = "p.h5";
  s.source_hash = "abc";
  s.probe_set = "probe_config:x";
  return s;
}

const ModelShape kShape{2, 4, 2, 64, "llama", ""};

CompileOptions opts(const char* granularity) {
  CompileOptions o;
  o.budget_tokens = 64;
  o.granularity = granularity;
  return o;
}

TEST(CompilePlanConfidence, QueryHeadsKeepTheShareOfTheirLabel) {
  const auto plan = slkv::compile::compile_plan(profile_2x4(), kShape, opts("query"));
  ASSERT_EQ(plan.confidence.size(), 2u);
  // surface 0.8; ignoring 1 - 0.1 - 0.05; ignoring 1; distracted 1 - 0.25 - 0.5.
  EXPECT_NEAR(plan.confidence[0][0], 0.8, 1e-6);
  EXPECT_NEAR(plan.confidence[0][1], 0.85, 1e-6);
  EXPECT_NEAR(plan.confidence[0][2], 1.0, 1e-6);
  EXPECT_NEAR(plan.confidence[0][3], 0.25, 1e-6);
  // ignoring 1; ignoring max(0, 1 - 0.5 - 0.75) = 0; logic 0.625 and 0.875.
  EXPECT_NEAR(plan.confidence[1][0], 1.0, 1e-6);
  EXPECT_NEAR(plan.confidence[1][1], 0.0, 1e-6);
  EXPECT_NEAR(plan.confidence[1][2], 0.625, 1e-6);
  EXPECT_NEAR(plan.confidence[1][3], 0.875, 1e-6);
  // The runtime loads it back unchanged.
  const auto back = slkv::runtime::plan_from_json(slkv::runtime::plan_to_json(plan), "q.json");
  EXPECT_EQ(back.confidence, plan.confidence);
}

TEST(CompilePlanConfidence, KvHeadsTakeTheBestCarrierOrTheWeakestUnflaggedHead) {
  const auto plan = slkv::compile::compile_plan(profile_2x4(), kShape, opts("kv"));
  ASSERT_EQ(plan.labels[0][0], "surface");  // query head 0 carries it: 0.8
  EXPECT_NEAR(plan.confidence[0][0], 0.8, 1e-6);
  ASSERT_EQ(plan.labels[0][1], "distracted");  // min(1, 0.25)
  EXPECT_NEAR(plan.confidence[0][1], 0.25, 1e-6);
  ASSERT_EQ(plan.labels[1][0], "ignoring");  // min(1, 0)
  EXPECT_NEAR(plan.confidence[1][0], 0.0, 1e-6);
  ASSERT_EQ(plan.labels[1][1], "logic");  // max(0.625, 0.875)
  EXPECT_NEAR(plan.confidence[1][1], 0.875, 1e-6);
}

TEST(CompilePlanConfidence, NoneWithoutABootstrap) {
  ScoreInput s = profile_2x4();
  s.confidence = {};
  EXPECT_TRUE(slkv::compile::compile_plan(s, kShape, opts("kv")).confidence.empty());
  s = profile_2x4();
  s.confidence.keep_logic.pop_back();
  EXPECT_THROW(slkv::compile::compile_plan(s, kShape, opts("kv")), slkv::Error);
}

}  // namespace
