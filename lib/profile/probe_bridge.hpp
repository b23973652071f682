#pragma once
// Adapters from a built probe (lib/probes) to the profiler's inputs: the spans head_stats
// needs and the probe-table row. The driver (slkv-profile) calls these around each probe.

#include <string>

#include "probes/probe_set.hpp"
#include "profile/head_stats.hpp"
#include "profile/per_probe_stats.hpp"

namespace slkv::profile {

// Views into `probe`; it must outlive the view.
inline ProbeView probe_view(const probes::Probe& probe) {
  return ProbeView{probe.tokens, probe.needle_spans, probe.distractor_spans};
}

// The table row; success, steps, |N| and has_distractors are filled by PerProbeStats::append.
inline ProbeRecord probe_record(const probes::Probe& probe, std::string output) {
  ProbeRecord r;
  r.family = probe.family;
  r.length_tokens = probe.n_prompt();
  r.depth = probe.depth;
  r.answer = probe.answer;
  r.output = std::move(output);
  return r;
}

}  // namespace slkv::profile
