#pragma once
// Splitting a list of work items (probes, eval prompts) into N shares that finish together, and
// checking that a set of shares covers every item exactly once. Used by slkv-profile's
// --shard I/N, its MPI ranks and `slkv-profile merge`; slkv-eval can reuse it as is: give it
// one cost per prompt, run shard_items(costs, spec), and merge with check_coverage().

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace slkv::dist {

// Share `index` of `count` (0 <= index < count). A count of 1 is the whole grid.
struct ShardSpec {
  int index = 0;
  int count = 1;

  bool whole() const { return count == 1; }
  std::string str() const;  // "I/N"
};

// Parses "I/N" (0-based I: shards of 4 are 0/4 .. 3/4). Throws slkv::Error naming `text`.
ShardSpec parse_shard(const std::string& text);

// Assigns items to `n_shards` shares by longest-processing-time first: items in decreasing
// cost (ties: lower index first) go to the share with the least total cost so far (ties: the
// lowest share). Deterministic: the same costs and count always give the same plan. Each share
// lists its item indices in increasing order. Costs must be finite and >= 0.
std::vector<std::vector<int64_t>> balance_shards(std::span<const double> costs, int n_shards);

// The items of one share of balance_shards(costs, spec.count).
std::vector<int64_t> shard_items(std::span<const double> costs, const ShardSpec& spec);

// Sorted indices as compact ranges: "0-4, 9, 12-13" ("" when empty).
std::string format_index_ranges(std::vector<int64_t> indices);

struct Coverage {
  std::vector<int64_t> missing;     // in [0, n_total) but in no part
  std::vector<int64_t> duplicated;  // in more than one part (or twice in one)
  std::vector<int64_t> out_of_range;
  bool complete() const { return missing.empty() && duplicated.empty() && out_of_range.empty(); }
};

// Which of the items 0..n_total-1 the parts (lists of item indices) miss or repeat.
Coverage check_coverage(int64_t n_total, const std::vector<std::vector<int64_t>>& parts);

}  // namespace slkv::dist
