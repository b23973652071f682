#include "core/bootstrap_mean.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include "core/error.hpp"

namespace slkv {

MeanInterval bootstrap_mean(std::span<const double> x, uint64_t seed, int resamples) {
  SLKV_CHECK(resamples >= 40, "bootstrap_mean needs at least 40 resamples");
  MeanInterval r;
  if (x.empty()) return r;
  const double n = static_cast<double>(x.size());
  double s = 0;
  for (double v : x) s += v;
  r.mean = s / n;
  std::mt19937_64 rng(seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  for (double& m : means) {
    double t = 0;
    for (size_t i = 0; i < x.size(); ++i) t += x[rng() % x.size()];
    m = t / n;
  }
  std::sort(means.begin(), means.end());
  r.lo = means[static_cast<size_t>(0.025 * resamples)];
  r.hi = means[static_cast<size_t>(0.975 * resamples) - 1];
  return r;
}

}  // namespace slkv
