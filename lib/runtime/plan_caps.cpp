#include "runtime/plan_caps.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace slkv::runtime {
namespace {

// One largest-remainder round over `active` heads: adds floor quotas plus one unit to the
// heads with the largest fractional parts (lower index first on ties).
void largest_remainder(int64_t total, std::span<const double> weights,
                       const std::vector<size_t>& active, std::vector<int64_t>& add) {
  double sum_w = 0;
  for (size_t i : active) sum_w += weights[i];
  const bool uniform = !(sum_w > 0);
  std::vector<double> frac(active.size());
  int64_t given = 0;
  for (size_t a = 0; a < active.size(); ++a) {
    double w = uniform ? 1.0 : weights[active[a]];
    // quota in [0, total] (w <= sum_w, both finite: shares are bounded at load).
    double quota = static_cast<double>(total) * w / (uniform ? active.size() : sum_w);
    double fl = std::clamp(std::floor(quota), 0.0, static_cast<double>(total));
    add[a] = static_cast<int64_t>(fl);
    frac[a] = quota - fl;
    given += add[a];
  }
  // Floating-point quotas can overshoot by a unit in degenerate cases; take it back first.
  for (size_t a = active.size(); given > total && a-- > 0;) {
    if (add[a] > 0) {
      --add[a];
      --given;
    }
  }
  std::vector<size_t> order(active.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return frac[x] > frac[y]; });
  // Rounding leaves fewer than a few units per head; a whole round per head at once first, so
  // the one-unit loop below never runs more than active.size() times whatever the inputs.
  const auto n_active = static_cast<int64_t>(active.size());
  if (total - given >= n_active) {
    const int64_t each = (total - given) / n_active;
    for (auto& a : add) a += each;
    given += each * n_active;
  }
  for (size_t k = 0; given < total; k = (k + 1) % order.size()) {
    ++add[order[k]];
    ++given;
  }
}

}  // namespace

void apportion_bounded(int64_t total, std::span<const double> weights,
                       std::span<const int64_t> bounds, std::span<int64_t> out) {
  const size_t n = out.size();
  std::fill(out.begin(), out.end(), 0);
  int64_t remaining = total;
  std::vector<bool> saturated(n, false);
  for (size_t i = 0; i < n; ++i) saturated[i] = bounds[i] <= 0;
  while (remaining > 0) {
    std::vector<size_t> active;
    for (size_t i = 0; i < n; ++i) {
      if (!saturated[i]) active.push_back(i);
    }
    if (active.empty()) break;
    std::vector<int64_t> add(active.size());
    largest_remainder(remaining, weights, active, add);
    bool clamped = false;
    for (size_t a = 0; a < active.size(); ++a) {
      size_t i = active[a];
      int64_t room = bounds[i] - out[i];
      int64_t take = std::min(add[a], room);
      out[i] += take;
      remaining -= take;
      if (out[i] >= bounds[i]) {
        saturated[i] = true;
        if (add[a] > room) clamped = true;
      }
    }
    if (!clamped) break;  // everything placed
  }
}

void caps_for_length(const Plan& plan, int64_t layer, int64_t n_tokens, std::span<int64_t> out) {
  const int64_t n_heads = plan.n_plan_heads();
  if (layer < 0 || layer >= plan.model.n_layers)
    throw PlanError("layer " + std::to_string(layer) + " is out of range [0, " +
                    std::to_string(plan.model.n_layers) + ")");
  if (n_tokens < 0 || n_tokens > kPlanMaxTokens)
    throw PlanError("prompt length " + std::to_string(n_tokens) + " is outside [0, " +
                    std::to_string(kPlanMaxTokens) + "]");
  if (static_cast<int64_t>(out.size()) != n_heads)
    throw PlanError("caps output has " + std::to_string(out.size()) + " entries, the plan has " +
                    std::to_string(n_heads) + " heads per layer");
  const int64_t room = std::max<int64_t>(0, n_tokens - plan.window);  // tokens beyond the window
  const auto& row = plan.caps[static_cast<size_t>(layer)];
  std::vector<int64_t> bounds(static_cast<size_t>(n_heads), room);

  if (plan.budget_mode == BudgetMode::kTokens) {
    // Heads over the room give their excess to the others, in proportion to their caps.
    int64_t total = 0;
    for (double c : row) total += static_cast<int64_t>(c);
    apportion_bounded(total, row, bounds, out);
    return;
  }

  // Ratio mode. Model-wide pool beyond the windows: floor(N * max(0, ratio*T - w)); layers get
  // their share of it by largest remainder over layer share sums (bounded by what the layer can
  // hold), so the model total is exact.
  const int64_t n_all = plan.model.n_layers * n_heads;
  const double per_head = std::max(
      0.0, plan.budget_value * static_cast<double>(n_tokens) - static_cast<double>(plan.window));
  const auto pool = static_cast<int64_t>(std::floor(static_cast<double>(n_all) * per_head));
  std::vector<double> layer_share(plan.caps.size());
  for (size_t l = 0; l < plan.caps.size(); ++l)
    layer_share[l] = std::accumulate(plan.caps[l].begin(), plan.caps[l].end(), 0.0);
  std::vector<int64_t> layer_total(plan.caps.size());
  // A layer holds at most n_heads * room; what it cannot hold goes to the other layers.
  std::vector<int64_t> layer_room(plan.caps.size(), n_heads * room);
  apportion_bounded(pool, layer_share, layer_room, layer_total);
  const int64_t total = layer_total[static_cast<size_t>(layer)];
  // Every head first gets the floor (as far as the prompt allows), then the rest by share.
  const int64_t floor_cap = std::min(plan.min_cap, room);
  const int64_t rest = std::max<int64_t>(0, total - floor_cap * n_heads);
  for (auto& b : bounds) b = room - floor_cap;
  apportion_bounded(rest, row, bounds, out);
  for (auto& c : out) c += floor_cap;
}

}  // namespace slkv::runtime
