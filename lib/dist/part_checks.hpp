#pragma once
// What a merge of the parts of a sharded run (`slkv-profile merge`, `slkv-eval merge`) says when
// the parts do not fit together: which identity fields differ between two parts, which parts
// hold some items, which shares no part brings. Each tool lists its own fields and item
// indices; the wording is here so that both merges read alike.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dist/shard.hpp"

namespace slkv::dist {

// What must agree between two parts of one run, as (what, value) pairs in a fixed order.
using RunIdentity = std::vector<std::pair<std::string, std::string>>;

// Throws slkv::Error "PATH: not a part of the same run as REF_PATH (what 'b' vs 'a'; ...)"
// naming each field where `part` differs from `ref` (both listed the same way). A field named
// `catch_all` (a hash over everything) differs whenever another does: it is named only alone.
void check_same_run(const RunIdentity& ref, const std::string& ref_path, const RunIdentity& part,
                    const std::string& path, std::string_view catch_all = {});

// "share 1/4 (a.h5), share 3/4 (b.h5)": the parts holding any of `items`. Part k is share
// `shares[k]`, read from `paths[k]`, and holds `part_items[k]` (increasing).
std::string shares_holding(const std::vector<int64_t>& items,
                           const std::vector<std::vector<int64_t>>& part_items,
                           const std::vector<ShardSpec>& shares,
                           const std::vector<std::string>& paths);

// "1/4, 3/4": the shares of N that no part is, when all parts split the items N ways ("" when
// they do not, or when none is absent). `shares` must not be empty.
std::string absent_shares(const std::vector<ShardSpec>& shares);

}  // namespace slkv::dist
