#pragma once
// Integer rounding that keeps totals exact: largest remainder, and a clamp that hands what it
// cuts (or adds) to the other heads in proportion to their weights.

#include <cstdint>
#include <vector>

namespace slkv::compile {

// Rounds non-negative `values` to integers summing to `target`, which must lie in
// [sum floor(v), sum floor(v) + n]: each value gets its floor, then the largest fractional
// parts get one more, ties to the lower index. Monotone: a larger value never gets less.
std::vector<int64_t> round_largest_remainder(const std::vector<double>& values, int64_t target);

// Moves caps into [lo, hi] while keeping their sum: caps above hi are cut to hi and the excess
// goes to heads below hi in proportion to `weights` (uniformly when all their weights are 0);
// caps below lo are raised to lo and the deficit is taken from heads above lo in proportion to
// their excess over lo. Repeats until every cap is in range. `extra` tokens (may be negative)
// are added to the sum first in the same way. Returns the tokens that could not be placed
// (positive: every head is at hi; negative: every head is at lo); 0 when the total was kept.
int64_t clamp_redistribute(std::vector<int64_t>& caps, const std::vector<double>& weights,
                           int64_t lo, int64_t hi, int64_t extra = 0);

}  // namespace slkv::compile
