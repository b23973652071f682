#include "dist/part_checks.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace slkv::dist {

namespace {

std::string shorten(const std::string& s) {
  return s.size() <= 40 ? "'" + s + "'" : "'" + s.substr(0, 37) + "...'";
}

}  // namespace

void check_same_run(const RunIdentity& ref, const std::string& ref_path, const RunIdentity& part,
                    const std::string& path, std::string_view catch_all) {
  std::string diff;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (ref[i].second == part[i].second) continue;
    if (!catch_all.empty() && ref[i].first == catch_all && !diff.empty()) continue;
    diff += (diff.empty() ? "" : "; ") + ref[i].first + " " + shorten(part[i].second) + " vs " +
            shorten(ref[i].second);
  }
  if (!diff.empty()) {
    throw Error(path + ": not a part of the same run as " + ref_path + " (" + diff + ")");
  }
}

std::string shares_holding(const std::vector<int64_t>& items,
                           const std::vector<std::vector<int64_t>>& part_items,
                           const std::vector<ShardSpec>& shares,
                           const std::vector<std::string>& paths) {
  std::string out;
  for (size_t k = 0; k < part_items.size(); ++k) {
    const auto& own = part_items[k];
    const bool holds = std::any_of(items.begin(), items.end(), [&](int64_t i) {
      return std::binary_search(own.begin(), own.end(), i);
    });
    if (!holds) continue;
    out +=
        (out.empty() ? "" : ", ") + std::string("share ") + shares[k].str() + " (" + paths[k] + ")";
  }
  return out;
}

std::string absent_shares(const std::vector<ShardSpec>& shares) {
  const int n = shares.front().count;
  std::vector<bool> seen(static_cast<size_t>(n), false);
  for (const ShardSpec& s : shares) {
    if (s.count != n) return "";
    seen[static_cast<size_t>(s.index)] = true;
  }
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (!seen[static_cast<size_t>(i)]) out += (out.empty() ? "" : ", ") + ShardSpec{i, n}.str();
  }
  return out;
}

}  // namespace slkv::dist
