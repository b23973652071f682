#include "merge.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "dist/shard.hpp"
#include "part_file.hpp"
#include "results.hpp"

namespace slkv::evaltool {

namespace {

std::string text_of(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>()
                       : j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// What must agree between two parts of one run, as (what, value) pairs. Settings are named one
// by one; the settings hash at the end catches anything else (e.g. plan paths).
std::vector<std::pair<std::string, std::string>> run_identity(const EvalPart& p,
                                                              const std::set<std::string>& keys) {
  const RunHeader& h = p.header;
  std::vector<std::pair<std::string, std::string>> out = {
      {"tool version", h.tool_version},
      {"model (fingerprint)", text_of(h.model.value("fingerprint", nlohmann::json()))},
      {"model architecture", text_of(h.model.value("arch", nlohmann::json()))}};
  for (const std::string& k : keys) {
    out.emplace_back(k, text_of(h.settings.value(k, nlohmann::json())));
  }
  out.emplace_back("tasks (sha256 of the prompts)",
                   text_of(h.inputs.value("tasks_sha256", nlohmann::json())));
  out.emplace_back("plans", text_of(h.inputs.value("plans", nlohmann::json())));
  out.emplace_back("profile", text_of(h.inputs.value("profile", nlohmann::json())));
  out.emplace_back("methods", text_of(h.methods));
  out.emplace_back("timings", p.timings ? "kept" : "omitted (--no-timings)");
  out.emplace_back("prompt count", std::to_string(p.n_prompts_total));
  out.emplace_back("settings hash", h.settings_hash);
  return out;
}

std::string shorten(const std::string& s) {
  return s.size() <= 40 ? "'" + s + "'" : "'" + s.substr(0, 37) + "...'";
}

void check_same_run(const EvalPart& ref, const std::string& ref_path, const EvalPart& p,
                    const std::string& path) {
  std::set<std::string> keys;
  for (const auto* h : {&ref.header, &p.header}) {
    for (const auto& [k, v] : h->settings.items()) keys.insert(k);
  }
  const auto a = run_identity(ref, keys), b = run_identity(p, keys);
  std::string diff;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].second == b[i].second) continue;
    // The hash differs whenever anything above it does: name it only when nothing else does.
    if (a[i].first == "settings hash" && !diff.empty()) continue;
    diff += (diff.empty() ? "" : "; ") + a[i].first + " " + shorten(b[i].second) + " vs " +
            shorten(a[i].second);
  }
  if (!diff.empty()) {
    throw Error(path + ": not a part of the same run as " + ref_path + " (" + diff + ")");
  }
}

// "share 1/4 (a.json), share 3/4 (b.json)" for the parts holding any of `indices`.
std::string parts_holding(const std::vector<int64_t>& indices, const std::vector<EvalPart>& parts,
                          const std::vector<std::string>& paths) {
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) {
    const auto& own = parts[k].prompt_indices;
    const bool holds = std::any_of(indices.begin(), indices.end(), [&](int64_t i) {
      return std::binary_search(own.begin(), own.end(), i);
    });
    if (!holds) continue;
    out += (out.empty() ? "" : ", ") + std::string("share ") +
           std::to_string(parts[k].shard_index) + "/" + std::to_string(parts[k].shard_count) +
           " (" + paths[k] + ")";
  }
  return out;
}

// Shares of N that the parts do not include, when they all split the prompts N ways.
std::string absent_shares(const std::vector<EvalPart>& parts) {
  const int n = parts.front().shard_count;
  std::vector<bool> seen(static_cast<size_t>(n), false);
  for (const auto& p : parts) {
    if (p.shard_count != n) return "";
    seen[static_cast<size_t>(p.shard_index)] = true;
  }
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (!seen[static_cast<size_t>(i)]) {
      out += (out.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(n);
    }
  }
  return out;
}

}  // namespace

int run_merge(const MergeOptions& opt) {
  std::vector<EvalPart> parts;
  for (const std::string& path : opt.parts) parts.push_back(read_part(path));
  for (size_t k = 1; k < parts.size(); ++k) {
    check_same_run(parts[0], opt.parts[0], parts[k], opt.parts[k]);
  }
  const int64_t n_total = parts[0].n_prompts_total;
  std::vector<std::vector<int64_t>> indices;
  for (const auto& p : parts) indices.push_back(p.prompt_indices);
  const dist::Coverage c = dist::check_coverage(n_total, indices);
  if (!c.complete()) {
    std::string msg = "the parts do not cover the " + std::to_string(n_total) +
                      " prompts of the run exactly once:";
    if (!c.missing.empty()) {
      msg += "\n  missing prompts " + dist::format_index_ranges(c.missing);
      const std::string absent = absent_shares(parts);
      if (!absent.empty()) msg += " (no part for share " + absent + ")";
    }
    if (!c.duplicated.empty()) {
      msg += "\n  prompts " + dist::format_index_ranges(c.duplicated) +
             " in more than one part: " + parts_holding(c.duplicated, parts, opt.parts);
    }
    if (!c.out_of_range.empty()) {
      msg += "\n  prompt indices " + dist::format_index_ranges(c.out_of_range) + " out of range";
    }
    throw Error(msg);
  }

  // Index order; each prompt's record exactly as its share wrote it.
  nlohmann::json prompts = nlohmann::json::array();
  std::vector<const nlohmann::json*> at(static_cast<size_t>(n_total), nullptr);
  for (const auto& p : parts) {
    for (size_t i = 0; i < p.prompt_indices.size(); ++i) {
      at[static_cast<size_t>(p.prompt_indices[i])] = &p.prompts[i];
    }
  }
  for (const nlohmann::json* j : at) prompts.push_back(*j);

  const RunHeader& header = parts[0].header;
  nlohmann::json summary;
  try {
    const uint64_t seed = header.settings.at("seed").get<uint64_t>();
    summary = summarize(prompts, methods_from_json(header.methods), seed);
  } catch (const nlohmann::json::exception& e) {
    throw Error(opt.parts[0] + ": malformed part file (" + e.what() + ")");
  }
  std::cout << summary_table(summary);
  write_file_atomic(opt.out, dump_json(results_document(header, prompts, summary)));
  std::cout << "merged " << parts.size() << " parts (" << n_total << " prompts) into " << opt.out
            << "\n";
  return 0;
}

}  // namespace slkv::evaltool
