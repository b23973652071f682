#include "profile/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "probes/rng.hpp"

namespace slkv::profile {

const ScoreInterval& LabelConfidence::interval(ScoreKind kind) const {
  return score[static_cast<size_t>(kind)];
}

std::pair<double, double> percentile_interval(std::vector<float>& values, double level) {
  SLKV_CHECK(!values.empty(), "percentile interval of no values");
  std::sort(values.begin(), values.end());
  const double a = (1.0 - level) / 2.0;
  const double last = static_cast<double>(values.size() - 1);
  // The epsilons keep e.g. 0.025 * 999 = 24.975 from landing one rank off through rounding.
  const auto lo = static_cast<size_t>(std::floor(a * last + 1e-9));
  const auto hi = static_cast<size_t>(std::ceil((1.0 - a) * last - 1e-9));
  return {values[lo], values[std::min(hi, values.size() - 1)]};
}

LabelConfidence bootstrap_labels(const PerProbeStats& stats, const ScoreOptions& score_options,
                                 const LabelOptions& label_options,
                                 const BootstrapOptions& options) {
  stats.validate("bootstrap");
  if (stats.n_probes() == 0) throw Error("bootstrap: the profile has no probes");
  if (options.n_resamples < 1) throw Error("bootstrap: n_resamples must be >= 1");
  if (!(options.level > 0.0 && options.level < 1.0)) {
    throw Error("bootstrap: level must be in (0, 1), got " + std::to_string(options.level));
  }
  const LogicVariant variant = resolve_logic_variant(stats, score_options);
  const int64_t n_heads = stats.n_heads_total();
  const auto H = static_cast<size_t>(n_heads);
  const auto B = static_cast<size_t>(options.n_resamples);

  // Probes by family (strata), in probe order.
  std::map<int, std::vector<int64_t>> strata;
  for (int64_t p = 0; p < stats.n_probes(); ++p) {
    strata[static_cast<int>(stats.probes[static_cast<size_t>(p)].family)].push_back(p);
  }

  LabelConfidence out;
  out.n_layers = stats.n_layers;
  out.n_query_heads = stats.n_query_heads;
  out.n_resamples = options.n_resamples;
  out.seed = options.seed;
  out.level = options.level;
  out.logic_variant = std::string(logic_variant_name(variant));
  std::vector<double> keep[3];
  for (auto& k : keep) k.assign(H, 0.0);
  std::vector<float> samples[4];  // [B, H] per score
  for (auto& s : samples) s.resize(B * H);
  std::vector<float> shares[3];
  for (auto& s : shares) s.resize(B);

  probes::Rng rng(probes::derive_seed(options.seed, "bootstrap", 0));
  std::vector<int64_t> weight(static_cast<size_t>(stats.n_probes()));
  std::vector<double> sum(H);
  HeadScores scores;
  scores.n_layers = stats.n_layers;
  scores.n_query_heads = stats.n_query_heads;
  scores.logic_variant = variant;
  for (size_t b = 0; b < B; ++b) {
    std::fill(weight.begin(), weight.end(), 0);
    for (const auto& [family, members] : strata) {
      for (size_t i = 0; i < members.size(); ++i) {
        ++weight[static_cast<size_t>(members[rng.below(members.size())])];
      }
    }
    for (ScoreKind kind : kAllScores) {
      const std::vector<float>& per_probe = per_probe_values(stats, kind, variant);
      std::fill(sum.begin(), sum.end(), 0.0);
      int64_t admitted = 0;
      for (int64_t p = 0; p < stats.n_probes(); ++p) {
        const int64_t w = weight[static_cast<size_t>(p)];
        if (w == 0 || !score_admits(kind, stats.probes[static_cast<size_t>(p)], variant)) continue;
        admitted += w;
        const float* row = per_probe.data() + p * n_heads;
        for (size_t h = 0; h < H; ++h) sum[h] += static_cast<double>(w) * row[h];
      }
      std::vector<float>& dst = scores.values(kind);
      dst.assign(H, 0.0f);
      if (admitted > 0) {
        for (size_t h = 0; h < H; ++h) dst[h] = static_cast<float>(sum[h] / admitted);
      }
      std::copy(dst.begin(), dst.end(), samples[static_cast<size_t>(kind)].begin() + b * H);
    }
    const HeadLabels labels = label_heads(scores, label_options);
    int64_t n_flag[3] = {0, 0, 0};
    for (size_t h = 0; h < H; ++h) {
      const uint8_t f = labels.flags[h];
      const bool has[3] = {(f & kFlagSurface) != 0, (f & kFlagLogic) != 0,
                           (f & kFlagIgnoring) != 0};
      for (int i = 0; i < 3; ++i) {
        keep[i][h] += has[i] ? 1.0 : 0.0;
        n_flag[i] += has[i] ? 1 : 0;
      }
    }
    for (int i = 0; i < 3; ++i) {
      shares[i][b] = static_cast<float>(static_cast<double>(n_flag[i]) / n_heads);
    }
  }

  std::vector<float>* keep_out[3] = {&out.keep_surface, &out.keep_logic, &out.keep_ignoring};
  for (int i = 0; i < 3; ++i) {
    keep_out[i]->resize(H);
    for (size_t h = 0; h < H; ++h) (*keep_out[i])[h] = static_cast<float>(keep[i][h] / B);
    const auto [lo, hi] = percentile_interval(shares[i], options.level);
    out.flag_share_lo[i] = lo;
    out.flag_share_hi[i] = hi;
  }
  std::vector<float> column(B);
  for (ScoreKind kind : kAllScores) {
    ScoreInterval& iv = out.score[static_cast<size_t>(kind)];
    iv.lo.resize(H);
    iv.hi.resize(H);
    const std::vector<float>& s = samples[static_cast<size_t>(kind)];
    for (size_t h = 0; h < H; ++h) {
      for (size_t b = 0; b < B; ++b) column[b] = s[b * H + h];
      const auto [lo, hi] = percentile_interval(column, options.level);
      iv.lo[h] = static_cast<float>(lo);
      iv.hi[h] = static_cast<float>(hi);
    }
  }
  return out;
}

}  // namespace slkv::profile
