// The optional per-head label confidence of a plan: written only when present (older plans keep
// their bytes and checksum), read back exactly, covered by the checksum, and validated.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "plan_fixture.hpp"
#include "runtime/plan_json.hpp"

namespace slkv::runtime {
namespace {

using ::testing::HasSubstr;

Plan with_confidence() {
  Plan p = test::sample_plan();
  p.confidence = {{0.75, 1.0}, {0.5, 0.125}, {1.0, 0.0}};
  return p;
}

std::string load_error(const std::string& text) {
  try {
    plan_from_json(text, "plan.json");
  } catch (const PlanError& e) {
    return e.what();
  }
  return "";
}

TEST(RuntimePlanConfidence, AbsentMemberLeavesThePlanAsBefore) {
  const std::string text = plan_to_json(test::sample_plan());
  EXPECT_EQ(text.find("confidence"), std::string::npos);
  EXPECT_TRUE(plan_from_json(text, "old.json").confidence.empty());
}

TEST(RuntimePlanConfidence, RoundTripsAfterTheLabelsAndIsChecksummed) {
  const Plan p = with_confidence();
  const std::string text = plan_to_json(p);
  EXPECT_THAT(text, HasSubstr("\"confidence\": [\n    [0.75, 1.0],\n    [0.5, 0.125],\n"
                              "    [1.0, 0.0]\n  ],\n  \"checksum\""));
  const Plan back = plan_from_json(text, "plan.json");
  EXPECT_EQ(back.confidence, p.confidence);
  EXPECT_EQ(plan_to_json(back), text);
  EXPECT_NE(plan_checksum(p), plan_checksum(test::sample_plan()));
  // Editing a value (to another valid share) breaks the checksum.
  std::string edited = text;
  edited.replace(edited.find("[0.5, 0.125]"), 12, "[0.5, 0.250]");
  EXPECT_THAT(load_error(edited), HasSubstr("checksum mismatch"));
}

TEST(RuntimePlanConfidence, ValidatesShapeRangeAndLabels) {
  Plan p = with_confidence();
  p.confidence[1][1] = 1.5;
  EXPECT_THAT([&] { validate_plan(p, "x.json"); },
              ::testing::ThrowsMessage<PlanError>(HasSubstr("confidence[1][1] = 1.5")));
  p = with_confidence();
  p.confidence[2][0] = -0.1;
  EXPECT_THROW(validate_plan(p, "x.json"), PlanError);
  p = with_confidence();
  p.confidence.pop_back();
  EXPECT_THAT([&] { validate_plan(p, "x.json"); },
              ::testing::ThrowsMessage<PlanError>(HasSubstr("confidence has 2 layers")));
  p = with_confidence();
  p.confidence[0].push_back(1.0);
  EXPECT_THROW(validate_plan(p, "x.json"), PlanError);
  p = with_confidence();
  p.labels.clear();
  EXPECT_THAT([&] { validate_plan(p, "x.json"); },
              ::testing::ThrowsMessage<PlanError>(HasSubstr("confidence needs labels")));
  // In a file: a non-number and an empty array are named.
  const std::string text = plan_to_json(with_confidence());
  std::string bad = text;
  bad.replace(bad.find("[0.75, 1.0]"), 11, "[\"high\", 1.0]");
  EXPECT_THAT(load_error(bad), HasSubstr("confidence[0][0] is not a number"));
  bad = text;
  const size_t at = bad.find("\"confidence\": [");
  bad.replace(at, bad.find("],\n  \"checksum\"") + 1 - at, "\"confidence\": []");
  EXPECT_THAT(load_error(bad), HasSubstr("confidence is empty"));
}

}  // namespace
}  // namespace slkv::runtime
