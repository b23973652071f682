#include "probes/span.hpp"

#include <algorithm>
#include <cstdint>

namespace slkv::probes {

int64_t covered_positions(std::span<const Span> spans) {
  std::vector<Span> sorted(spans.begin(), spans.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  int64_t covered = 0;
  int64_t reach = INT64_MIN;
  for (const Span& s : sorted) {
    if (s.empty()) continue;
    const int64_t from = std::max(s.begin, reach);
    if (s.end > from) covered += s.end - from;
    reach = std::max(reach, s.end);
  }
  return covered;
}

}  // namespace slkv::probes
