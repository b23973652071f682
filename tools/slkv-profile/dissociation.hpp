#pragma once
// The double dissociation of --ablate-rank dissociation: which head sets to mask, and the
// paired contrasts that say whether each set hurts its own needle family more than the other
// set and the random sets do, with bootstrap intervals over probes.
//
// Sets per K: the top K by S_logic and by S_surface ("top"), and the top K by each score among
// the heads outside the other score's top K ("disjoint": disjoint from the other score's top K,
// so a copy head ranked high by both cannot carry both halves; the two disjoint sets can still
// share heads ranked just below both top Ks).
//
// The contrasts compare conditions probe by probe (the same probes under every mask, so the
// unmasked value cancels): on logic probes, metric(logic set) - metric(surface set) and
// metric(logic set) - mean over draws of metric(random set); on surface probes the reverse.
// The metric is the teacher-forced mean gold log-prob per token, or greedy success (0/1).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace slkv::tools {

// The first k heads of `ranked` that are not among the first k of `other` (fewer when fewer
// remain), in ranked order.
std::vector<int64_t> disjoint_top(const std::vector<int64_t>& ranked,
                                  const std::vector<int64_t>& other, int64_t k);

// `results`: the ablation conditions, each {"k", "kind", "probe_metric": [one per probe]} with
// kinds top_logic, top_surface, disjoint_logic, disjoint_surface and random; `families`: the
// needle family of each probe. Returns one entry per K > 0 and set pair ("top", "disjoint"):
// {"k", "sets", "logic_heads", "surface_heads", "logic_probes": {"vs_other_set", "vs_random"},
// "surface_probes": {...}, "verdict"}, each contrast {"mean", "ci": [lo, hi], "n"}.
// Verdict: "double dissociation" when both vs_other_set intervals lie below 0, "logic half
// only" / "surface half only" when one does, else "none".
nlohmann::json dissociation_contrasts(const nlohmann::json& results,
                                      const std::vector<std::string>& families, uint64_t seed);

// The table of both halves per family and K (metric with no mask, each set, the random range),
// then the contrasts.
void print_dissociation(const nlohmann::json& results, const nlohmann::json& contrasts,
                        bool teacher_forced, const std::string& profile_path, size_t n_probes,
                        const std::string& model_name);

}  // namespace slkv::tools
