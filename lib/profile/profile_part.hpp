#pragma once
// A part profile: the per-probe evidence of one share of a sharded profiling run
// (`slkv-profile --shard I/N`), to be joined by `slkv-profile merge`. Same HDF5 layout as the
// profile for what they share (root provenance attributes, /per_probe, /probes), under its own
// schema name so no tool mistakes a part for a whole profile; plus what the merge checks: the
// run key (everything that changes a probe's values), the label mode, which share of how many
// this is, the grid size and the global index of every probe it holds (/part/probe_index).
// See docs/profile-format.md ("Part profiles").

#include <cstdint>
#include <string>
#include <vector>

#include "profile/per_probe_stats.hpp"
#include "profile/profile_h5.hpp"

namespace slkv::profile {

inline constexpr const char* kProfilePartSchemaName = "slkv.profile.part";
inline constexpr int kProfilePartSchemaVersion = 1;

struct ProfilePart {
  ProfileMeta meta;        // as the whole profile will carry it (created_utc of this share)
  std::string run_key;     // hash of model, probe configuration and runner options
  std::string label_mode;  // labels of the merged profile: "quantile" or "absolute"
  int shard_index = 0;
  int shard_count = 1;
  int64_t n_probes_total = 0;        // probes in the whole grid
  std::vector<int64_t> probe_index;  // global index of each row of per_probe, increasing
  PerProbeStats per_probe;
};

// Throws slkv::Error naming `path`; an existing file is left untouched on failure.
void write_profile_part(const std::string& path, const ProfilePart& part);
// Checks the schema, shapes and indices; throws slkv::Error naming `path`.
ProfilePart read_profile_part(const std::string& path);

// Row `i` of `stats` as the values PerProbeStats::append() takes.
ProbeHeadValues probe_row_values(const PerProbeStats& stats, int64_t i);

}  // namespace slkv::profile
