// Plan serialisation: canonical bytes, round trip, checksum and validation messages.
#include "runtime/plan_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "common/test_env.hpp"
#include "plan_fixture.hpp"

namespace slkv::runtime {
namespace {

using ::testing::HasSubstr;

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture text not found: " << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

std::string load_error(const std::string& text) {
  try {
    plan_from_json(text, "plan.json");
  } catch (const PlanError& e) {
    return e.what();
  }
  return "";
}

TEST(RuntimePlanJson, RoundTripIsByteIdentical) {
  for (auto mode : {BudgetMode::kTokens, BudgetMode::kRatio}) {
    Plan plan = test::sample_plan(mode);
    std::string first = plan_to_json(plan);
    Plan back = plan_from_json(first, "plan.json");
    EXPECT_EQ(plan_to_json(back), first);
    EXPECT_EQ(back.caps, plan.caps);
    EXPECT_EQ(back.labels, plan.labels);
    EXPECT_EQ(back.method_params, plan.method_params);
    EXPECT_EQ(back.source.seed, 42u);
    EXPECT_EQ(back.budget_value, plan.budget_value);
  }
}

TEST(RuntimePlanJson, SameInputsSameBytesAndFixedLayout) {
  std::string a = plan_to_json(test::sample_plan());
  std::string b = plan_to_json(test::sample_plan());
  EXPECT_EQ(a, b);
  // Fixed key order and number formatting: these exact lines are part of the format.
  EXPECT_THAT(a, HasSubstr("{\n  \"schema\": \"slkv.budget-plan\",\n  \"version\": 1,\n"));
  EXPECT_THAT(a, HasSubstr("\"budget\": {\"mode\": \"tokens\", \"value\": 24.0, \"min_cap\": 0}"));
  EXPECT_THAT(a, HasSubstr("\"caps\": [\n    [30, 10],\n    [2, 38],\n    [20, 20]\n  ],"));
  EXPECT_THAT(a, HasSubstr("\"params\": {\"alpha\":0.5,\"beta1\":1.351,"));
  EXPECT_THAT(a, HasSubstr("\"checksum\": \"xxh3-128:"));
}

TEST(RuntimePlanJson, ChecksumTracksContentNotWhitespace) {
  std::string text = plan_to_json(test::sample_plan());
  // Reformatting whitespace keeps the content, so the plan still loads.
  std::string spaced = replace_once(text, "\"window\": 4", "\"window\" :   4");
  EXPECT_NO_THROW(plan_from_json(spaced, "plan.json"));
  // Any content change is refused.
  std::string tampered = replace_once(text, "[2, 38]", "[3, 38]");
  EXPECT_THAT(load_error(tampered), HasSubstr("plan.json: checksum mismatch"));
  std::string label = replace_once(text, "\"surface\"", "\"logic\"");
  EXPECT_THAT(load_error(label), HasSubstr("checksum mismatch"));
}

TEST(RuntimePlanJson, RefusesOtherSchemaAndVersion) {
  std::string text = plan_to_json(test::sample_plan());
  EXPECT_THAT(load_error(replace_once(text, "\"version\": 1", "\"version\": 2")),
              HasSubstr("plan.json: schema version 2 is not supported"));
  EXPECT_THAT(load_error(replace_once(text, "slkv.budget-plan", "other")),
              HasSubstr("schema is \"other\""));
}

TEST(RuntimePlanJson, NamesMissingAndMistypedMembers) {
  std::string text = plan_to_json(test::sample_plan());
  EXPECT_THAT(load_error(replace_once(text, "\"head_dim\": 16, ", "")),
              HasSubstr("missing member 'model.head_dim'"));
  EXPECT_THAT(load_error(replace_once(text, "\"window\": 4", "\"window\": \"4\"")),
              HasSubstr("member 'window' has type string"));
  EXPECT_THAT(load_error(replace_once(text, "\"window\": 4", "\"window\": 4, \"extra\": 1")),
              HasSubstr("unknown member 'extra'"));
  EXPECT_THAT(load_error("{\"schema\": "), HasSubstr("plan.json: not valid JSON"));
  EXPECT_THAT(load_error("[1, 2]"), HasSubstr("top level must be a JSON object"));
}

TEST(RuntimePlanJson, ValidatesShapesAndCaps) {
  Plan p = test::sample_plan();
  p.caps[1].push_back(5);
  EXPECT_THROW(plan_to_json(p), PlanError);
  try {
    validate_plan(p, "x");
    FAIL() << "expected PlanError";
  } catch (const PlanError& e) {
    EXPECT_THAT(e.what(), HasSubstr("caps[1] has 3 heads, expected 2 (kv_head)"));
  }
  p = test::sample_plan();
  p.caps[0][1] = -1;
  EXPECT_THROW(validate_plan(p, "x"), PlanError);
  p.caps[0][1] = 2.5;  // tokens mode caps are integers
  EXPECT_THROW(validate_plan(p, "x"), PlanError);
  p.caps[0][1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(validate_plan(p, "x"), PlanError);
  p = test::sample_plan();
  p.min_cap = 5;  // caps[1][0] = 2 is below the floor
  EXPECT_THROW(validate_plan(p, "x"), PlanError);
  p = test::sample_plan();
  p.model.n_heads = 7;  // not a multiple of n_kv_heads
  EXPECT_THROW(validate_plan(p, "x"), PlanError);
  p = test::sample_plan();
  p.labels.pop_back();
  EXPECT_THROW(validate_plan(p, "x"), PlanError);
  p = test::sample_plan(BudgetMode::kRatio);
  for (auto& row : p.caps)
    for (auto& c : row) c = 0;
  EXPECT_THROW(validate_plan(p, "x"), PlanError);  // ratio plans need a positive share
  p = test::sample_plan();
  p.pooling_kernel = 4;
  EXPECT_THROW(validate_plan(p, "x"), PlanError);
}

TEST(RuntimePlanJson, QueryGranularityUsesQueryHeads) {
  Plan p = test::sample_plan();
  p.granularity = Granularity::kQueryHead;
  p.gqa_aggregation = "none";
  p.caps.assign(3, std::vector<double>(8, 12));
  p.labels.clear();
  std::string text = plan_to_json(p);
  EXPECT_THAT(text, HasSubstr("\"labels\": []"));
  Plan back = plan_from_json(text, "q.json");
  EXPECT_EQ(back.n_plan_heads(), 8);
  EXPECT_EQ(plan_to_json(back), text);
}

}  // namespace
}  // namespace slkv::runtime

namespace slkv::runtime {
namespace {

// The committed example (used by the consumer tests and docs) is exactly what the serializer
// writes today: a format change must be deliberate.
TEST(RuntimePlanJson, CommittedSamplePlanIsCurrent) {
  std::ifstream f(test::source_dir() / "tests/runtime/golden/sample_plan.json");
  ASSERT_TRUE(f.good());
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, plan_to_json(test::sample_plan()));
}

}  // namespace
}  // namespace slkv::runtime
