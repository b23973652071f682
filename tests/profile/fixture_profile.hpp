#pragma once
// A synthetic profile with irregular values, built through the real score and label code:
// shared by the HDF5 tests and by write_profile_fixture (read by the h5py reference script).

#include <cstdint>
#include <string>

#include "probes/rng.hpp"
#include "profile/labels.hpp"
#include "profile/profile_h5.hpp"
#include "profile/scores.hpp"

namespace slkv::test {

inline profile::Profile fixture_profile(int64_t n_layers, int64_t n_heads, int64_t n_probes,
                                        uint64_t seed = 1) {
  probes::Rng rng(seed);
  auto uniform = [&] { return static_cast<float>(rng.below(1u << 20)) / (1u << 20); };
  profile::Profile p;
  p.per_probe = profile::PerProbeStats(n_layers, n_heads);
  const size_t n = static_cast<size_t>(n_layers * n_heads);
  for (int64_t i = 0; i < n_probes; ++i) {
    profile::ProbeHeadValues v;
    v.n_steps = 1 + static_cast<int64_t>(rng.below(5));
    v.n_needle_tokens = 3 + static_cast<int64_t>(rng.below(20));
    v.success = rng.below(3) != 0;
    v.has_distractors = rng.below(4) != 0;
    for (auto* f : {&v.copy_count, &v.surface, &v.logic, &v.retrieval_reasoning, &v.dist, &v.ignore,
                    &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
      f->resize(n);
      for (auto& x : *f) x = uniform();
    }
    for (auto* f : {&v.tp, &v.fp, &v.fn, &v.tn}) {
      f->resize(n);
      for (auto& x : *f) x = static_cast<int32_t>(rng.below(1000));
    }
    profile::ProbeRecord r;
    r.family = i % 2 ? probes::NeedleFamily::kLogic : probes::NeedleFamily::kSurface;
    r.length_tokens = 512 << (i % 3);
    r.depth = static_cast<double>(i % 11) / 10.0;
    r.answer = "answer " + std::to_string(i) + " \xc3\xa9";  // non-ASCII survives
    r.output = i % 4 ? "output " + std::to_string(i) : "";
    p.per_probe.append(r, v);
  }
  p.scores = profile::compute_scores(p.per_probe);
  p.labels = profile::label_heads(p.scores);
  auto& m = p.meta;
  m.model_fingerprint = "0123456789abcdef0123456789abcdef";
  m.model_name = "fixture";
  m.arch = "llama";
  m.n_layers = n_layers;
  m.n_query_heads = n_heads;
  m.n_kv_heads = n_heads > 1 ? n_heads / 2 : 1;
  m.head_dim = 64;
  m.context_length = 8192;
  m.tokenizer = "test-bytes";
  m.probe_config_json = R"({"lengths_tokens":[512,1024],"seed":7})";
  m.seed = 7;
  m.tool_version = "0.1.0-test";
  m.created_utc = "2026-01-01T00:00:00Z";
  return p;
}

}  // namespace slkv::test
