#pragma once
// Token spans of a probe: half-open [begin, end) ranges of prompt positions, the one currency
// between the probe builder (lib/probes) and the per-head statistics (lib/profile).

#include <cstdint>
#include <span>
#include <vector>

namespace slkv::probes {

struct Span {
  int64_t begin = 0;
  int64_t end = 0;  // exclusive
  int64_t size() const { return end - begin; }
  bool empty() const { return end <= begin; }
  bool contains(int64_t pos) const { return pos >= begin && pos < end; }
  bool operator==(const Span&) const = default;
};

// Number of positions covered by a set of spans (overlaps counted once).
int64_t covered_positions(std::span<const Span> spans);

}  // namespace slkv::probes
