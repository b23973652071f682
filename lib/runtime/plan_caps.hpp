#pragma once
// Integer caps of one layer for an actual prompt length T (docs/budget-format.md, "Caps for a
// prompt"). A cap counts tokens kept beyond the window of the w most recent tokens; it is
// clamped to [0, T - w] and what a clamp removes goes to the heads that still have room, so
// layer totals stay exact whenever the prompt can hold them.

#include <cstdint>
#include <span>

#include "runtime/plan.hpp"

namespace slkv::runtime {

// out: [n_plan_heads] caps beyond the window for prompt length n_tokens. Throws PlanError for a
// layer out of range, n_tokens < 0 or an output of the wrong size.
void caps_for_length(const Plan& plan, int64_t layer, int64_t n_tokens, std::span<int64_t> out);

// Largest-remainder apportionment of `total` units by `weights` (uniform when all are 0), each
// share bounded by `bounds`; what a bound cuts off goes to the heads below their bound, again
// by weight. Remainder ties go to the lower index. Result sums to min(total, sum(bounds)).
void apportion_bounded(int64_t total, std::span<const double> weights,
                       std::span<const int64_t> bounds, std::span<int64_t> out);

}  // namespace slkv::runtime
