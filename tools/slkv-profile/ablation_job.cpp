#include "ablation_job.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "dissociation.hpp"
#include "engine/generate.hpp"
#include "profile/answer_judge.hpp"
#include "profile/probe_runner.hpp"
#include "profile/profile_h5.hpp"
#include "profile/scores.hpp"
#include "profile_job.hpp"

namespace slkv::tools {

namespace {

// Heads ordered by the --ablate-rank score, best first (lower index first on ties):
// "combined" norm(S_surface) + norm(S_logic), "surface" S_surface, "logic" S_logic.
std::vector<int64_t> rank_heads(const profile::HeadScores& s, const std::string& by) {
  double sum_s = 0, sum_l = 0;
  for (float v : s.surface) sum_s += v;
  for (float v : s.logic) sum_l += v;
  const double w_s = by == "logic" ? 0.0 : 1.0, w_l = by == "surface" ? 0.0 : 1.0;
  std::vector<double> combined(s.surface.size());
  for (size_t i = 0; i < combined.size(); ++i) {
    combined[i] =
        w_s * (sum_s > 0 ? s.surface[i] / sum_s : 0) + w_l * (sum_l > 0 ? s.logic[i] / sum_l : 0);
  }
  std::vector<int64_t> order(combined.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return combined[static_cast<size_t>(a)] > combined[static_cast<size_t>(b)];
  });
  return order;
}

// Greedy answer of one probe under the session's current head mask; true when it succeeds.
bool answer_probe(Session& session, const Tokenizer& tok, const probes::Probe& probe,
                  int64_t max_new, const std::vector<int64_t>& stop_ids) {
  session.reset();
  std::vector<float> logits = session.forward_last(probe.tokens);
  const profile::TokenDecoder decode = [&tok](std::span<const int32_t> ids) {
    return tok.decode(ids);
  };
  std::vector<int32_t> out;  // the same stop rules as the profiling run (probe_runner.hpp)
  for (int64_t step = 0; step < max_new; ++step) {
    const int32_t next = argmax(logits);
    if (std::find(stop_ids.begin(), stop_ids.end(), next) != stop_ids.end()) break;
    out.push_back(next);
    if (profile::line_complete(decode, out)) break;
    if (step + 1 == max_new) break;
    const int32_t one[1] = {next};
    logits = session.forward_last(one);
  }
  const std::string text = profile::answer_text(decode, out);
  return profile::answer_correct(probe.family, probe.answer_form, probe.choices, text,
                                 probe.answer);
}

// Teacher-forced: feeds the gold answer; returns {tokens that were the argmax, sum of the gold
// tokens' log-probabilities, number of gold tokens}.
struct ForcedScore {
  int64_t n_argmax = 0;
  double log_prob = 0;
  int64_t n_tokens = 0;
};
ForcedScore force_probe(Session& session, const probes::Probe& probe) {
  session.reset();
  std::vector<float> logits = session.forward_last(probe.tokens);  // [vocab]
  ForcedScore s;
  for (size_t i = 0; i < probe.answer_tokens.size(); ++i) {
    const int32_t gold = probe.answer_tokens[i];
    const float m = *std::max_element(logits.begin(), logits.end());
    double z = 0;
    for (float v : logits) z += std::exp(static_cast<double>(v - m));
    s.log_prob += static_cast<double>(logits[static_cast<size_t>(gold)] - m) - std::log(z);
    s.n_argmax += argmax(logits) == gold ? 1 : 0;
    s.n_tokens += 1;
    if (i + 1 == probe.answer_tokens.size()) break;
    const int32_t one[1] = {gold};
    logits = session.forward_last(one);
  }
  return s;
}

void print_ablation(const nlohmann::json& results, const ProfileCliOptions& opt, size_t n_probes,
                    const std::string& model_name);

}  // namespace

int run_ablation(const ProfileCliOptions& opt) {
  set_threads(opt.threads);
  LoadedModel lm = load_model(opt.model_path);
  const ModelConfig& config = lm.model->config();
  const profile::Profile prof = profile::read_profile(opt.ablate_profile);
  if (prof.meta.n_layers != config.n_layers || prof.meta.n_query_heads != config.n_heads) {
    throw Error(opt.ablate_profile + ": profile shape " + std::to_string(prof.meta.n_layers) + "x" +
                std::to_string(prof.meta.n_query_heads) + " does not match the model's " +
                std::to_string(config.n_layers) + "x" + std::to_string(config.n_heads));
  }
  if (prof.meta.model_fingerprint != lm.checkpoint->fingerprint()) {
    std::cerr << "slkv-profile: warning: " << opt.ablate_profile
              << " was made from a different checkpoint (fingerprint differs)\n";
  }
  const int64_t n_heads_total = config.n_layers * config.n_heads;
  for (int64_t k : opt.ablate_k) {
    if (k > n_heads_total) {
      throw Error("--ablate-k " + std::to_string(k) + " exceeds the model's " +
                  std::to_string(n_heads_total) + " query heads");
    }
  }
  const probes::ProbeConfig pc = make_probe_config(opt, config, *lm.tokenizer);
  const probes::Haystack haystack = make_haystack(opt);
  const std::vector<probes::Probe> probe_set = build_probe_set(pc, haystack, *lm.encoder);
  // "dissociation": the top K by S_logic and the top K by S_surface against the same random
  // draws, on the same probes (both halves of the double dissociation in one run).
  const bool dissociation = opt.ablate_rank == "dissociation";
  const std::vector<int64_t> ranked =
      rank_heads(prof.scores, dissociation ? "logic" : opt.ablate_rank);
  const std::vector<int64_t> ranked_surface =
      dissociation ? rank_heads(prof.scores, "surface") : std::vector<int64_t>{};

  // Conditions: for each K, the top-K set and `draws` random sets.
  struct Condition {
    int64_t k;
    std::string kind;  // "top" | "random"; dissociation: "top_logic" | "top_surface" |
                       // "disjoint_logic" | "disjoint_surface" | "random" (dissociation.hpp)
    int draw;
    std::vector<int64_t> heads;
  };
  std::vector<Condition> conditions;
  std::mt19937_64 rng(opt.seed ^ 0x5eed0ab1a7e5ULL);
  for (int64_t k : opt.ablate_k) {
    if (dissociation && k > 0) {
      conditions.push_back({k, "top_logic", 0, {ranked.begin(), ranked.begin() + k}});
      conditions.push_back(
          {k, "top_surface", 0, {ranked_surface.begin(), ranked_surface.begin() + k}});
      conditions.push_back({k, "disjoint_logic", 0, disjoint_top(ranked, ranked_surface, k)});
      conditions.push_back({k, "disjoint_surface", 0, disjoint_top(ranked_surface, ranked, k)});
    } else {
      conditions.push_back({k, "top", 0, {ranked.begin(), ranked.begin() + k}});
    }
    if (k == 0) continue;
    for (int d = 0; d < opt.ablate_draws; ++d) {
      std::vector<int64_t> all(static_cast<size_t>(n_heads_total));
      std::iota(all.begin(), all.end(), 0);
      std::shuffle(all.begin(), all.end(), rng);
      all.resize(static_cast<size_t>(k));
      std::sort(all.begin(), all.end());
      conditions.push_back({k, "random", d, all});
    }
  }

  // A head set already measured (e.g. a disjoint set equal to the top set when the rankings
  // share no head) is not run again: the run is deterministic, so its results are copied.
  const auto head_set = [](std::vector<int64_t> heads) {
    std::sort(heads.begin(), heads.end());
    return heads;
  };
  std::set<std::vector<int64_t>> distinct;
  for (const Condition& c : conditions) distinct.insert(head_set(c.heads));
  const size_t n_runs = distinct.size();
  std::map<std::vector<int64_t>, size_t> measured;  // head set -> index in results

  Session session(*lm.model);
  Progress progress("ablation", n_runs * probe_set.size(), !opt.quiet);
  nlohmann::json results = nlohmann::json::array();
  for (const Condition& c : conditions) {
    nlohmann::json heads = nlohmann::json::array();
    for (int64_t h : c.heads) {
      heads.push_back("L" + std::to_string(h / config.n_heads) + "H" +
                      std::to_string(h % config.n_heads));
    }
    const std::vector<int64_t> key = head_set(c.heads);
    if (const auto it = measured.find(key); it != measured.end()) {
      nlohmann::json copy = results[it->second];
      copy["k"] = c.k;
      copy["kind"] = c.kind;
      copy["draw"] = c.draw;
      copy["heads"] = heads;
      results.push_back(std::move(copy));
      continue;
    }
    measured.emplace(key, results.size());
    std::vector<uint8_t> mask(static_cast<size_t>(n_heads_total), 0);  // [n_layers, n_heads]
    for (int64_t h : c.heads) mask[static_cast<size_t>(h)] = 1;
    session.set_head_mask(mask);
    int64_t n_ok = 0;
    double token_accuracy = 0, gold_log_prob = 0;  // teacher-forced: means over probes
    // Per needle family: probes, metric sum, log-prob sum (for the double dissociation).
    std::map<std::string, std::array<double, 3>> by_family;
    std::vector<double> probe_metric;  // teacher-forced: gold log-prob per token; else 0/1
    for (const probes::Probe& p : probe_set) {
      double metric = 0, lp = 0;
      if (opt.teacher_force) {
        const ForcedScore f = force_probe(session, p);
        metric = static_cast<double>(f.n_argmax) / f.n_tokens;
        lp = f.log_prob / f.n_tokens;
        token_accuracy += metric / probe_set.size();
        gold_log_prob += lp / probe_set.size();
        n_ok += f.n_argmax == f.n_tokens ? 1 : 0;
      } else {
        const bool ok = answer_probe(session, *lm.tokenizer, p, pc.max_new_tokens, config.stop_ids);
        metric = ok ? 1.0 : 0.0;
        n_ok += ok ? 1 : 0;
      }
      auto& fam = by_family[std::string(probes::family_name(p.family))];
      fam[0] += 1;
      fam[1] += metric;
      fam[2] += lp;
      probe_metric.push_back(opt.teacher_force ? lp : metric);
      progress.advance();
    }
    nlohmann::json families = nlohmann::json::object();
    for (const auto& [name, f] : by_family) {
      families[name] = {{"n_probes", f[0]},
                        {"accuracy", f[1] / f[0]},
                        {"mean_gold_log_prob", opt.teacher_force ? f[2] / f[0] : 0.0}};
    }
    results.push_back(
        {{"k", c.k},
         {"kind", c.kind},
         {"draw", c.draw},
         {"accuracy",
          opt.teacher_force ? token_accuracy : static_cast<double>(n_ok) / probe_set.size()},
         {"n_success", n_ok},
         {"mean_gold_log_prob", opt.teacher_force ? gold_log_prob : 0.0},
         {"by_family", families},
         {"heads", heads},
         {"probe_metric", probe_metric}});
  }
  progress.finish();
  session.set_head_mask({});

  nlohmann::json contrasts;
  nlohmann::json probes_json = nlohmann::json::array();
  std::vector<std::string> families;
  for (const probes::Probe& p : probe_set) {
    families.emplace_back(probes::family_name(p.family));
    probes_json.push_back(
        {{"index", p.index}, {"family", families.back()}, {"template", p.template_name}});
  }
  if (dissociation) {
    contrasts = dissociation_contrasts(results, families, opt.bootstrap_seed);
    print_dissociation(results, contrasts, opt.teacher_force, opt.ablate_profile, probe_set.size(),
                       config.name);
  } else {
    print_ablation(results, opt, probe_set.size(), config.name);
  }
  if (!opt.ablate_out.empty()) {
    nlohmann::json doc{{"model", config.name},
                       {"model_fingerprint", lm.checkpoint->fingerprint()},
                       {"profile", opt.ablate_profile},
                       {"ranking", opt.ablate_rank == "combined" ? "norm(S_surface) + norm(S_logic)"
                                   : opt.ablate_rank == "surface" ? "S_surface"
                                   : opt.ablate_rank == "logic"   ? "S_logic"
                                                                  : "S_logic and S_surface"},
                       {"metric", opt.teacher_force ? "teacher-forced gold-token accuracy"
                                                    : "greedy success rate"},
                       {"n_probes", probe_set.size()},
                       {"probe_config", probe_config_json(pc, haystack, *lm.encoder)},
                       {"draws", opt.ablate_draws},
                       {"seed", opt.seed},
                       {"probes", probes_json},
                       {"results", results}};
    if (dissociation) {
      doc["contrasts"] = contrasts;
      doc["contrast_bootstrap_seed"] = opt.bootstrap_seed;
    }
    write_file_atomic(opt.ablate_out, doc.dump(2) + "\n", OutputKind::kText);
  }
  return kExitOk;
}

namespace {

void print_ablation(const nlohmann::json& results, const ProfileCliOptions& opt, size_t n_probes,
                    const std::string& model_name) {
  // Table: K, top-K accuracy, random mean [min, max].
  std::printf("ablation on %zu probes (%s), ranking from %s\n", n_probes, model_name.c_str(),
              opt.ablate_profile.c_str());
  std::printf("metric: %s\n", opt.teacher_force
                                  ? "teacher-forced gold-token accuracy (logp: mean gold log-prob)"
                                  : "greedy needle success rate");
  std::printf("%6s %12s %14s %20s %10s %12s\n", "K", "top-K acc", "random mean",
              "random [min, max]", "top-K logp", "random logp");
  for (int64_t k : opt.ablate_k) {
    double top = 0, sum = 0, lo = 1, hi = 0, top_lp = 0, sum_lp = 0;
    int n = 0;
    for (const auto& r : results) {
      if (r["k"] != k) continue;
      const double a = r["accuracy"].get<double>();
      const double lp = r["mean_gold_log_prob"].get<double>();
      if (r["kind"] == "top") {
        top = a;
        top_lp = lp;
      } else {
        sum += a;
        sum_lp += lp;
        lo = std::min(lo, a);
        hi = std::max(hi, a);
        ++n;
      }
    }
    if (n == 0) {
      std::printf("%6lld %12.3f %14s %20s %10.3f %12s\n", static_cast<long long>(k), top, "-", "-",
                  top_lp, "-");
    } else {
      std::printf("%6lld %12.3f %14.3f       [%.3f, %.3f] %10.3f %12.3f\n",
                  static_cast<long long>(k), top, sum / n, lo, hi, top_lp, sum_lp / n);
    }
  }
  // Per needle family (the double dissociation reads these: masking the top logic heads should
  // hurt logic probes more than surface probes, and the top surface heads the reverse).
  std::set<std::string> family_names;
  for (const auto& r : results) {
    for (const auto& [name, f] : r["by_family"].items()) family_names.insert(name);
  }
  for (const std::string& fam : family_names) {
    std::printf("family %s:\n", fam.c_str());
    for (int64_t k : opt.ablate_k) {
      double top = 0, sum = 0, lo = 1e9, hi = -1e9, top_lp = 0, sum_lp = 0;
      int n = 0;
      for (const auto& r : results) {
        if (r["k"] != k || !r["by_family"].contains(fam)) continue;
        const double a = r["by_family"][fam]["accuracy"].get<double>();
        const double lp = r["by_family"][fam]["mean_gold_log_prob"].get<double>();
        if (r["kind"] == "top") {
          top = a;
          top_lp = lp;
        } else {
          sum += a;
          sum_lp += lp;
          lo = std::min(lo, a);
          hi = std::max(hi, a);
          ++n;
        }
      }
      if (n == 0) {
        std::printf("%6lld %12.3f %14s %20s %10.3f %12s\n", static_cast<long long>(k), top, "-",
                    "-", top_lp, "-");
      } else {
        std::printf("%6lld %12.3f %14.3f       [%.3f, %.3f] %10.3f %12.3f\n",
                    static_cast<long long>(k), top, sum / n, lo, hi, top_lp, sum_lp / n);
      }
    }
  }
}

}  // namespace

}  // namespace slkv::tools
