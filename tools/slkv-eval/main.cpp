// slkv-eval: compressed-KV evaluation of budget plans against FullKV on long-context tasks.
// One full-attention prefill per prompt; every method evicts from a copy of that cache through
// libslkv_runtime's C ABI, answers greedily and is teacher-forced along FullKV's continuation.
// Exit codes: 0 success, 1 bad input or I/O failure, 2 usage error, 3 unexpected internal error.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compress/plan_applier.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/progress.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/model.hpp"
#include "eval/longbench.hpp"
#include "eval/suite.hpp"
#include "eval_options.hpp"
#include "method_set.hpp"
#include "model/checkpoint.hpp"
#include "model/tokenizer.hpp"
#include "results.hpp"
#include "runner.hpp"
#include "tokenizer_encoder.hpp"

namespace {

constexpr int kExitBadInput = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;

using slkv::evaltool::EvalOptions;

std::vector<slkv::eval::EvalItem> load_tasks(const EvalOptions& o, const slkv::Tokenizer& tok) {
  if (o.tasks.rfind("builtin", 0) == 0) {
    slkv::eval::SuiteOptions s;
    s.seed = o.seed;
    s.lengths = o.lengths;
    s.n_per_cell = o.per_cell;
    if (o.tasks.size() > 7) {
      if (o.tasks[7] != ':') throw slkv::Error("--tasks: expected builtin or builtin:TASK,...");
      std::string rest = o.tasks.substr(8);
      size_t start = 0;
      while (start <= rest.size()) {
        const size_t comma = rest.find(',', start);
        const std::string name = rest.substr(start, comma - start);
        if (!name.empty()) s.tasks.push_back(slkv::eval::find_task(name).name);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    if (!o.haystack.empty()) s.haystack = slkv::probes::Haystack::from_files(o.haystack);
    slkv::tools::TokenizerEncoder enc(tok);
    return slkv::eval::make_builtin_suite(s, enc);
  }
  return slkv::eval::read_task_jsonl(o.tasks);
}

int run(const EvalOptions& o) {
  auto checkpoint = slkv::Checkpoint::open(o.model);
  const slkv::ModelConfig& config = checkpoint->config();
  slkv::Tokenizer tokenizer = slkv::load_tokenizer(*checkpoint);
  slkv::CheckpointWeights weights(*checkpoint);
  slkv::Model model(config, weights);
  const std::string fingerprint = checkpoint->fingerprint();
  const slkv_model_desc desc = slkv::compress::model_desc(config, fingerprint);
  std::vector<slkv::evaltool::EvalMethod> methods = slkv::evaltool::build_methods(o, desc);

  std::vector<slkv::eval::EvalItem> items = load_tasks(o, tokenizer);
  if (o.limit > 0 && static_cast<int64_t>(items.size()) > o.limit) items.resize(o.limit);
  if (items.empty()) throw slkv::Error("no prompts to evaluate (check --tasks and --lengths)");
  std::string items_text;
  for (const auto& it : items) {
    items_text += it.id + '\x1f' + it.context + '\x1f' + it.question + '\x1f';
    for (const auto& a : it.answers) items_text += a + '\x1e';
  }

  nlohmann::json settings = {{"chat", o.chat},
                             {"system", o.system},
                             {"max_new", o.max_new > 0 ? nlohmann::json(o.max_new) : nullptr},
                             {"seed", o.seed},
                             {"tasks", o.tasks},
                             {"lengths", o.lengths},
                             {"per_cell", o.per_cell},
                             {"window", o.window},
                             {"pool_kernel", o.pool_kernel},
                             {"granularity", o.granularity},
                             {"batch", o.batch}};
  nlohmann::json plans = nlohmann::json::array();
  nlohmann::json method_list = nlohmann::json::array();
  for (const auto& m : methods) {
    method_list.push_back(
        {{"name", m.name},
         {"method", m.method},
         {"budget_mode", m.budget_mode},
         {"budget", m.budget_mode == "full" ? nlohmann::json(nullptr) : nlohmann::json(m.budget)},
         {"window", m.window}});
    if (m.plan) plans.push_back({{"name", m.name}, {"path", m.source}, {"sha256", m.plan_hash}});
  }
  nlohmann::json inputs = {{"tasks_sha256", slkv::hash_hex(items_text)}, {"plans", plans}};
  if (!o.profile.empty())
    inputs["profile"] = {{"path", o.profile},
                         {"sha256", slkv::hash_hex(slkv::read_file(o.profile))}};
  const std::string tool_version = std::string("slkv-eval ") + SLKV_EVAL_VERSION;
  const std::string settings_hash = slkv::hash_hex(settings.dump() + inputs.dump() +
                                                   method_list.dump() + fingerprint + tool_version);
  const std::string parts = o.out.empty() ? std::string() : o.out + ".parts";

  std::fprintf(stderr, "slkv-eval: %zu prompts x %zu methods (FullKV + %zu plans)\n", items.size(),
               methods.size(), methods.size() - 1);
  slkv::evaltool::Runner runner(model, tokenizer, methods, o);
  nlohmann::json prompts = nlohmann::json::array();
  slkv::Progress progress("eval", items.size(), o.progress);
  double prefill_s = 0, total_s = 0;
  int64_t prefill_tokens = 0, ran = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    std::optional<nlohmann::json> done;
    if (o.resume && !parts.empty())
      done = slkv::evaltool::read_checkpoint(parts, static_cast<int64_t>(i), settings_hash,
                                             items[i].id);
    if (!done) {
      const auto t0 = std::chrono::steady_clock::now();
      const slkv::evaltool::PromptOutcome p = runner.run(items[i]);
      total_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      prefill_s += p.prefill_s;
      prefill_tokens += p.n_tokens;
      ++ran;
      done = slkv::evaltool::prompt_json(p, methods);
      if (!parts.empty())
        slkv::evaltool::write_checkpoint(parts, static_cast<int64_t>(i), settings_hash, *done);
    }
    prompts.push_back(*done);
    progress.set_note(items[i].id);
    progress.advance();
  }
  progress.finish();

  const nlohmann::json summary = slkv::evaltool::summarize(prompts, methods, o.seed);
  std::cout << slkv::evaltool::summary_table(summary) << std::flush;
  if (ran > 0) {
    std::fprintf(stderr,
                 "cost: %lld prompts run, %.1f s in all (%.1f s per prompt: one prefill at %.1f "
                 "tokens/s + %zu methods)\n",
                 static_cast<long long>(ran), total_s, total_s / ran,
                 prefill_tokens / std::max(prefill_s, 1e-9), methods.size());
  }
  if (!o.out.empty()) {
    nlohmann::json results = {
        {"schema", "slkv-eval-results"},
        {"version", 1},
        {"tool_version", tool_version},
        {"model", {{"path", o.model}, {"arch", config.arch}, {"fingerprint", fingerprint}}},
        {"settings", settings},
        {"inputs", inputs},
        {"methods", method_list},
        {"prompts", prompts},
        {"summary", summary}};
    slkv::write_file_atomic(
        o.out, results.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    std::fprintf(stderr, "slkv-eval: wrote %s\n", o.out.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"slkv-eval"};
  EvalOptions options;
  slkv::evaltool::setup_eval_options(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  try {
    return run(options);
  } catch (const slkv::Error& e) {
    std::fprintf(stderr, "slkv-eval: %s\n", e.what());
    return kExitBadInput;
  } catch (const slkv::RuntimeError& e) {
    std::fprintf(stderr, "slkv-eval: %s\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slkv-eval: internal error: %s\n", e.what());
    return kExitInternal;
  }
}
