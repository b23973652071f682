#include "dist/shard.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace slkv::dist {

std::string ShardSpec::str() const { return std::to_string(index) + "/" + std::to_string(count); }

ShardSpec parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  auto bad = [&](const std::string& why) -> ShardSpec {
    throw Error("--shard '" + text + "': " + why +
                " (expected I/N with 0 <= I < N, e.g. 0/4 .. 3/4)");
  };
  if (slash == std::string::npos) return bad("no '/'");
  auto parse_int = [&](std::string_view s, int& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
  };
  ShardSpec spec;
  const std::string_view all(text);
  if (!parse_int(all.substr(0, slash), spec.index) ||
      !parse_int(all.substr(slash + 1), spec.count)) {
    return bad("I and N must be integers");
  }
  if (spec.count < 1 || spec.count > 1000000) return bad("N must be between 1 and 1000000");
  if (spec.index < 0 || spec.index >= spec.count) return bad("I must be between 0 and N-1");
  return spec;
}

std::vector<std::vector<int64_t>> balance_shards(std::span<const double> costs, int n_shards) {
  if (n_shards < 1) throw Error("balance_shards: the number of shares must be at least 1");
  for (double c : costs) {
    if (!std::isfinite(c) || c < 0) throw Error("balance_shards: item costs must be finite, >= 0");
  }
  std::vector<int64_t> order(costs.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return costs[static_cast<size_t>(a)] > costs[static_cast<size_t>(b)];
  });
  std::vector<std::vector<int64_t>> shares(static_cast<size_t>(n_shards));
  std::vector<double> load(static_cast<size_t>(n_shards), 0.0);
  for (int64_t item : order) {
    // The least loaded share; the lowest index among equals (min_element keeps the first).
    const size_t s = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    shares[s].push_back(item);
    load[s] += costs[static_cast<size_t>(item)];
  }
  for (auto& s : shares) std::sort(s.begin(), s.end());
  return shares;
}

std::vector<int64_t> shard_items(std::span<const double> costs, const ShardSpec& spec) {
  if (spec.index < 0 || spec.index >= spec.count) {
    throw Error("shard " + spec.str() + ": I must be between 0 and N-1");
  }
  return balance_shards(costs, spec.count)[static_cast<size_t>(spec.index)];
}

std::string format_index_ranges(std::vector<int64_t> indices) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  std::string out;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(indices[i]);
    if (j > i) {
      out += '-';
      out += std::to_string(indices[j]);
    }
    i = j + 1;
  }
  return out;
}

Coverage check_coverage(int64_t n_total, const std::vector<std::vector<int64_t>>& parts) {
  Coverage c;
  std::vector<int> seen(static_cast<size_t>(std::max<int64_t>(n_total, 0)), 0);
  for (const auto& part : parts) {
    for (int64_t i : part) {
      if (i < 0 || i >= n_total) {
        c.out_of_range.push_back(i);
        continue;
      }
      if (++seen[static_cast<size_t>(i)] == 2) c.duplicated.push_back(i);
    }
  }
  for (int64_t i = 0; i < n_total; ++i) {
    if (seen[static_cast<size_t>(i)] == 0) c.missing.push_back(i);
  }
  std::sort(c.duplicated.begin(), c.duplicated.end());
  std::sort(c.out_of_range.begin(), c.out_of_range.end());
  return c;
}

}  // namespace slkv::dist
