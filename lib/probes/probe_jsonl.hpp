#pragma once
// --dump-probes: the probes as JSON Lines, one object per probe, so they can be inspected and
// reused. Fields: index, family, template, answer_kind, target_length, length, depth_requested,
// depth, text (prompt without BOS), tokens (BOS included), spans {N, D, Q, needle_block,
// answer_in_needle, answer} as [begin, end) pairs, question, answer, answer_tokens.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "probes/probe_set.hpp"

namespace slkv::probes {

nlohmann::json probe_to_json(const Probe& probe);
Probe probe_from_json(const nlohmann::json& j);  // throws slkv::Error on a malformed object

// Written atomically; throws slkv::Error naming the path.
void write_probes_jsonl(const std::string& path, const std::vector<Probe>& probes);
std::vector<Probe> read_probes_jsonl(const std::string& path);

}  // namespace slkv::probes
