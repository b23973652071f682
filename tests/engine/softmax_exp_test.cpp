// The softmax exponentials of the blocked attention against std::exp (double reference).

#include "engine/softmax_exp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace slkv {
namespace {

constexpr double kRelTol = 4e-7;  // a few f32 ulp (2^-24 = 6e-8)

using detail::SoftmaxIsa;
constexpr SoftmaxIsa kIsas[] = {SoftmaxIsa::kPortable, SoftmaxIsa::kAvx2, SoftmaxIsa::kAvx512};

TEST(BlockedAttentionExp, MatchesStdExpOverTheRange) {
  // Every 1/1024 step of [-87, 0], both the scalar form and the row form (vector + tail).
  std::vector<float> xs;
  for (int i = 0; i <= 87 * 1024; ++i) xs.push_back(-static_cast<float>(i) / 1024.0f);
  double ref_sum = 0.0;
  for (float x : xs) {
    const double ref = std::exp(static_cast<double>(x));
    ref_sum += ref;
    ASSERT_NEAR(exp_nonpositive(x), ref, kRelTol * ref) << x;
  }
  std::vector<float> avx2_row;
  for (SoftmaxIsa isa : kIsas) {
    if (!detail::softmax_isa_supported(isa)) continue;
    std::vector<float> row = xs;
    const float sum =
        detail::exp_shift_sum_isa(isa, row.data(), static_cast<int64_t>(row.size()), 0.0f);
    for (size_t i = 0; i < xs.size(); ++i) {
      const double ref = std::exp(static_cast<double>(xs[i]));
      ASSERT_NEAR(row[i], ref, kRelTol * ref) << static_cast<int>(isa) << " " << xs[i];
    }
    // The portable loop sums 89,089 terms in one f32 chain (a real row has at most 256); the
    // vector kernels in 8 or 16 lanes.
    const double sum_tol = isa == SoftmaxIsa::kPortable ? 1e-4 : 1e-5;
    EXPECT_NEAR(sum, ref_sum, sum_tol * ref_sum) << static_cast<int>(isa);
    // The 8- and 16-lane kernels run the same FMA sequence per element: equal bit for bit.
    if (isa == SoftmaxIsa::kAvx2) avx2_row = row;
    if (isa == SoftmaxIsa::kAvx512 && !avx2_row.empty()) {
      for (size_t i = 0; i < xs.size(); ++i) ASSERT_EQ(row[i], avx2_row[i]) << xs[i];
    }
  }
}

TEST(BlockedAttentionExp, ShiftsByTheMaximumAndMapsMaskedEntriesToZero) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-30.0f, 12.0f);
  for (SoftmaxIsa isa : kIsas) {
    if (!detail::softmax_isa_supported(isa)) continue;
    SCOPED_TRACE(static_cast<int>(isa));
    for (int n : {1, 7, 8, 9, 15, 16, 17, 33, 256, 203}) {
      std::vector<float> s(static_cast<size_t>(n));
      for (auto& v : s) v = dist(rng);
      if (n > 1) s[0] = -kInf;    // a masked key (rows with no visible key never get here)
      if (n > 3) s[3] = -200.0f;  // below the underflow cut
      const float m = detail::softmax_row_max_isa(isa, s.data(), n);
      float ref_max = -kInf;
      for (float v : s) ref_max = std::max(ref_max, v);
      ASSERT_EQ(m, ref_max) << n;
      std::vector<float> e = s;
      detail::exp_shift_sum_isa(isa, e.data(), n, m);
      if (n > 1) {
        EXPECT_EQ(e[0], 0.0f);
      }
      if (n > 3) {
        EXPECT_EQ(e[3], 0.0f);
      }
      for (int j = n > 1 ? 1 : 0; j < n; ++j) {
        if (j == 3) continue;
        // The shift itself rounds in f32 (as it did with std::exp); only exp is under test.
        const float shifted = s[j] - m;
        const double ref = std::exp(static_cast<double>(shifted));
        EXPECT_NEAR(e[j], ref, kRelTol * ref + 1e-37) << n << " " << j;
      }
    }
    EXPECT_EQ(detail::softmax_row_max_isa(isa, nullptr, 0), -kInf);
  }
  // A NaN score (a NaN query or key) stays NaN in every lane form, not a clamped exponential.
  for (SoftmaxIsa isa : kIsas) {
    if (!detail::softmax_isa_supported(isa)) continue;
    std::vector<float> s(24, -1.0f);
    s[2] = s[17] = std::numeric_limits<float>::quiet_NaN();
    detail::exp_shift_sum_isa(isa, s.data(), 24, 0.0f);
    EXPECT_TRUE(std::isnan(s[2]) && std::isnan(s[17])) << static_cast<int>(isa);
    EXPECT_NEAR(s[3], std::exp(-1.0), kRelTol * std::exp(-1.0)) << static_cast<int>(isa);
  }
  EXPECT_TRUE(detail::softmax_isa_supported(detail::best_softmax_isa()));
  EXPECT_EQ(softmax_row_max(nullptr, 0), -kInf);
  EXPECT_TRUE(std::isnan(exp_nonpositive(std::numeric_limits<float>::quiet_NaN())));
}

}  // namespace
}  // namespace slkv
