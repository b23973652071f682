#include "merge.hpp"

#include <cstdio>
#include <iostream>
#include <set>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "dist/part_checks.hpp"
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
dist::RunIdentity run_identity(const EvalPart& p, const std::set<std::string>& keys) {
  const RunHeader& h = p.header;
  dist::RunIdentity out = {
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

void check_same_run(const EvalPart& ref, const std::string& ref_path, const EvalPart& p,
                    const std::string& path) {
  std::set<std::string> keys;
  for (const auto* h : {&ref.header, &p.header}) {
    for (const auto& [k, v] : h->settings.items()) keys.insert(k);
  }
  dist::check_same_run(run_identity(ref, keys), ref_path, run_identity(p, keys), path,
                       "settings hash");
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
  std::vector<dist::ShardSpec> shares;
  for (const auto& p : parts) {
    indices.push_back(p.prompt_indices);
    shares.push_back({p.shard_index, p.shard_count});
  }
  const dist::Coverage c = dist::check_coverage(n_total, indices);
  if (!c.complete()) {
    std::string msg = "the parts do not cover the " + std::to_string(n_total) +
                      " prompts of the run exactly once:";
    if (!c.missing.empty()) {
      msg += "\n  missing prompts " + dist::format_index_ranges(c.missing);
      const std::string absent = dist::absent_shares(shares);
      if (!absent.empty()) msg += " (no part for share " + absent + ")";
    }
    if (!c.duplicated.empty()) {
      msg += "\n  prompts " + dist::format_index_ranges(c.duplicated) + " in more than one part: " +
             dist::shares_holding(c.duplicated, indices, shares, opt.parts);
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
