#pragma once
// Label confidence: a seeded bootstrap over probes. Each resample draws the probes of every
// needle family with replacement (stratified, so the family mix stays fixed), recomputes the
// four scores exactly as compute_scores does (same admission rules, same logic variant) and
// labels the heads exactly as label_heads does (quantile thresholds are re-derived per
// resample). Per head it records the share of resamples that keep each flag and a percentile
// interval of each score; per flag, the interval of the share of heads carrying it.
//
// Percentile interval at level L from B sorted resample values v[0..B-1]:
//   lo = v[floor(a * (B - 1))], hi = v[ceil((1 - a) * (B - 1))] with a = (1 - L) / 2
// (nearest rank on the (B - 1)-spaced grid, no interpolation), so a constant score has a
// zero-width interval at its value.

#include <cstdint>
#include <vector>

#include "profile/labels.hpp"
#include "profile/per_probe_stats.hpp"
#include "profile/scores.hpp"

namespace slkv::profile {

struct BootstrapOptions {
  int n_resamples = 1000;
  uint64_t seed = 0;
  double level = 0.95;
};

struct ScoreInterval {
  std::vector<float> lo, hi;  // [n_layers, n_query_heads]
};

struct LabelConfidence {
  int64_t n_layers = 0;
  int64_t n_query_heads = 0;
  int n_resamples = 0;  // 0: no bootstrap (profiles written before it, or --bootstrap 0)
  uint64_t seed = 0;
  double level = 0;
  std::string logic_variant;  // the variant of S_logic in every resample
  // Share of resamples in which the head carries each flag, [n_layers, n_query_heads].
  std::vector<float> keep_surface, keep_logic, keep_ignoring;
  // Interval of each score, indexed like kAllScores.
  ScoreInterval score[4];
  // Interval of the share of heads carrying each flag (surface, logic, ignoring), 0..1.
  double flag_share_lo[3] = {0, 0, 0};
  double flag_share_hi[3] = {0, 0, 0};

  bool empty() const { return n_resamples == 0; }
  const ScoreInterval& interval(ScoreKind kind) const;
};

// Throws slkv::Error on an empty table, n_resamples < 1 or a level outside (0, 1).
LabelConfidence bootstrap_labels(const PerProbeStats& stats, const ScoreOptions& score_options,
                                 const LabelOptions& label_options,
                                 const BootstrapOptions& options = {});

// The percentile interval above of `values` (sorted in place).
std::pair<double, double> percentile_interval(std::vector<float>& values, double level);

}  // namespace slkv::profile
