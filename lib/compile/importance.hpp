#pragma once
// From scores to the importance s that the methods allocate by, and from query heads to KV
// heads (GQA). METHOD.md section 5.

#include <string>
#include <vector>

#include "compile/score_input.hpp"

namespace slkv::compile {

// Per query head importance, [n_layers, n_heads]:
//  - lineage scores: the file's per-head mean score, used directly;
//  - profile scores: norm(S_logic) + alpha * norm(S_surface), norm = divide by the sum over
//    heads (a zero sum leaves zeros); heads whose only flag is "ignoring" get 0.
//    With zero_ignoring false every head keeps its continuous score.
std::vector<double> query_head_importance(const ScoreInput& scores, double alpha,
                                          bool zero_ignoring = true);

// s' = (1 - mix) s / sum(s) + mix / n: a share `mix` of the importance spread uniformly
// (uniform when every s is 0). mix in [0, 1].
std::vector<double> mix_with_uniform(const std::vector<double>& s, double mix);

// Aggregates [n_layers, n_heads] query-head values to [n_layers, n_kv_heads] KV-head values:
// query head h belongs to KV head h / (n_heads / n_kv_heads) (the usual repeat_kv layout);
// `how` is "sum" or "max".
std::vector<double> aggregate_to_kv_heads(const std::vector<double>& query_values, int64_t n_layers,
                                          int64_t n_heads, int64_t n_kv_heads,
                                          const std::string& how);

// Primary label of a KV head from its query heads' primary labels (precedence surface > logic
// > distracted > ignoring): the cache of a KV head serves all of its query heads, so it is
// "ignoring" only when every one of them is, and carries the strongest label any of them has.
profile::HeadLabel kv_head_label(const std::vector<profile::HeadLabel>& query_labels);

}  // namespace slkv::compile
