#pragma once
// What budget compilation starts from, whatever file it came from: a lineage score JSON
// (HeadKV / REAL) or an slkv HDF5 profile. The per-head scores and labels are lib/profile's own
// types (profile::HeadScores, profile::HeadLabels), so the profile reader, the labeller and the
// compiler share one definition; this struct only adds the lineage mean scores and provenance.

#include <cstdint>
#include <string>
#include <vector>

#include "profile/bootstrap.hpp"
#include "profile/labels.hpp"
#include "profile/scores.hpp"

namespace slkv::compile {

struct ScoreInput {
  int64_t n_layers = 0;
  int64_t n_heads = 0;  // query heads

  // "lineage": `direct` holds the file's per-head score (mean over probes) and is used as the
  // importance s as it is. "profile": `scores` is filled and the importance is
  // norm(S_logic) + alpha * norm(S_surface) (METHOD.md section 5).
  std::string kind;
  std::vector<double> direct;  // [n_layers, n_heads]; lineage only
  profile::HeadScores scores;  // [n_layers, n_heads] each; profile only
  // Optional (profiles): flags ([n_layers, n_heads] profile::HeadFlag bits) and primary labels
  // ([n_layers, n_heads] profile::HeadLabel). Empty vectors mean "no labels".
  profile::HeadLabels labels;
  // Optional (profiles with /confidence): the bootstrap label confidence; empty() otherwise.
  profile::LabelConfidence confidence;

  // Provenance for the plan's `source`.
  std::string source_path;
  std::string source_hash;   // XXH3-128 of the file bytes
  std::string probe_set;     // lineage: the file name; profile: "probe_config:<XXH3-128>"
  uint64_t seed = 0;         // profile: the probe seed; lineage: 0
  std::string tool_version;  // profile: the slkv version that wrote it; lineage: empty
  int64_t n_probes = 0;      // lineage: the longest list; profile: probes in the file

  bool has_labels() const { return !labels.primary.empty(); }

  size_t index(int64_t layer, int64_t head) const {
    return static_cast<size_t>(layer * n_heads + head);
  }
};

}  // namespace slkv::compile
