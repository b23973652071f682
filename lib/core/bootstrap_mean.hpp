#pragma once
// The mean of a sample with a seeded 95% percentile bootstrap interval: shared by slkv-eval's
// summaries (scores, paired differences to uniform) and slkv-profile's dissociation contrasts.

#include <cstdint>
#include <span>

namespace slkv {

struct MeanInterval {
  double mean = 0, lo = 0, hi = 0;
};

// Mean of x and the 2.5th / 97.5th percentiles of the means of `resamples` resamples drawn
// with replacement (std::mt19937_64 seeded with `seed`; the same seed gives the same bounds).
// An empty x gives all zeros; resamples must be at least 40 (so both percentiles exist).
MeanInterval bootstrap_mean(std::span<const double> x, uint64_t seed, int resamples = 2000);

}  // namespace slkv
