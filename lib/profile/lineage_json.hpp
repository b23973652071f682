#pragma once
// Score files of the lineage (Retrieval Head, HeadKV, REAL): a JSON object
// {"<layer>-<head>": [score per probe, ...]} per score, 0-based query heads. slkv writes one
// file per score (--export-lineage DIR) and reads such files, parsing every key, since their
// key order is not reliable.

#include <cstdint>
#include <string>
#include <vector>

#include "profile/per_probe_stats.hpp"

namespace slkv::profile {

// Writes DIR/surface.json, logic.json, retrieval_reasoning.json and ignore.json (creating DIR).
// Each list holds the per-probe values of the probes that score admits (scores.hpp), in probe
// order, so the mean of a list is the profile's score for that head. Keys are layer-major.
void export_lineage(const std::string& dir, const PerProbeStats& stats);

struct LineageScores {
  int64_t n_layers = 0;                       // 1 + the largest layer seen
  int64_t n_query_heads = 0;                  // 1 + the largest head seen
  std::vector<std::vector<double>> per_head;  // [n_layers * n_query_heads] lists, layer-major

  // Mean of each list ([n_layers, n_query_heads]); 0 for a head with an empty or absent list.
  std::vector<float> means() const;
};

// Throws slkv::Error naming the file on malformed JSON, a bad key, a duplicate key, a
// non-numeric value or a grid with missing heads.
LineageScores read_lineage_json(const std::string& path);

}  // namespace slkv::profile
