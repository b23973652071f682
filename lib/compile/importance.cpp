#include "compile/importance.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace slkv::compile {

namespace {

std::vector<double> normalised(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  std::vector<double> out(v.size(), 0.0);
  if (sum > 0.0) {
    for (size_t i = 0; i < v.size(); ++i) out[i] = v[i] / sum;
  }
  return out;
}

}  // namespace

std::vector<double> query_head_importance(const HeadScores& scores, double alpha) {
  const size_t n = static_cast<size_t>(scores.n_layers * scores.n_heads);
  if (scores.kind == "lineage") {
    SLKV_CHECK(scores.direct.size() == n, "lineage scores do not match their shape");
    return scores.direct;
  }
  SLKV_CHECK(scores.logic.size() == n && scores.surface.size() == n,
             "profile scores need S_logic and S_surface for every head");
  const auto logic = normalised(scores.logic);
  const auto surface = normalised(scores.surface);
  std::vector<double> s(n);  // [n_layers, n_heads]
  for (size_t i = 0; i < n; ++i) {
    s[i] = logic[i] + alpha * surface[i];
    if (!scores.flags.empty() && scores.flags[i] == kFlagIgnoring) s[i] = 0.0;
  }
  return s;
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
