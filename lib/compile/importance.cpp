#include "compile/importance.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace slkv::compile {

namespace {

std::vector<double> normalised(const std::vector<float>& v) {
  double sum = 0.0;
  for (float x : v) sum += x;
  std::vector<double> out(v.size(), 0.0);
  if (sum > 0.0) {
    for (size_t i = 0; i < v.size(); ++i) out[i] = v[i] / sum;
  }
  return out;
}

}  // namespace

profile::HeadLabel kv_head_label(const std::vector<profile::HeadLabel>& query_labels) {
  using profile::HeadLabel;
  bool surface = false, logic = false, distracted = false;
  for (HeadLabel label : query_labels) {
    surface |= label == HeadLabel::kSurface;
    logic |= label == HeadLabel::kLogic;
    distracted |= label == HeadLabel::kDistracted;
  }
  if (surface) return HeadLabel::kSurface;
  if (logic) return HeadLabel::kLogic;
  if (distracted || query_labels.empty()) return HeadLabel::kDistracted;
  return HeadLabel::kIgnoring;
}

std::vector<double> query_head_importance(const ScoreInput& scores, double alpha,
                                          bool zero_ignoring) {
  const size_t n = static_cast<size_t>(scores.n_layers * scores.n_heads);
  if (scores.kind == "lineage") {
    SLKV_CHECK(scores.direct.size() == n, "lineage scores do not match their shape");
    return scores.direct;
  }
  if (scores.scores.logic.size() != n || scores.scores.surface.size() != n) {
    throw Error(scores.source_path + ": profile scores need S_logic and S_surface for every head");
  }
  const bool flags = !scores.labels.flags.empty();
  if (flags && scores.labels.flags.size() != n) {
    throw Error(scores.source_path + ": label flags do not match the score shape");
  }
  const auto logic = normalised(scores.scores.logic);
  const auto surface = normalised(scores.scores.surface);
  std::vector<double> s(n);  // [n_layers, n_heads]
  for (size_t i = 0; i < n; ++i) {
    s[i] = logic[i] + alpha * surface[i];
    if (zero_ignoring && flags && scores.labels.flags[i] == profile::kFlagIgnoring) s[i] = 0.0;
  }
  return s;
}

std::vector<double> mix_with_uniform(const std::vector<double>& s, double mix) {
  double sum = 0;
  for (double v : s) sum += v;
  const double n = static_cast<double>(s.size());
  std::vector<double> out(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    out[i] = sum > 0 ? (1.0 - mix) * s[i] / sum + mix / n : 1.0 / n;
  }
  return out;
}

std::vector<double> aggregate_to_kv_heads(const std::vector<double>& query_values, int64_t n_layers,
                                          int64_t n_heads, int64_t n_kv_heads,
                                          const std::string& how) {
  SLKV_CHECK(n_kv_heads > 0 && n_heads % n_kv_heads == 0, "query heads not a multiple of KV heads");
  SLKV_CHECK(query_values.size() == static_cast<size_t>(n_layers * n_heads), "shape mismatch");
  if (how != "sum" && how != "max") throw Error("GQA aggregation must be sum or max, not " + how);
  const int64_t group = n_heads / n_kv_heads;
  std::vector<double> out(static_cast<size_t>(n_layers * n_kv_heads), 0.0);  // [L, n_kv_heads]
  for (int64_t l = 0; l < n_layers; ++l) {
    for (int64_t h = 0; h < n_heads; ++h) {
      double& dst = out[l * n_kv_heads + h / group];
      const double v = query_values[l * n_heads + h];
      dst = how == "sum" ? dst + v : std::max(dst, v);
    }
  }
  return out;
}

}  // namespace slkv::compile
