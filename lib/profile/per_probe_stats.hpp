#pragma once
// The per-probe evidence of a profile: for every probe, its table row (family, success, ...)
// and its per-head values. Every aggregate score is recomputed from this, and the HDF5 profile
// stores it verbatim under /per_probe and /probes.

#include <cstdint>
#include <string>
#include <vector>

#include "probes/family.hpp"
#include "profile/head_stats.hpp"

namespace slkv::profile {

// One row of the probe table.
struct ProbeRecord {
  probes::NeedleFamily family = probes::NeedleFamily::kSurface;
  int64_t length_tokens = 0;  // prompt length actually built (BOS included)
  double depth = 0;           // needle position as a fraction of the haystack, after snapping
  bool success = false;
  bool has_distractors = false;
  int64_t n_steps = 0;          // answer steps observed
  int64_t n_needle_tokens = 0;  // |N|
  std::string answer;           // gold
  std::string output;           // model output (decoded), or the forced answer
  // Since the v2 logic templates (older profiles: "" and 0, n_token_ok -1 = not recorded).
  std::string template_name;  // e.g. "logic.older_yesno"
  double chance = 0;          // guessing success rate of the answer form (0 for open answers)
  int64_t n_token_ok = -1;    // teacher-forced steps whose argmax was the gold token
};

struct PerProbeStats {
  int64_t n_layers = 0;
  int64_t n_query_heads = 0;
  std::vector<ProbeRecord> probes;  // [n_probes]
  // Each [n_probes, n_layers, n_query_heads], probe-major.
  std::vector<float> copy_count, surface, logic, retrieval_reasoning, dist, ignore;
  std::vector<float> wtp, wfp, wfn, wtn;
  std::vector<int32_t> tp, fp, fn, tn;
  // Token-level variant of the logic score (head_stats.hpp): [n_probes, n_layers, n_heads], or
  // empty when the profile predates it.
  std::vector<float> logic_token;

  PerProbeStats() = default;
  PerProbeStats(int64_t layers, int64_t query_heads)
      : n_layers(layers), n_query_heads(query_heads) {}

  int64_t n_probes() const { return static_cast<int64_t>(probes.size()); }
  int64_t n_heads_total() const { return n_layers * n_query_heads; }

  // Appends one probe; `record.success`, `has_distractors`, `n_steps` and `n_needle_tokens`
  // are taken from `values`. Throws when the shapes do not match.
  void append(ProbeRecord record, const ProbeHeadValues& values);

  // Throws slkv::Error (naming `where`) when any array is not [n_probes, n_layers, n_heads].
  void validate(const std::string& where) const;
};

}  // namespace slkv::profile
