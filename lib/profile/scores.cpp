#include "profile/scores.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "core/error.hpp"

namespace slkv::profile {

std::string_view score_name(ScoreKind kind) {
  switch (kind) {
    case ScoreKind::kSurface:
      return "surface";
    case ScoreKind::kLogic:
      return "logic";
    case ScoreKind::kRetrievalReasoning:
      return "retrieval_reasoning";
    case ScoreKind::kIgnore:
      return "ignore";
  }
  throw Error("unknown score kind");
}

std::string_view logic_variant_name(LogicVariant v) {
  switch (v) {
    case LogicVariant::kProbe:
      return "probe";
    case LogicVariant::kToken:
      return "token";
    case LogicVariant::kAuto:
      return "auto";
  }
  throw Error("unknown logic variant");
}

LogicVariant parse_logic_variant(std::string_view name) {
  if (name == "probe") return LogicVariant::kProbe;
  if (name == "token") return LogicVariant::kToken;
  if (name == "auto") return LogicVariant::kAuto;
  throw Error("unknown logic score variant '" + std::string(name) +
              "' (expected probe, token or auto)");
}

LogicVariant resolve_logic_variant(const PerProbeStats& stats, const ScoreOptions& options) {
  const bool have_token = !stats.logic_token.empty();
  if (options.logic_variant == LogicVariant::kToken && !have_token) {
    throw Error(
        "scores: the token-level logic variant needs per-probe token values "
        "(a profile made by this version, with --teacher-force)");
  }
  if (options.logic_variant != LogicVariant::kAuto) return options.logic_variant;
  int64_t ok = 0, token_ok = 0;
  for (const ProbeRecord& r : stats.probes) {
    if (r.family != probes::NeedleFamily::kLogic) continue;
    ok += r.success ? 1 : 0;
    token_ok += r.n_token_ok > 0 ? 1 : 0;
  }
  // The token variant only where it has evidence (teacher-forced runs) and more than the probe
  // variant.
  return ok >= options.min_logic_probes || !have_token || token_ok <= ok ? LogicVariant::kProbe
                                                                         : LogicVariant::kToken;
}

bool score_admits(ScoreKind kind, const ProbeRecord& probe, LogicVariant variant) {
  switch (kind) {
    case ScoreKind::kSurface:
    case ScoreKind::kRetrievalReasoning:
      return probe.success;
    case ScoreKind::kLogic:
      if (probe.family != probes::NeedleFamily::kLogic) return false;
      return variant == LogicVariant::kToken ? probe.n_token_ok > 0 : probe.success;
    case ScoreKind::kIgnore:
      return true;
  }
  return false;
}

const std::vector<float>& per_probe_values(const PerProbeStats& stats, ScoreKind kind,
                                           LogicVariant variant) {
  switch (kind) {
    case ScoreKind::kSurface:
      return stats.surface;
    case ScoreKind::kLogic:
      return variant == LogicVariant::kToken ? stats.logic_token : stats.logic;
    case ScoreKind::kRetrievalReasoning:
      return stats.retrieval_reasoning;
    case ScoreKind::kIgnore:
      return stats.ignore;
  }
  throw Error("unknown score kind");
}

const std::vector<float>& HeadScores::values(ScoreKind kind) const {
  switch (kind) {
    case ScoreKind::kSurface:
      return surface;
    case ScoreKind::kLogic:
      return logic;
    case ScoreKind::kRetrievalReasoning:
      return retrieval_reasoning;
    case ScoreKind::kIgnore:
      return ignore;
  }
  throw Error("unknown score kind");
}

std::vector<float>& HeadScores::values(ScoreKind kind) {
  return const_cast<std::vector<float>&>(std::as_const(*this).values(kind));
}

int64_t HeadScores::n_probes(ScoreKind kind) const {
  switch (kind) {
    case ScoreKind::kSurface:
      return n_probes_surface;
    case ScoreKind::kLogic:
      return n_probes_logic;
    case ScoreKind::kRetrievalReasoning:
      return n_probes_retrieval_reasoning;
    case ScoreKind::kIgnore:
      return n_probes_ignore;
  }
  return 0;
}

HeadScores compute_scores(const PerProbeStats& stats, const ScoreOptions& options) {
  stats.validate("scores");
  const int64_t n_heads = stats.n_heads_total();
  HeadScores out;
  out.n_layers = stats.n_layers;
  out.n_query_heads = stats.n_query_heads;
  out.logic_variant = resolve_logic_variant(stats, options);
  for (ScoreKind kind : kAllScores) {
    const std::vector<float>& per_probe = per_probe_values(stats, kind, out.logic_variant);
    std::vector<double> sum(static_cast<size_t>(n_heads), 0.0);
    int64_t admitted = 0;
    for (int64_t p = 0; p < stats.n_probes(); ++p) {
      if (!score_admits(kind, stats.probes[static_cast<size_t>(p)], out.logic_variant)) continue;
      ++admitted;
      const float* row = per_probe.data() + p * n_heads;
      for (int64_t h = 0; h < n_heads; ++h) sum[static_cast<size_t>(h)] += row[h];
    }
    std::vector<float>& dst = out.values(kind);
    dst.assign(static_cast<size_t>(n_heads), 0.0f);
    if (admitted > 0) {
      for (int64_t h = 0; h < n_heads; ++h) {
        dst[static_cast<size_t>(h)] =
            static_cast<float>(sum[static_cast<size_t>(h)] / static_cast<double>(admitted));
      }
    }
    switch (kind) {
      case ScoreKind::kSurface:
        out.n_probes_surface = admitted;
        break;
      case ScoreKind::kLogic:
        out.n_probes_logic = admitted;
        break;
      case ScoreKind::kRetrievalReasoning:
        out.n_probes_retrieval_reasoning = admitted;
        break;
      case ScoreKind::kIgnore:
        out.n_probes_ignore = admitted;
        break;
    }
  }
  return out;
}

namespace {

bool is_ascii_punct(unsigned char c) { return c < 128 && std::ispunct(c); }

std::vector<std::string> normalized_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (!current.empty() && current != "a" && current != "an" && current != "the") {
      tokens.push_back(current);
    }
    current.clear();
  };
  for (unsigned char c : text) {
    if (is_ascii_punct(c)) continue;
    if (c < 128 && std::isspace(c)) {
      flush();
    } else {
      current.push_back(static_cast<char>(c < 128 ? std::tolower(c) : c));
    }
  }
  flush();
  return tokens;
}

// Size of the multiset intersection of two token lists.
int64_t overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::map<std::string, int64_t> counts;
  for (const auto& t : b) ++counts[t];
  int64_t same = 0;
  for (const auto& t : a) {
    auto it = counts.find(t);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  return same;
}

}  // namespace

std::string normalize_answer(std::string_view text) {
  std::string out;
  for (const auto& t : normalized_tokens(text)) {
    if (!out.empty()) out.push_back(' ');
    out += t;
  }
  return out;
}

double token_f1(std::string_view prediction, std::string_view gold) {
  const auto pred = normalized_tokens(prediction);
  const auto ref = normalized_tokens(gold);
  const int64_t same = overlap(pred, ref);
  if (same == 0) return 0.0;
  const double precision = static_cast<double>(same) / static_cast<double>(pred.size());
  const double recall = static_cast<double>(same) / static_cast<double>(ref.size());
  return 2 * precision * recall / (precision + recall);
}

double rouge1_recall(std::string_view prediction, std::string_view gold) {
  const auto pred = normalized_tokens(prediction);
  const auto ref = normalized_tokens(gold);
  if (ref.empty()) return 0.0;
  return static_cast<double>(overlap(pred, ref)) / static_cast<double>(ref.size());
}

bool probe_succeeded(probes::NeedleFamily family, std::string_view prediction,
                     std::string_view gold) {
  if (token_f1(prediction, gold) >= 0.5) return true;
  return family == probes::NeedleFamily::kSurface && rouge1_recall(prediction, gold) >= 0.5;
}

}  // namespace slkv::profile
