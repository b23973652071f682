// bootstrap_mean: the mean is exact, the interval is a percentile interval of resampled means
// (so it always lies within the sample's range and contains the mean for symmetric samples),
// a constant sample has a zero-width interval, the seed fixes the bounds, and the width shrinks
// like 1/sqrt(n) on constructed data.

#include "core/bootstrap_mean.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"

namespace slkv {
namespace {

TEST(BootstrapMean, EmptySampleIsZero) {
  const MeanInterval r = bootstrap_mean({}, 1);
  EXPECT_EQ(r.mean, 0.0);
  EXPECT_EQ(r.lo, 0.0);
  EXPECT_EQ(r.hi, 0.0);
}

TEST(BootstrapMean, ConstantSampleHasZeroWidth) {
  const std::vector<double> x(17, -2.5);
  const MeanInterval r = bootstrap_mean(x, 3);
  EXPECT_DOUBLE_EQ(r.mean, -2.5);
  EXPECT_DOUBLE_EQ(r.lo, -2.5);
  EXPECT_DOUBLE_EQ(r.hi, -2.5);
}

TEST(BootstrapMean, SeedFixesTheBoundsAndTheIntervalBracketsTheMean) {
  const std::vector<double> x = {0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0};  // mean 0.5
  const MeanInterval a = bootstrap_mean(x, 42), b = bootstrap_mean(x, 42);
  EXPECT_DOUBLE_EQ(a.mean, 0.5);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_LT(a.lo, 0.5);
  EXPECT_GT(a.hi, 0.5);
  EXPECT_GE(a.lo, 0.0);
  EXPECT_LE(a.hi, 1.0);
  // Normal approximation of a Bernoulli(1/2) mean of 16: 0.5 +- 1.96 * 0.125 = [0.255, 0.745];
  // the percentile bootstrap over 2,000 resamples lands within a resample step of it.
  EXPECT_NEAR(a.lo, 0.255, 0.07);
  EXPECT_NEAR(a.hi, 0.745, 0.07);
}

TEST(BootstrapMean, WidthShrinksWithTheSampleSize) {
  // 0..9 repeated: population sd 2.87; the 95% width is about 2 * 1.96 * 2.87 / sqrt(n).
  for (int reps : {2, 8, 32}) {
    std::vector<double> x;
    for (int r = 0; r < reps; ++r) {
      for (int v = 0; v < 10; ++v) x.push_back(v);
    }
    const MeanInterval m = bootstrap_mean(x, 7);
    const double expected = 2 * 1.96 * std::sqrt(8.25) / std::sqrt(static_cast<double>(x.size()));
    EXPECT_DOUBLE_EQ(m.mean, 4.5);
    EXPECT_NEAR(m.hi - m.lo, expected, 0.25 * expected) << x.size() << " values";
  }
}

TEST(BootstrapMean, TooFewResamplesAreRefused) {
  const std::vector<double> x = {1, 2, 3};
  EXPECT_THROW(bootstrap_mean(x, 0, 10), Error);
}

}  // namespace
}  // namespace slkv
