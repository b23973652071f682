#include "profile/labels.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/error.hpp"

namespace slkv::profile {

std::string_view label_name(HeadLabel label) {
  switch (label) {
    case HeadLabel::kSurface:
      return "surface";
    case HeadLabel::kLogic:
      return "logic";
    case HeadLabel::kIgnoring:
      return "ignoring";
    case HeadLabel::kDistracted:
      return "distracted";
  }
  throw Error("unknown head label " + std::to_string(static_cast<int>(label)));
}

std::string_view label_mode_name(LabelMode mode) {
  return mode == LabelMode::kQuantile ? "quantile" : "absolute";
}

LabelMode parse_label_mode(std::string_view name) {
  if (name == "quantile") return LabelMode::kQuantile;
  if (name == "absolute") return LabelMode::kAbsolute;
  throw Error("unknown label mode '" + std::string(name) + "' (expected quantile or absolute)");
}

double score_at_rank(const std::vector<float>& values, int64_t rank) {
  SLKV_CHECK(!values.empty(), "no scores to rank");
  SLKV_CHECK(rank >= 1 && rank <= static_cast<int64_t>(values.size()),
             "rank " + std::to_string(rank) + " outside 1.." + std::to_string(values.size()));
  std::vector<float> sorted = values;
  std::nth_element(sorted.begin(), sorted.begin() + (rank - 1), sorted.end(),
                   std::greater<float>());
  return sorted[static_cast<size_t>(rank - 1)];
}

namespace {

int64_t rank_for_share(double share, int64_t n_heads, const char* name) {
  if (!(share > 0.0 && share <= 1.0)) {
    throw Error(std::string("label share for ") + name + " must be in (0, 1], got " +
                std::to_string(share));
  }
  // The small epsilon keeps e.g. 0.985 * 200 = 197.00000000000003 from rounding up to 198.
  const auto rank = static_cast<int64_t>(std::ceil(share * static_cast<double>(n_heads) - 1e-9));
  return std::clamp<int64_t>(rank, 1, n_heads);
}

void check_scores(const std::vector<float>& v, int64_t n_heads, std::string_view name) {
  if (static_cast<int64_t>(v.size()) != n_heads) {
    throw Error("labels: score '" + std::string(name) + "' has " + std::to_string(v.size()) +
                " heads, expected " + std::to_string(n_heads));
  }
  for (float x : v) {
    if (!std::isfinite(x)) throw Error("labels: score '" + std::string(name) + "' is not finite");
  }
}

}  // namespace

HeadLabels label_heads(const HeadScores& scores, const LabelOptions& options) {
  const int64_t n_heads = scores.n_layers * scores.n_query_heads;
  if (n_heads <= 0) throw Error("labels: no heads to label");
  check_scores(scores.surface, n_heads, "surface");
  check_scores(scores.logic, n_heads, "logic");
  check_scores(scores.ignore, n_heads, "ignore");

  HeadLabels out;
  out.n_layers = scores.n_layers;
  out.n_query_heads = scores.n_query_heads;
  Thresholds& t = out.thresholds;
  t.mode = options.mode;
  bool need_positive = false;
  if (options.mode == LabelMode::kQuantile) {
    t.share_surface = options.share_surface;
    t.share_logic = options.share_logic;
    t.share_ignoring = options.share_ignoring;
    t.rank_surface = rank_for_share(options.share_surface, n_heads, "surface");
    t.rank_logic = rank_for_share(options.share_logic, n_heads, "logic");
    t.rank_ignoring = rank_for_share(options.share_ignoring, n_heads, "ignoring");
    t.tau_surface = score_at_rank(scores.surface, t.rank_surface);
    t.tau_logic = score_at_rank(scores.logic, t.rank_logic);
    t.tau_ignoring = score_at_rank(scores.ignore, t.rank_ignoring);
    need_positive = true;
  } else {
    for (double tau : {options.tau_surface, options.tau_logic, options.tau_ignoring}) {
      if (!std::isfinite(tau)) throw Error("labels: absolute thresholds must be finite");
    }
    t.tau_surface = options.tau_surface;
    t.tau_logic = options.tau_logic;
    t.tau_ignoring = options.tau_ignoring;
  }

  out.flags.assign(static_cast<size_t>(n_heads), 0);
  out.primary.assign(static_cast<size_t>(n_heads), 0);
  for (size_t h = 0; h < static_cast<size_t>(n_heads); ++h) {
    const double s = scores.surface[h], l = scores.logic[h], i = scores.ignore[h];
    uint8_t f = 0;
    if (s >= t.tau_surface && (!need_positive || s > 0)) f |= kFlagSurface;
    if (l >= t.tau_logic && (!need_positive || l > 0)) f |= kFlagLogic;
    if (i >= t.tau_ignoring) f |= kFlagIgnoring;
    out.flags[h] = f;
    HeadLabel label = HeadLabel::kDistracted;
    if (f & kFlagSurface) {
      label = HeadLabel::kSurface;
    } else if (f & kFlagLogic) {
      label = HeadLabel::kLogic;
    } else if (f & kFlagIgnoring) {
      label = HeadLabel::kIgnoring;
    }
    out.primary[h] = static_cast<uint8_t>(label);
  }
  return out;
}

}  // namespace slkv::profile
