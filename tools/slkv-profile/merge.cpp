#include "merge.hpp"

#include <algorithm>
#include <iostream>
#include <map>

#include "cli_options.hpp"
#include "core/error.hpp"
#include "dist/part_checks.hpp"
#include "dist/shard.hpp"
#include "profile/profile_part.hpp"
#include "profile/summary.hpp"
#include "profile_job.hpp"
#include "resume.hpp"

namespace slkv::tools {

namespace {

// What must agree between two parts of one run, as (what, value) pairs.
dist::RunIdentity run_identity(const profile::ProfilePart& p) {
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
    dist::check_same_run(run_identity(parts[0]), opt.parts[0], run_identity(parts[k]),
                         opt.parts[k]);
  }
  const int64_t n_total = parts[0].n_probes_total;
  std::vector<std::vector<int64_t>> indices;
  std::vector<dist::ShardSpec> shares;
  for (const auto& p : parts) {
    indices.push_back(p.probe_index);
    shares.push_back({p.shard_index, p.shard_count});
  }
  const dist::Coverage c = dist::check_coverage(n_total, indices);
  if (!c.complete()) {
    std::string msg =
        "the parts do not cover the grid of " + std::to_string(n_total) + " probes exactly once:";
    if (!c.missing.empty()) {
      msg += "\n  missing probes " + dist::format_index_ranges(c.missing);
      const std::string absent = dist::absent_shares(shares);
      if (!absent.empty()) msg += " (no part for share " + absent + ")";
    }
    if (!c.duplicated.empty()) {
      msg += "\n  probes " + dist::format_index_ranges(c.duplicated) + " in more than one part: " +
             dist::shares_holding(c.duplicated, indices, shares, opt.parts);
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
