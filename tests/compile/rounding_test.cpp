#include "compile/rounding.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

namespace {

using slkv::compile::clamp_redistribute;
using slkv::compile::round_largest_remainder;

int64_t sum(const std::vector<int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{0});
}

TEST(LargestRemainder, HitsTargetAndGivesLargestFractionsFirst) {
  const auto r = round_largest_remainder({1.2, 2.7, 3.5, 0.6}, 8);  // floors 1+2+3+0 = 6
  EXPECT_EQ(r, (std::vector<int64_t>{1, 3, 3, 1}));                 // +1 to .7 and .6, not .5
  EXPECT_EQ(sum(r), 8);
}

TEST(LargestRemainder, TiesGoToLowerIndex) {
  EXPECT_EQ(round_largest_remainder({0.5, 0.5, 0.5}, 1), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(round_largest_remainder({0.5, 0.5, 0.5}, 2), (std::vector<int64_t>{1, 1, 0}));
}

TEST(LargestRemainder, RandomInputsAreExactAndMonotone) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 50.0);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> v(1 + trial % 37);
    double total = 0;
    for (double& x : v) total += (x = u(rng));
    const int64_t target = static_cast<int64_t>(std::llround(total));
    const auto r = round_largest_remainder(v, target);
    ASSERT_EQ(sum(r), target);
    for (size_t i = 0; i < v.size(); ++i) {
      EXPECT_LE(std::abs(static_cast<double>(r[i]) - v[i]), 1.0);
      for (size_t j = 0; j < v.size(); ++j) {
        if (v[i] > v[j]) {
          EXPECT_GE(r[i], r[j]);
        }
      }
    }
  }
}

TEST(ClampRedistribute, OverflowGoesToUnclampedHeadsByWeight) {
  std::vector<int64_t> caps = {100, 10, 10, 10};
  // hi = 40 cuts 60; weights 0, 1, 2, 3 -> the three others get 10, 20, 30.
  EXPECT_EQ(clamp_redistribute(caps, {0, 1, 2, 3}, 0, 40), 0);
  EXPECT_EQ(caps, (std::vector<int64_t>{40, 20, 30, 40}));
  EXPECT_EQ(sum(caps), 130);
}

TEST(ClampRedistribute, UniformWhenAllWeightsZero) {
  std::vector<int64_t> caps = {90, 0, 0, 0};
  EXPECT_EQ(clamp_redistribute(caps, {0, 0, 0, 0}, 0, 30), 0);
  EXPECT_EQ(caps, (std::vector<int64_t>{30, 20, 20, 20}));
}

TEST(ClampRedistribute, FloorTakesFromHeadsAboveIt) {
  std::vector<int64_t> caps = {0, 10, 30};
  EXPECT_EQ(clamp_redistribute(caps, {1, 1, 1}, 5, 1000), 0);
  EXPECT_EQ(sum(caps), 40);
  for (int64_t c : caps) EXPECT_GE(c, 5);
}

TEST(ClampRedistribute, ReportsWhatCannotBePlaced) {
  std::vector<int64_t> caps = {50, 50};
  EXPECT_EQ(clamp_redistribute(caps, {1, 1}, 0, 40), 20);
  std::vector<int64_t> low = {1, 1};
  EXPECT_EQ(clamp_redistribute(low, {1, 1}, 3, 40), -4);
}

}  // namespace
