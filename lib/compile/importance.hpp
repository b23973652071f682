#pragma once
// From scores to the importance s that the methods allocate by, and from query heads to KV
// heads (GQA). METHOD.md section 5.

#include <string>
#include <vector>

#include "compile/head_scores.hpp"

namespace slkv::compile {

// Per query head importance, [n_layers, n_heads]:
//  - lineage scores: the file's per-head mean score, used directly;
//  - profile scores: norm(S_logic) + alpha * norm(S_surface), norm = divide by the sum over
//    heads (a zero sum leaves zeros); heads whose only flag is "ignoring" get 0.
std::vector<double> query_head_importance(const HeadScores& scores, double alpha);

// Aggregates [n_layers, n_heads] query-head values to [n_layers, n_kv_heads] KV-head values:
// query head h belongs to KV head h / (n_heads / n_kv_heads) (the usual repeat_kv layout);
// `how` is "sum" or "max".
std::vector<double> aggregate_to_kv_heads(const std::vector<double>& query_values, int64_t n_layers,
                                          int64_t n_heads, int64_t n_kv_heads,
                                          const std::string& how);

}  // namespace slkv::compile
