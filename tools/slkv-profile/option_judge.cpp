#include "option_judge.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "engine/generate.hpp"
#include "profile/answer_judge.hpp"
#include "profile_job.hpp"

namespace slkv::tools {

namespace {

// Sum of log p(token) of `answer` fed after `prompt`.
double option_log_prob(Session& session, const std::vector<int32_t>& prompt,
                       const std::vector<int32_t>& answer) {
  session.reset();
  std::vector<float> logits = session.forward_last(prompt);
  double total = 0;
  for (size_t i = 0; i < answer.size(); ++i) {
    const float m = *std::max_element(logits.begin(), logits.end());
    double z = 0;
    for (float v : logits) z += std::exp(static_cast<double>(v - m));
    total += static_cast<double>(logits[static_cast<size_t>(answer[i])] - m) - std::log(z);
    if (i + 1 == answer.size()) break;
    const int32_t one[1] = {answer[i]};
    logits = session.forward_last(one);
  }
  return total;
}

struct Tally {
  int n = 0, solved = 0;
  double chance_sum = 0, margin_sum = 0;
};

}  // namespace

int run_option_judge(const ProfileCliOptions& opt) {
  set_threads(opt.threads);
  LoadedModel lm = load_model(opt.model_path);
  const ModelConfig& config = lm.model->config();
  const probes::ProbeConfig pc = make_probe_config(opt, config, *lm.tokenizer);
  const probes::Haystack haystack = make_haystack(opt);
  std::vector<probes::Probe> closed;
  for (probes::Probe& p : build_probe_set(pc, haystack, *lm.encoder)) {
    if (p.choices.size() >= 2) closed.push_back(std::move(p));
  }
  if (closed.empty()) {
    throw Error(
        "--judge-options: the probe set has no closed-form needle (one with options); "
        "use logic template sets v2 or v3");
  }
  int64_t n_options = 0;
  for (const auto& p : closed) n_options += static_cast<int64_t>(p.choices.size());
  Session session(*lm.model);
  Progress progress("options", static_cast<size_t>(n_options), !opt.quiet);
  std::map<std::string, Tally> by_template;
  nlohmann::json rows = nlohmann::json::array();
  for (const probes::Probe& p : closed) {
    double gold = 0, best_other = -std::numeric_limits<double>::infinity();
    nlohmann::json scores = nlohmann::json::object();
    for (const std::string& c : p.choices) {
      const double lp = option_log_prob(session, p.tokens, lm.encoder->encode(" " + c));
      scores[c] = lp;
      if (c == p.answer) {
        gold = lp;
      } else {
        best_other = std::max(best_other, lp);
      }
      progress.advance();
    }
    const bool solved = gold > best_other;
    for (const std::string& key : {p.template_name, std::string("all closed forms")}) {
      Tally& t = by_template[key];
      t.n += 1;
      t.solved += solved ? 1 : 0;
      t.chance_sum += p.chance();
      t.margin_sum += gold - best_other;
    }
    rows.push_back({{"index", p.index},
                    {"template", p.template_name},
                    {"length", p.target_length_tokens},
                    {"answer", p.answer},
                    {"option_log_prob", scores},
                    {"solved", solved}});
  }
  progress.finish();
  std::printf(
      "option judging on %zu closed-form probes (%s): the gold option must have the "
      "highest summed log-prob\n",
      closed.size(), config.name.c_str());
  std::printf("%-32s %8s %8s %8s %10s %14s\n", "template", "solved", "share", "chance", "corrected",
              "mean margin");
  nlohmann::json table = nlohmann::json::object();
  for (const auto& [name, t] : by_template) {
    const double share = static_cast<double>(t.solved) / t.n, chance = t.chance_sum / t.n;
    const double corrected = profile::chance_corrected(share, chance);
    std::printf("%-32s %4d/%-3d %8.3f %8.3f %10.3f %14.3f\n", name.c_str(), t.solved, t.n, share,
                chance, corrected, t.margin_sum / t.n);
    table[name] = {{"n", t.n},
                   {"solved", t.solved},
                   {"chance", chance},
                   {"corrected", corrected},
                   {"mean_margin", t.margin_sum / t.n}};
  }
  if (!opt.ablate_out.empty()) {
    const nlohmann::json doc{{"model", config.name},
                             {"model_fingerprint", lm.checkpoint->fingerprint()},
                             {"probe_config", probe_config_json(pc, haystack, *lm.encoder)},
                             {"by_template", table},
                             {"probes", rows}};
    write_file_atomic(opt.ablate_out, doc.dump(2) + "\n", OutputKind::kText);
  }
  return kExitOk;
}

}  // namespace slkv::tools
