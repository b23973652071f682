// Caps for an actual prompt length: clamping, redistribution, exact totals, ratio mode.
#include "runtime/plan_caps.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "plan_fixture.hpp"

namespace slkv::runtime {
namespace {

std::vector<int64_t> caps_of(const Plan& p, int64_t layer, int64_t t) {
  std::vector<int64_t> out(static_cast<size_t>(p.n_plan_heads()));
  caps_for_length(p, layer, t, out);
  return out;
}

int64_t sum(const std::vector<int64_t>& v) { return std::accumulate(v.begin(), v.end(), 0LL); }

TEST(RuntimePlanCaps, TokensModeUnclampedIsThePlan) {
  Plan p = test::sample_plan();
  EXPECT_EQ(caps_of(p, 0, 1000), (std::vector<int64_t>{30, 10}));
  EXPECT_EQ(caps_of(p, 1, 1000), (std::vector<int64_t>{2, 38}));
}

TEST(RuntimePlanCaps, TokensModeClampGivesOverflowToOthers) {
  Plan p = test::sample_plan();
  // T = 29, window 4: room 25 per head. Layer 0 {30, 10}: head 0 loses 5 to head 1.
  EXPECT_EQ(caps_of(p, 0, 29), (std::vector<int64_t>{25, 15}));
  // Room 15: both saturate, total is what the prompt can hold.
  EXPECT_EQ(caps_of(p, 0, 19), (std::vector<int64_t>{15, 15}));
  // Prompt shorter than the window: nothing beyond it.
  EXPECT_EQ(caps_of(p, 2, 3), (std::vector<int64_t>{0, 0}));
}

TEST(RuntimePlanCaps, ApportionBoundedIsExactAndDeterministic) {
  std::vector<double> w = {1, 1, 1};
  std::vector<int64_t> bounds = {100, 100, 100};
  std::vector<int64_t> out(3);
  apportion_bounded(10, w, bounds, out);
  EXPECT_EQ(out, (std::vector<int64_t>{4, 3, 3}));  // tie goes to the lower index
  w = {0, 0, 0};
  apportion_bounded(5, w, bounds, out);
  EXPECT_EQ(out, (std::vector<int64_t>{2, 2, 1}));  // all-zero weights: uniform
  w = {8, 1, 1};
  bounds = {3, 100, 100};
  apportion_bounded(20, w, bounds, out);
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(sum(out), 20);
  EXPECT_EQ(out[1], out[2] + 1);  // 17 split evenly, lower index first
  bounds = {1, 2, 3};
  apportion_bounded(20, w, bounds, out);
  EXPECT_EQ(out, (std::vector<int64_t>{1, 2, 3}));
}

TEST(RuntimePlanCaps, RatioModeTotalsAreExact) {
  Plan p = test::sample_plan(BudgetMode::kRatio);
  for (int64_t t : {0, 3, 17, 100, 1000, 4096, 32768}) {
    int64_t model_total = 0;
    for (int64_t l = 0; l < 3; ++l) {
      auto c = caps_of(p, l, t);
      for (int64_t x : c) {
        EXPECT_GE(x, 0);
        EXPECT_LE(x, std::max<int64_t>(0, t - p.window));
      }
      model_total += sum(c);
    }
    // Pool = floor(N * max(0, 0.25 T - 4)), N = 6 plan heads; no clamp can bind at ratio 0.25
    // with these shares, so the model total is exactly the pool.
    double per_head = std::max(0.0, 0.25 * static_cast<double>(t) - 4.0);
    EXPECT_EQ(model_total, static_cast<int64_t>(6 * per_head)) << "T = " << t;
  }
  // T = 1000: pool 6 * 246 = 1476; layer shares 0.4, 0.4, 0.2 give 590.4, 590.4, 295.2, and
  // the one leftover unit goes to layer 0 (remainder tie with layer 1, lower index wins).
  auto c = caps_of(p, 0, 1000);
  EXPECT_EQ(sum(c), 591);
  EXPECT_EQ(c[0], 443);  // 591 * 0.75 = 443.25
  EXPECT_EQ(c[1], 148);  // 147.75 takes the leftover unit (larger remainder)
  EXPECT_EQ(sum(caps_of(p, 1, 1000)), 590);
}

TEST(RuntimePlanCaps, RatioModeFloorAndClamp) {
  Plan p = test::sample_plan(BudgetMode::kRatio);
  p.min_cap = 10;
  auto c = caps_of(p, 2, 1000);  // layer 2 shares {0, 0.2}: the zero head gets the floor
  EXPECT_EQ(c[0], 10);
  EXPECT_GT(c[1], 10);
  p.budget_value = 1.0;  // everything: every head is clamped to T - w
  for (int64_t l = 0; l < 3; ++l) {
    auto full = caps_of(p, l, 200);
    EXPECT_EQ(full, (std::vector<int64_t>{196, 196}));
  }
}

TEST(RuntimePlanCaps, RejectsBadArguments) {
  Plan p = test::sample_plan();
  std::vector<int64_t> out(2);
  EXPECT_THROW(caps_for_length(p, 3, 10, out), PlanError);
  EXPECT_THROW(caps_for_length(p, -1, 10, out), PlanError);
  EXPECT_THROW(caps_for_length(p, 0, -1, out), PlanError);
  std::vector<int64_t> small(1);
  EXPECT_THROW(caps_for_length(p, 0, 10, small), PlanError);
}

}  // namespace
}  // namespace slkv::runtime
