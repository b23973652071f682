#include "merge.hpp"

#include <algorithm>
#include <iostream>
#include <map>

#include "cli_options.hpp"
#include "core/error.hpp"
#include "dist/shard.hpp"
#include "profile/profile_part.hpp"
#include "profile/summary.hpp"
#include "profile_job.hpp"
#include "resume.hpp"

namespace slkv::tools {

namespace {

// What must agree between two parts of one run, as (what, value) pairs.
std::vector<std::pair<std::string, std::string>> run_identity(const profile::ProfilePart& p) {
  const profile::ProfileMeta& m = p.meta;
  return {{"model (fingerprint)", m.model_fingerprint},
          {"tokenizer", m.tokenizer},
          {"probe configuration", m.probe_config_json},
          {"seed", std::to_string(m.seed)},
          {"top-k", std::to_string(m.top_k)},
          {"teacher forcing", m.teacher_forced ? "on" : "off"},
          {"label mode", p.label_mode},
          {"tool version", m.tool_version},
          {"grid size", std::to_string(p.n_probes_total)},
          {"runner options (run key)", p.run_key}};
}

std::string shorten(const std::string& s) {
  return s.size() <= 40 ? "'" + s + "'" : "'" + s.substr(0, 37) + "...'";
}

void check_same_run(const profile::ProfilePart& ref, const std::string& ref_path,
                    const profile::ProfilePart& p, const std::string& path) {
  const auto a = run_identity(ref), b = run_identity(p);
  std::string diff;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].second == b[i].second) continue;
    diff += (diff.empty() ? "" : "; ") + a[i].first + " " + shorten(b[i].second) + " vs " +
            shorten(a[i].second);
  }
  if (!diff.empty()) {
    throw Error(path + ": not a part of the same run as " + ref_path + " (" + diff + ")");
  }
}

// "share 1/4 (a.h5), share 3/4 (b.h5)" for the parts holding any of `indices`.
std::string parts_holding(const std::vector<int64_t>& indices,
                          const std::vector<profile::ProfilePart>& parts,
                          const std::vector<std::string>& paths) {
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) {
    const auto& own = parts[k].probe_index;
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

// Shares of N that the parts do not include, when they all split the grid N ways.
std::string absent_shares(const std::vector<profile::ProfilePart>& parts) {
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

CLI::App* add_merge_command(CLI::App& app, MergeOptions& opt) {
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "join the part profiles of a sharded run (--shard I/N) into one profile, byte-identical "
      "to a single-process run");
  cmd->add_option("parts", opt.parts, "part profiles (any order)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", opt.out_path, "profile to write atomically")->required();
  cmd->add_option("--export-lineage", opt.export_lineage_dir,
                  "also write lineage score JSON files into this directory");
  cmd->add_flag("--quiet,-q", opt.quiet, "no summary");
  return cmd;
}

int run_merge(const MergeOptions& opt) {
  std::vector<profile::ProfilePart> parts;
  for (const std::string& path : opt.parts) parts.push_back(profile::read_profile_part(path));
  for (size_t k = 1; k < parts.size(); ++k) {
    check_same_run(parts[0], opt.parts[0], parts[k], opt.parts[k]);
  }
  const int64_t n_total = parts[0].n_probes_total;
  std::vector<std::vector<int64_t>> indices;
  for (const auto& p : parts) indices.push_back(p.probe_index);
  const dist::Coverage c = dist::check_coverage(n_total, indices);
  if (!c.complete()) {
    std::string msg =
        "the parts do not cover the grid of " + std::to_string(n_total) + " probes exactly once:";
    if (!c.missing.empty()) {
      msg += "\n  missing probes " + dist::format_index_ranges(c.missing);
      const std::string absent = absent_shares(parts);
      if (!absent.empty()) msg += " (no part for share " + absent + ")";
    }
    if (!c.duplicated.empty()) {
      msg += "\n  probes " + dist::format_index_ranges(c.duplicated) +
             " in more than one part: " + parts_holding(c.duplicated, parts, opt.parts);
    }
    throw Error(msg);
  }

  // Grid order; each probe's row exactly as its share computed it.
  std::vector<FinishedProbe> done(static_cast<size_t>(n_total));
  for (const auto& p : parts) {
    for (size_t i = 0; i < p.probe_index.size(); ++i) {
      FinishedProbe& f = done[static_cast<size_t>(p.probe_index[i])];
      f.record = p.per_probe.probes[i];
      f.values = profile::probe_row_values(p.per_probe, static_cast<int64_t>(i));
    }
  }
  // The earliest creation time of the shares (all equal when SOURCE_DATE_EPOCH was set).
  profile::ProfileMeta meta = parts[0].meta;
  for (const auto& p : parts) meta.created_utc = std::min(meta.created_utc, p.meta.created_utc);
  meta.schema_version = profile::kProfileSchemaVersion;

  const profile::Profile prof = assemble_profile(meta, parts[0].label_mode, done);
  write_profile_outputs(opt.out_path, prof, opt.export_lineage_dir);
  if (!opt.quiet) std::cout << profile::profile_summary(prof);
  std::cout << "merged " << parts.size() << " parts (" << n_total << " probes) into "
            << opt.out_path << "\n";
  return kExitOk;
}

}  // namespace slkv::tools
