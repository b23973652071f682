#pragma once
// Head labels of METHOD.md §4: three independent flags (surface, logic, ignoring) from score
// thresholds, and a primary label by precedence surface > logic > ignoring, "distracted" for a
// head with no flag. Thresholds come from score quantiles (default, the paper's shares) or are
// given as absolute values; the ones used are returned so the profile can record them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "profile/scores.hpp"

namespace slkv::profile {

enum HeadFlag : uint8_t { kFlagSurface = 1, kFlagLogic = 2, kFlagIgnoring = 4 };

enum class HeadLabel : uint8_t { kSurface = 0, kLogic = 1, kIgnoring = 2, kDistracted = 3 };
std::string_view label_name(HeadLabel label);  // surface | logic | ignoring | distracted

enum class LabelMode { kQuantile, kAbsolute };
std::string_view label_mode_name(LabelMode mode);  // quantile | absolute
LabelMode parse_label_mode(std::string_view name);

struct LabelOptions {
  LabelMode mode = LabelMode::kQuantile;
  // Quantile mode: share of heads expected to carry each flag (paper, Llama-3-8B class).
  double share_surface = 0.005;
  double share_logic = 0.015;
  double share_ignoring = 0.985;
  // Absolute mode (tau_s = 0.1 follows Wu et al.'s retrieval-head cut).
  double tau_surface = 0.1;
  double tau_logic = 0.1;
  double tau_ignoring = 0.9;
};

struct Thresholds {
  LabelMode mode = LabelMode::kQuantile;
  double tau_surface = 0, tau_logic = 0, tau_ignoring = 0;        // the values applied
  int64_t rank_surface = 0, rank_logic = 0, rank_ignoring = 0;    // quantile mode, 1-based
  double share_surface = 0, share_logic = 0, share_ignoring = 0;  // quantile mode inputs
};

struct HeadLabels {
  int64_t n_layers = 0;
  int64_t n_query_heads = 0;
  std::vector<uint8_t> flags;    // [n_layers, n_query_heads] HeadFlag bits
  std::vector<uint8_t> primary;  // [n_layers, n_query_heads] HeadLabel
  Thresholds thresholds;
};

// Quantile mode: tau_s is the surface score at rank ceil(share_surface * n_heads) in
// descending order (rank 1 = highest), likewise tau_l; tau_i is the score at rank
// ceil(share_ignoring * n_heads), so at least that share of heads passes. In quantile mode a
// surface or logic flag also needs a score above 0: a head without any evidence is never
// flagged because the quantile happens to be 0.
HeadLabels label_heads(const HeadScores& scores, const LabelOptions& options = {});

// Score at 1-based rank `rank` of `values` sorted in descending order.
double score_at_rank(const std::vector<float>& values, int64_t rank);

}  // namespace slkv::profile
