// lib/dist: --shard parsing, the balanced deterministic share plan, index ranges and coverage.

#include "dist/shard.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace slkv::dist {
namespace {

TEST(Shard, ParsesIOfN) {
  const ShardSpec s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.str(), "2/5");
  EXPECT_TRUE(parse_shard("0/1").whole());
  for (const char* bad : {"5/5", "-1/3", "1", "a/2", "1/", "/2", "0/0", "1/2x", " 1/2"}) {
    try {
      parse_shard(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(Shard, PlanCoversEveryItemOnceAndBalancesCost) {
  // Costs like a probe grid: 3 lengths x 10 probes, longest last.
  std::vector<double> costs;
  for (double len : {512.0, 1024.0, 4096.0}) costs.insert(costs.end(), 10, len + 128.0);
  for (int n : {1, 2, 3, 4, 7, 30, 31}) {
    const auto shares = balance_shards(costs, n);
    ASSERT_EQ(shares.size(), static_cast<size_t>(n));
    const Coverage c = check_coverage(static_cast<int64_t>(costs.size()),
                                      std::vector<std::vector<int64_t>>(shares));
    EXPECT_TRUE(c.complete()) << n;
    double max_load = 0, min_load = 1e300, max_item = 0;
    for (const auto& s : shares) {
      EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
      double load = 0;
      for (int64_t i : s) load += costs[static_cast<size_t>(i)];
      max_load = std::max(max_load, load);
      min_load = std::min(min_load, load);
    }
    for (double c2 : costs) max_item = std::max(max_item, c2);
    // Longest-first greedy: no share exceeds another by more than one item.
    EXPECT_LE(max_load - min_load, max_item) << n;
    EXPECT_EQ(balance_shards(costs, n), shares) << "deterministic";
  }
  // Two shares of 10 long + 10 short items each get 5 of each, not the long ones on one side.
  std::vector<double> two(10, 100.0);
  two.insert(two.end(), 10, 10.0);
  const auto halves = balance_shards(two, 2);
  EXPECT_EQ(halves[0].size(), 10u);
  EXPECT_EQ(std::count_if(halves[0].begin(), halves[0].end(), [](int64_t i) { return i < 10; }), 5);
  EXPECT_EQ(shard_items(two, parse_shard("1/2")), halves[1]);
  // More shares than items: the extra shares are empty.
  EXPECT_TRUE(balance_shards(std::vector<double>{1.0}, 3)[2].empty());
  EXPECT_THROW(balance_shards(costs, 0), Error);
  EXPECT_THROW(balance_shards(std::vector<double>{-1.0}, 2), Error);
}

TEST(Shard, RangesAndCoverage) {
  EXPECT_EQ(format_index_ranges({}), "");
  EXPECT_EQ(format_index_ranges({9, 0, 1, 2, 3, 4, 12, 13, 4}), "0-4, 9, 12-13");
  const Coverage c = check_coverage(8, {{0, 1, 2}, {2, 3}, {7, 9}});
  EXPECT_EQ(c.missing, (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(c.duplicated, (std::vector<int64_t>{2}));
  EXPECT_EQ(c.out_of_range, (std::vector<int64_t>{9}));
  EXPECT_FALSE(c.complete());
  EXPECT_TRUE(check_coverage(3, {{1}, {0, 2}}).complete());
}

}  // namespace
}  // namespace slkv::dist
