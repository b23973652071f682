#include "runtime/run_time_methods.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace slkv::runtime {
namespace {

double number_param(const Plan& plan, const char* key, double fallback,
                    const std::string& source = "plan") {
  const auto it = plan.method_params.find(key);
  if (it == plan.method_params.end()) return fallback;
  if (!it->is_number()) throw PlanError(source + ": method.params." + key + " must be a number");
  return it->get<double>();
}

}  // namespace

int64_t streaming_sinks(const Plan& plan) {
  if (plan.method != "streaming") return -1;
  return static_cast<int64_t>(number_param(plan, "sink_tokens", 4));
}

bool is_adaptive(const Plan& plan) { return plan.method == "adakv"; }

void check_run_time_method(const Plan& plan, const std::string& source) {
  auto bad = [&](const std::string& why) { throw PlanError(source + ": " + why); };
  {
    if (plan.method == "streaming") {
      const double sinks = number_param(plan, "sink_tokens", 4, source);
      if (!(sinks >= 0 && sinks <= 1e6) || sinks != std::floor(sinks))
        bad("method.params.sink_tokens must be an integer in [0, 1000000]");
    }
    if (plan.method == "adakv") {
      const double floor_fraction = number_param(plan, "floor_fraction", 0.2, source);
      const double adaptive_fraction = number_param(plan, "adaptive_fraction", 0.8, source);
      if (!(floor_fraction >= 0 && floor_fraction <= 1) ||
          !(adaptive_fraction >= 0 && adaptive_fraction <= 1))
        bad("method.params floor_fraction and adaptive_fraction must be in [0, 1]");
    }
  }
}

void adaptive_caps(const Plan& plan, std::span<const float> pooled, int64_t n_candidates,
                   std::span<int64_t> caps) {
  const int64_t n_heads = static_cast<int64_t>(caps.size());
  if (n_heads == 0 || n_candidates <= 0) return;
  if (static_cast<int64_t>(pooled.size()) != n_heads * n_candidates)
    throw PlanError("adaptive caps: pooled scores must be [n_plan_heads, n_candidates]");
  const double floor_fraction = number_param(plan, "floor_fraction", 0.2);
  const double adaptive_fraction = number_param(plan, "adaptive_fraction", 0.8);
  int64_t total = 0;
  for (int64_t c : caps) total += std::max<int64_t>(0, c);
  const int64_t n_all = n_heads * n_candidates;
  const int64_t k = std::min(total, n_all);
  std::vector<int64_t> count(static_cast<size_t>(n_heads), 0);
  if (k >= n_all) {
    std::fill(count.begin(), count.end(), n_candidates);
  } else if (k > 0) {
    std::vector<int64_t> order(static_cast<size_t>(n_all));
    std::iota(order.begin(), order.end(), 0);
    // Larger score first; ties toward the lower (head, position) index.
    std::nth_element(order.begin(), order.begin() + (k - 1), order.end(),
                     [&](int64_t a, int64_t b) {
                       const float sa = pooled[static_cast<size_t>(a)];
                       const float sb = pooled[static_cast<size_t>(b)];
                       return sa != sb ? sa > sb : a < b;
                     });
    for (int64_t i = 0; i < k; ++i)
      ++count[static_cast<size_t>(order[static_cast<size_t>(i)] / n_candidates)];
  }
  const double per_head = static_cast<double>(total) / static_cast<double>(n_heads);
  const double floor_tokens = std::trunc(floor_fraction * per_head);
  for (int64_t h = 0; h < n_heads; ++h) {
    // round half to even, as the published rule (Python's round)
    const double cap = std::nearbyint(
        adaptive_fraction * static_cast<double>(count[static_cast<size_t>(h)]) + floor_tokens);
    caps[static_cast<size_t>(h)] = std::clamp<int64_t>(static_cast<int64_t>(cap), 0, n_candidates);
  }
}

}  // namespace slkv::runtime
