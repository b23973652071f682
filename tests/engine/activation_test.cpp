// silu_mul and gelu_tanh_mul (engine/ops.hpp) against double-precision formulas, over inputs
// from -100 to 100, block tails, and a size that takes the parallel path; add_in_place against
// the plain loop.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/ops.hpp"

namespace slkv {
namespace {

double silu_ref(double g) { return g / (1.0 + std::exp(-g)); }

double gelu_ref(double g) {
  const double u = std::sqrt(2.0 / M_PI) * (g + 0.044715 * g * g * g);
  return 0.5 * g * (1.0 + std::tanh(u));
}

std::vector<float> inputs(int64_t n) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> g(static_cast<size_t>(n));
  for (float& x : g) x = normal(rng);
  const float special[] = {0.0f,   -0.0f, 1e-6f,  -1e-6f, 20.0f,
                           -20.0f, 88.0f, -88.0f, 100.0f, -100.0f};
  for (size_t i = 0; i < std::size(special) && i < g.size(); ++i) g[i] = special[i];
  return g;
}

// |got - want| <= 2e-6 |want| + 1e-7 max(1, |g|) (f32 rounding of the products, the
// exponential's 4e-7, and the cancellation in 1 - e for tiny |u|).
void check(bool gelu, int64_t n) {
  std::vector<float> g = inputs(n), up(g.size());
  for (size_t i = 0; i < up.size(); ++i) up[i] = 0.5f + static_cast<float>(i % 7) * 0.25f;
  std::vector<float> out = g;
  if (gelu) {
    gelu_tanh_mul(out.data(), up.data(), n);
  } else {
    silu_mul(out.data(), up.data(), n);
  }
  for (int64_t i = 0; i < n; ++i) {
    const double want = (gelu ? gelu_ref(g[i]) : silu_ref(g[i])) * up[i];
    const double tol = 2e-6 * std::fabs(want) + 1e-7 * std::max(1.0, std::fabs(double(g[i])));
    ASSERT_NEAR(out[i], want, tol) << (gelu ? "gelu" : "silu") << " g=" << g[i] << " #" << i;
  }
}

TEST(Activations, SiluAndGeluMatchDoublePrecision) {
  for (int64_t n : {int64_t{1}, int64_t{10}, int64_t{300}, int64_t{70001}}) {
    check(false, n);
    check(true, n);
  }
}

TEST(Activations, AddInPlaceEqualsThePlainLoopOnOneAndTwoThreads) {
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (int64_t n : {int64_t{1}, int64_t{1000}, int64_t{65537}, int64_t{300001}}) {
      std::vector<float> x = inputs(n), y = inputs(n + 1);
      y.erase(y.begin());  // a different sequence from x
      std::vector<float> want = x;
      for (int64_t i = 0; i < n; ++i) want[static_cast<size_t>(i)] += y[static_cast<size_t>(i)];
      add_in_place(x.data(), y.data(), n);
      EXPECT_EQ(x, want) << n << " elements, " << threads << " threads";
    }
  }
  omp_set_num_threads(saved);
}

}  // namespace
}  // namespace slkv
