#pragma once
// The results file of slkv-eval (schema "slkv-eval-results", version 1; docs/eval-format.md):
// settings and input hashes, the method list, one record per prompt and method, and a summary
// per task, method and budget with bootstrap intervals. Also the per-prompt checkpoints that
// --resume reads, and the table printed at the end.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "method_set.hpp"
#include "run_header.hpp"
#include "runner.hpp"

namespace slkv::evaltool {

nlohmann::json prompt_json(const PromptOutcome& p, const std::vector<EvalMethod>& methods);

// Summary rows per (task, method) and per ("all", method): mean score with a 95% bootstrap
// interval over prompts (seeded), relative to FullKV, paired difference to the uniform plan of
// the same budget, fidelity and KV share.
nlohmann::json summarize(const nlohmann::json& prompts, const std::vector<EvalMethod>& methods,
                         uint64_t seed);

// Removes the measured times from one prompt's record: prefill_s, and decode_tok_s and
// compress_s of every method (--no-timings). What is left depends only on the inputs.
void strip_timings(nlohmann::json& prompt);

// The whole results file (schema slkv-eval-results v1) of a run's prompts, in index order.
nlohmann::json results_document(const RunHeader& header, const nlohmann::json& prompts,
                                const nlohmann::json& summary);

// The JSON text slkv-eval writes (one-space indent; invalid UTF-8 in answers replaced by
// U+FFFD, so the text parses back to the same document).
std::string dump_json(const nlohmann::json& j, int indent = 1);

// Fixed-width table of the "all" rows (and per task when there are few tasks).
std::string summary_table(const nlohmann::json& summary);

// Per-prompt checkpoints: OUT.parts/<index>.json, valid for one settings hash.
std::optional<nlohmann::json> read_checkpoint(const std::string& dir, int64_t index,
                                              const std::string& settings_hash,
                                              const std::string& id);
void write_checkpoint(const std::string& dir, int64_t index, const std::string& settings_hash,
                      const nlohmann::json& prompt);
// Removes the checkpoints of `indices` once their results are written (with the temporaries
// a killed writer left of them), then `dir` if that left it empty (other files are kept).
// Failures to remove are reported on stderr, not thrown: the results are already safe.
void remove_checkpoints(const std::string& dir, const std::vector<int64_t>& indices);

}  // namespace slkv::evaltool
