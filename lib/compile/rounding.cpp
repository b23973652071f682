#include "compile/rounding.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace slkv::compile {

std::vector<int64_t> round_largest_remainder(const std::vector<double>& values, int64_t target) {
  const size_t n = values.size();
  std::vector<int64_t> out(n);
  std::vector<double> frac(n);
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    SLKV_CHECK(std::isfinite(values[i]) && values[i] >= 0.0, "value to round must be >= 0");
    const double f = std::floor(values[i]);
    out[i] = static_cast<int64_t>(f);
    frac[i] = values[i] - f;
    sum += out[i];
  }
  int64_t missing = target - sum;
  if (missing == 0 || n == 0) {
    SLKV_CHECK(missing == 0, "nothing to round a non-zero total onto");
    return out;
  }
  // Largest fractional part first, ties to the lower index (deterministic).
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return frac[a] > frac[b]; });
  // Floating-point sums can put the target a unit outside [sum, sum + n]; the passes below
  // absorb that (taking back from the smallest fractional parts first) instead of failing.
  SLKV_CHECK(missing <= static_cast<int64_t>(n) + 1 && missing >= -1,
             "largest-remainder target too far from the sum of the values");
  for (size_t pass = 0; missing > 0; ++pass) {
    out[order[pass % n]] += 1;
    --missing;
  }
  for (size_t pass = 0; missing < 0 && pass < 2 * n; ++pass) {
    const size_t i = order[n - 1 - pass % n];
    if (out[i] > 0) {
      out[i] -= 1;
      ++missing;
    }
  }
  SLKV_CHECK(missing == 0, "largest-remainder rounding could not reach the target");
  return out;
}

int64_t clamp_redistribute(std::vector<int64_t>& caps, const std::vector<double>& weights,
                           int64_t lo, int64_t hi, int64_t extra) {
  SLKV_CHECK(caps.size() == weights.size(), "caps and weights differ in length");
  SLKV_CHECK(lo <= hi, "clamp range is empty");
  const size_t n = caps.size();
  int64_t residual = extra;
  // Each round pins at least one more head at a bound or places the whole residual.
  for (size_t round = 0; round <= n + 1; ++round) {
    for (size_t i = 0; i < n; ++i) {
      if (caps[i] > hi) {
        residual += caps[i] - hi;
        caps[i] = hi;
      } else if (caps[i] < lo) {
        residual -= lo - caps[i];
        caps[i] = lo;
      }
    }
    if (residual == 0) return 0;

    std::vector<size_t> takers;
    std::vector<double> shares;
    double weight_sum = 0.0;
    if (residual > 0) {
      for (size_t i = 0; i < n; ++i) {
        if (caps[i] < hi) {
          takers.push_back(i);
          weight_sum += weights[i];
        }
      }
      if (takers.empty()) return residual;
      for (size_t i : takers) {
        const double w =
            weight_sum > 0.0 ? weights[i] / weight_sum : 1.0 / static_cast<double>(takers.size());
        shares.push_back(static_cast<double>(residual) * w);
      }
      const auto add = round_largest_remainder(shares, residual);
      for (size_t k = 0; k < takers.size(); ++k) caps[takers[k]] += add[k];
      residual = 0;
    } else {
      int64_t room = 0;
      for (size_t i = 0; i < n; ++i) {
        if (caps[i] > lo) {
          takers.push_back(i);
          room += caps[i] - lo;
        }
      }
      if (room == 0) return residual;
      const int64_t take_total = std::min(room, -residual);
      for (size_t i : takers) {
        shares.push_back(static_cast<double>(take_total) * static_cast<double>(caps[i] - lo) /
                         static_cast<double>(room));
      }
      const auto take = round_largest_remainder(shares, take_total);
      for (size_t k = 0; k < takers.size(); ++k) caps[takers[k]] -= take[k];
      residual += take_total;
      if (residual < 0) return residual;
    }
  }
  return residual;
}

}  // namespace slkv::compile
