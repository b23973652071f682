#pragma once
// Per-head scores of METHOD.md §3 aggregated from the per-probe values, and the per-probe
// success test of §2. Each score is a mean of one per-probe array over the probes it admits:
//   S_surface             successful probes (every family)      per-probe `surface`
//   S_logic               successful logic probes               per-probe `logic`
//   S_retrieval_reasoning successful probes                     per-probe `retrieval_reasoning`
//   S_ignore              all probes, successful or not          per-probe `ignore`
// A score with no admitted probe is 0 for every head (no evidence of the behaviour); the
// number of admitted probes is kept beside it.
//
// S_logic has two variants, and the profile records which one made it:
//   probe (METHOD.md, the default) successful logic probes, per-probe `logic`;
//   token  logic probes with at least one teacher-forced step whose argmax equals the gold
//          token, per-probe `logic_token` (mean InfScore over those steps only). For models
//          that answer too few logic probes outright; needs --teacher-force.
// `auto` takes the probe variant when at least min_logic_probes logic probes succeeded and the
// token variant otherwise (when the per-probe token values exist).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "probes/family.hpp"
#include "profile/per_probe_stats.hpp"

namespace slkv::profile {

enum class ScoreKind { kSurface, kLogic, kRetrievalReasoning, kIgnore };
inline constexpr ScoreKind kAllScores[] = {ScoreKind::kSurface, ScoreKind::kLogic,
                                           ScoreKind::kRetrievalReasoning, ScoreKind::kIgnore};

std::string_view score_name(ScoreKind kind);  // surface | logic | retrieval_reasoning | ignore

enum class LogicVariant { kProbe, kToken, kAuto };
std::string_view logic_variant_name(LogicVariant v);  // probe | token | auto
LogicVariant parse_logic_variant(std::string_view name);

struct ScoreOptions {
  LogicVariant logic_variant = LogicVariant::kProbe;
  int64_t min_logic_probes = 5;  // auto: successful logic probes needed for the probe variant
};

// The variant `options` picks for these probes (never kAuto).
LogicVariant resolve_logic_variant(const PerProbeStats& stats, const ScoreOptions& options);

// Whether a probe enters the mean of a score (logic: under `variant`, kProbe or kToken).
bool score_admits(ScoreKind kind, const ProbeRecord& probe,
                  LogicVariant variant = LogicVariant::kProbe);

// The per-probe array a score averages ([n_probes, n_layers, n_query_heads]).
const std::vector<float>& per_probe_values(const PerProbeStats& stats, ScoreKind kind,
                                           LogicVariant variant = LogicVariant::kProbe);

struct HeadScores {
  int64_t n_layers = 0;
  int64_t n_query_heads = 0;
  std::vector<float> surface;              // [n_layers, n_query_heads]
  std::vector<float> logic;                // [n_layers, n_query_heads]
  std::vector<float> retrieval_reasoning;  // [n_layers, n_query_heads]
  std::vector<float> ignore;               // [n_layers, n_query_heads]
  int64_t n_probes_surface = 0;            // probes admitted by each score
  int64_t n_probes_logic = 0;
  int64_t n_probes_retrieval_reasoning = 0;
  int64_t n_probes_ignore = 0;
  LogicVariant logic_variant = LogicVariant::kProbe;  // which variant made `logic`

  const std::vector<float>& values(ScoreKind kind) const;
  std::vector<float>& values(ScoreKind kind);
  int64_t n_probes(ScoreKind kind) const;
};

HeadScores compute_scores(const PerProbeStats& stats, const ScoreOptions& options = {});

// LongBench answer normalisation: lowercase (ASCII), drop ASCII punctuation, drop the words
// "a", "an", "the", collapse whitespace.
std::string normalize_answer(std::string_view text);
// LongBench qa_f1_score on normalised whitespace tokens (0 when nothing overlaps).
double token_f1(std::string_view prediction, std::string_view gold);
// Unigram recall of the gold answer's normalised tokens in the prediction (clipped counts).
double rouge1_recall(std::string_view prediction, std::string_view gold);
// METHOD.md §2: F1 >= 0.5, or, for surface needles, ROUGE-1 recall >= 0.5.
bool probe_succeeded(probes::NeedleFamily family, std::string_view prediction,
                     std::string_view gold);

}  // namespace slkv::profile
