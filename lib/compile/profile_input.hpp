#pragma once
// slkv HDF5 profiles (docs/profile-format.md) as compile input, read through lib/profile's
// read_profile(): the per-head scores and labels, the model shape and fingerprint from the
// root attributes, and the provenance the plan's `source` records.

#include <string>

#include "compile/options.hpp"
#include "compile/score_input.hpp"
#include "profile/profile_h5.hpp"

namespace slkv::compile {

// True when the name ends in .h5 / .hdf5 or the file starts with the 8-byte HDF5 signature.
// Anything else is treated as a lineage score JSON.
bool looks_like_profile(const std::string& path);

struct ProfileInput {
  ScoreInput scores;  // kind "profile"
  ModelShape shape;   // from the root attributes, fingerprint included
};

// Builds the compile input from an already read profile; `file_bytes_hash` is the XXH3-128 of
// the file (the plan's source.hash).
ProfileInput profile_input(const profile::Profile& profile, const std::string& path,
                           const std::string& file_bytes_hash);

// Reads `path` with read_profile(); throws slkv::Error naming the file on any problem.
ProfileInput read_profile_input(const std::string& path);

// Refuses a --shape / --model that disagrees with the profile: shape (layers, query heads, KV
// heads, head dim) always; fingerprint when both have one. `given_what` names the option in the
// message ("--shape 32,32,8,128", "--model m.gguf").
void check_shape_matches(const ModelShape& given, const std::string& given_what,
                         const ModelShape& from_profile, const std::string& profile_path);

}  // namespace slkv::compile
