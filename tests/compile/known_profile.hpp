#pragma once
// A small slkv profile with hand-chosen scores and labels (3 layers x 4 query heads, 2 KV
// heads), written through lib/profile's writer, for the compile tests. One successful logic
// probe whose per-probe values are the scores, so compute_scores() reproduces them exactly.

#include <cstdint>
#include <string>
#include <vector>

#include "profile/labels.hpp"
#include "profile/profile_h5.hpp"
#include "profile/scores.hpp"

namespace slkv::test {

// [3, 4] layer-major. Dyadic values, so float storage and the sums are exact.
inline const std::vector<float> kKnownLogic = {0.5f,   0.25f,  0.0f,  0.0f,   // layer 0
                                               0.125f, 0.125f, 0.5f,  0.0f,   // layer 1
                                               0.0f,   0.0f,   0.25f, 0.0f};  // layer 2
inline const std::vector<float> kKnownSurface = {0.0f, 0.0f, 0.5f, 0.0f,      //
                                                 0.0f, 0.0f, 0.0f, 0.5f,      //
                                                 0.0f, 0.0f, 0.0f, 0.0f};
// Flags (bit 1 surface, 2 logic, 4 ignoring) and primary labels (0 surface, 1 logic,
// 2 ignoring, 3 distracted). Layer 1 head 2 has S_logic 0.5 but is flagged only "ignoring", so
// its importance must be 0; layer 0 head 2 is surface + ignoring and keeps its importance.
inline const std::vector<uint8_t> kKnownFlags = {2, 2, 5, 4,  //
                                                 0, 2, 4, 1,  //
                                                 4, 4, 0, 4};
inline const std::vector<uint8_t> kKnownPrimary = {1, 1, 0, 2,  //
                                                   3, 1, 2, 0,  //
                                                   2, 2, 3, 2};

inline profile::Profile known_profile(const std::string& fingerprint = "feedfacefeedface") {
  const int64_t L = 3, H = 4;
  const size_t n = static_cast<size_t>(L * H);
  profile::Profile p;
  p.per_probe = profile::PerProbeStats(L, H);
  profile::ProbeHeadValues v;
  v.n_steps = 2;
  v.n_needle_tokens = 5;
  v.success = true;
  v.has_distractors = true;
  for (auto* f : {&v.copy_count, &v.retrieval_reasoning, &v.dist, &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
    f->assign(n, 0.0f);
  }
  v.surface = kKnownSurface;
  v.logic = kKnownLogic;
  v.ignore.assign(n, 0.75f);
  for (auto* f : {&v.tp, &v.fp, &v.fn, &v.tn}) f->assign(n, 1);
  profile::ProbeRecord r;
  r.family = probes::NeedleFamily::kLogic;
  r.length_tokens = 512;
  r.depth = 0.5;
  r.answer = "42";
  r.output = "42";
  p.per_probe.append(r, v);
  p.scores = profile::compute_scores(p.per_probe);
  p.labels.n_layers = L;
  p.labels.n_query_heads = H;
  p.labels.flags = kKnownFlags;
  p.labels.primary = kKnownPrimary;
  p.labels.thresholds.mode = profile::LabelMode::kAbsolute;
  p.labels.thresholds.tau_surface = 0.5;
  p.labels.thresholds.tau_logic = 0.1;
  p.labels.thresholds.tau_ignoring = 0.7;
  auto& m = p.meta;
  m.model_fingerprint = fingerprint;
  m.model_name = "known";
  m.arch = "llama";
  m.n_layers = L;
  m.n_query_heads = H;
  m.n_kv_heads = 2;
  m.head_dim = 16;
  m.context_length = 4096;
  m.tokenizer = "test-bytes";
  m.probe_config_json = R"({"lengths_tokens":[512],"seed":11})";
  m.seed = 11;
  m.tool_version = "9.9.9-test";
  m.created_utc = "2026-01-01T00:00:00Z";
  return p;
}

// Importance of METHOD.md section 5 for known_profile(), by hand: logic sums to 1.75 and
// surface to 1.0 over the model; ignoring-only heads (flags == 4) get 0.
inline std::vector<double> known_importance(double alpha) {
  std::vector<double> s(kKnownLogic.size());
  for (size_t i = 0; i < s.size(); ++i) {
    s[i] = kKnownFlags[i] == 4 ? 0.0 : kKnownLogic[i] / 1.75 + alpha * (kKnownSurface[i] / 1.0);
  }
  return s;
}

}  // namespace slkv::test
