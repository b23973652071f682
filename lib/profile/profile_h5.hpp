#pragma once
// The profile file (docs/profile-format.md): one HDF5 file per profiled model holding the
// provenance (root attributes), the per-head scores [n_layers, n_query_heads], the per-probe
// evidence [n_probes, n_layers, n_query_heads], the probe table, the labels and thresholds.
// Written atomically; the same Profile (creation time included) gives byte-identical files.
// slkv-compile reads profiles through read_profile().

#include <cstdint>
#include <string>

#include "profile/bootstrap.hpp"
#include "profile/labels.hpp"
#include "profile/per_probe_stats.hpp"
#include "profile/scores.hpp"

namespace slkv::profile {

inline constexpr const char* kProfileSchemaName = "slkv.profile";
inline constexpr int kProfileSchemaVersion = 1;

struct ProfileMeta {
  int schema_version = kProfileSchemaVersion;
  std::string model_fingerprint;  // hash of the checkpoint's tensors and config
  std::string model_name;         // cosmetic
  std::string arch;
  int64_t n_layers = 0;
  int64_t n_query_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t context_length = 0;
  std::string tokenizer;          // TextEncoder::identity()
  std::string probe_config_json;  // probes::probe_config_json(...).dump()
  uint64_t seed = 0;
  int top_k = 10;
  bool teacher_forced = false;
  std::string tool_version;
  // ISO 8601 UTC. The only field that differs between two runs on the same inputs; set it to
  // a fixed value (or "") for byte-identical profiles. See creation_time_utc().
  std::string created_utc;
};

struct Profile {
  ProfileMeta meta;
  PerProbeStats per_probe;
  HeadScores scores;
  HeadLabels labels;
  LabelConfidence confidence;  // optional: empty() when no bootstrap was stored
};

// Throws slkv::Error naming `path`; an existing file is left untouched on failure.
void write_profile(const std::string& path, const Profile& profile);
// Checks the schema name and version and every shape; throws slkv::Error naming `path`.
Profile read_profile(const std::string& path);

// Now as "YYYY-MM-DDTHH:MM:SSZ", or the time given by SOURCE_DATE_EPOCH when it is set
// (reproducible builds convention).
std::string creation_time_utc();

}  // namespace slkv::profile
