#pragma once
// `slkv-profile merge PART.h5... --out PROFILE.h5`: joins the part profiles of a sharded run
// (--shard I/N) into the profile one process would have written. Refuses parts of different
// runs (model, probe configuration, seed, runner options, label mode, tool version) naming the
// file and what differs, and reports missing or repeated probes by index and share.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace slkv::tools {

struct MergeOptions {
  std::vector<std::string> parts;
  std::string out_path;
  std::string export_lineage_dir;
  bool quiet = false;  // no summary
};

// Adds the `merge` subcommand to `app`.
CLI::App* add_merge_command(CLI::App& app, MergeOptions& opt);

// Exit codes as slkv-profile's (cli_options.hpp).
int run_merge(const MergeOptions& opt);

}  // namespace slkv::tools
