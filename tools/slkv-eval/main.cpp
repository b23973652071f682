// slkv-eval: compressed-KV evaluation of budget plans against FullKV on long-context tasks.
// One full-attention prefill per prompt; every method evicts from a copy of that cache through
// libslkv_runtime's C ABI, answers greedily and is teacher-forced along FullKV's continuation.
// Past one process: --shard I/N writes a part file, `slkv-eval merge` joins parts, and under
// mpirun the ranks share the prompts and rank 0 writes the results (docs/distributed.md).
// Exit codes: 0 success, 1 bad input or I/O failure, 2 usage error, 3 unexpected internal error,
// 4 stopped by --stop-after (testing).

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/tool_main.hpp"
#include "compress/plan_applier.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/progress.hpp"
#include "dist/mpi_world.hpp"
#include "dist/shard.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/model.hpp"
#include "engine/thread_defaults.hpp"
#include "eval/longbench.hpp"
#include "eval/suite.hpp"
#include "eval_options.hpp"
#include "merge.hpp"
#include "method_set.hpp"
#include "model/checkpoint.hpp"
#include "model/tokenizer.hpp"
#include "mpi_gather.hpp"
#include "part_file.hpp"
#include "prompt_share.hpp"
#include "results.hpp"
#include "run_header.hpp"
#include "runner.hpp"
#include "tokenizer_encoder.hpp"

namespace {

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

// Loads the model, builds the methods and the prompt list, runs this process's share of the
// prompts (all of them, --shard I/N, or this MPI rank's) and writes the results file, a part
// file (--shard) or, at MPI rank 0, the gathered results.
int run(const EvalOptions& o, const slkv::dist::MpiWorld& mpi) {
  if (!o.shard.empty() && o.out.empty()) {
    throw slkv::UsageError("--shard needs --out (the part file to write)");
  }
  auto checkpoint = slkv::Checkpoint::open(o.model);
  const slkv::ModelConfig& config = checkpoint->config();
  slkv::Tokenizer tokenizer = slkv::load_tokenizer(*checkpoint);
  slkv::CheckpointWeights weights(*checkpoint);
  slkv::Model model(config, weights);
  if (o.prefill_weights == "packed") {
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t bytes = model.pack_prefill_weights();
    if (o.progress && mpi.root()) {
      std::fprintf(stderr, "eval: packed the prefill weights: %.0f MiB in %.1f s\n",
                   static_cast<double>(bytes) / 1048576.0,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  const std::string fingerprint = checkpoint->fingerprint();
  const slkv_model_desc desc = slkv::compress::model_desc(config, fingerprint);
  std::vector<slkv::evaltool::EvalMethod> methods = slkv::evaltool::build_methods(o, desc);

  std::vector<slkv::eval::EvalItem> items = load_tasks(o, tokenizer);
  if (o.limit > 0 && static_cast<int64_t>(items.size()) > o.limit) items.resize(o.limit);
  if (items.empty()) throw slkv::Error("no prompts to evaluate (check --tasks and --lengths)");
  const slkv::evaltool::RunHeader header =
      slkv::evaltool::make_run_header(o, config, fingerprint, methods, items);
  const std::string parts = o.out.empty() ? std::string() : o.out + ".parts";
  const int64_t n_items = static_cast<int64_t>(items.size());

  slkv::evaltool::Runner runner(model, tokenizer, methods, o);
  // This process's share, balanced by prompt cost (tokenizing every prompt is cheap).
  std::vector<double> costs(items.size(), 0.0);
  if (!o.shard.empty() || mpi.size() > 1) {
    for (size_t i = 0; i < items.size(); ++i) {
      const int64_t max_new = o.max_new > 0 ? o.max_new : items[i].max_new;
      costs[i] = slkv::evaltool::prompt_cost(static_cast<int64_t>(runner.encode(items[i]).size()),
                                             max_new, static_cast<int64_t>(methods.size()));
    }
  }
  const slkv::evaltool::PromptShare share = slkv::evaltool::plan_prompt_share(o.shard, mpi, costs);
  const size_t n_share = share.indices.size();
  if (share.spec.whole() && o.shard.empty()) {
    std::fprintf(stderr, "slkv-eval: %zu prompts x %zu methods (FullKV + %zu plans)\n",
                 items.size(), methods.size(), methods.size() - 1);
  } else {
    std::fprintf(stderr, "slkv-eval: %s %d of %d: %zu of %zu prompts x %zu methods\n",
                 share.from_mpi ? "rank" : "share", share.spec.index, share.spec.count, n_share,
                 items.size(), methods.size());
  }

  nlohmann::json prompts = nlohmann::json::array();
  slkv::Progress progress("eval", n_share, o.progress && mpi.root());
  double prefill_s = 0, total_s = 0;
  int64_t prefill_tokens = 0, ran = 0, resumed = 0;
  for (const int64_t i : share.indices) {
    const slkv::eval::EvalItem& item = items[static_cast<size_t>(i)];
    std::optional<nlohmann::json> done;
    if (o.resume && !parts.empty())
      done = slkv::evaltool::read_checkpoint(parts, i, header.settings_hash, item.id);
    if (done) {
      ++resumed;
    } else {
      if (o.stop_after > 0 && ran >= o.stop_after) {
        progress.finish();
        std::fprintf(stderr,
                     "slkv-eval: stopped after %lld prompts (--stop-after); checkpoints in %s\n",
                     static_cast<long long>(ran), parts.c_str());
        return slkv::evaltool::kExitStopped;
      }
      const auto t0 = std::chrono::steady_clock::now();
      const slkv::evaltool::PromptOutcome p = runner.run(item);
      total_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      prefill_s += p.prefill_s;
      prefill_tokens += p.n_tokens;
      ++ran;
      done = slkv::evaltool::prompt_json(p, methods);
      if (!parts.empty()) slkv::evaltool::write_checkpoint(parts, i, header.settings_hash, *done);
    }
    prompts.push_back(*done);
    progress.set_note(item.id);
    progress.advance();
  }
  progress.finish();
  if (resumed > 0) {
    std::fprintf(stderr, "slkv-eval: resumed %lld of %zu prompts from %s\n",
                 static_cast<long long>(resumed), n_share, parts.c_str());
  }
  if (ran > 0) {
    std::fprintf(stderr,
                 "cost: %lld prompts run, %.1f s in all (%.1f s per prompt: one prefill at %.1f "
                 "tokens/s + %zu methods)\n",
                 static_cast<long long>(ran), total_s, total_s / ran,
                 prefill_tokens / std::max(prefill_s, 1e-9), methods.size());
  }
  if (!o.timings) {
    for (auto& p : prompts) slkv::evaltool::strip_timings(p);
  }

  if (!o.shard.empty()) {  // --shard I/N: a part file for `slkv-eval merge`
    slkv::evaltool::EvalPart part;
    part.header = header;
    part.timings = o.timings;
    part.shard_index = share.spec.index;
    part.shard_count = share.spec.count;
    part.n_prompts_total = n_items;
    part.prompt_indices = share.indices;
    part.prompts = std::move(prompts);
    slkv::evaltool::write_part(o.out, part);
    slkv::evaltool::remove_checkpoints(parts, share.indices);
    std::fprintf(stderr, "slkv-eval: wrote part %s (share %s, prompts %s)\n", o.out.c_str(),
                 share.spec.str().c_str(), slkv::dist::format_index_ranges(share.indices).c_str());
    return 0;
  }
  if (mpi.size() > 1) {
    prompts =
        slkv::evaltool::gather_prompts(mpi, header.settings_hash, share.indices, prompts, n_items);
    if (!mpi.root()) return 0;
  }

  const nlohmann::json summary = slkv::evaltool::summarize(prompts, methods, o.seed);
  std::cout << slkv::evaltool::summary_table(summary) << std::flush;
  if (!o.out.empty()) {
    slkv::write_file_atomic(o.out, slkv::evaltool::dump_json(
                                       slkv::evaltool::results_document(header, prompts, summary)));
    std::fprintf(stderr, "slkv-eval: wrote %s\n", o.out.c_str());
    // Every rank's prompts are in the results now: their checkpoints have served.
    std::vector<int64_t> all(static_cast<size_t>(n_items));
    for (int64_t i = 0; i < n_items; ++i) all[static_cast<size_t>(i)] = i;
    slkv::evaltool::remove_checkpoints(parts, all);
  }
  return 0;
}

int run_command(int argc, char** argv, const slkv::dist::MpiWorld& mpi) {
  CLI::App app{"slkv-eval"};
  EvalOptions options;
  slkv::evaltool::setup_eval_options(app, options);
  slkv::evaltool::MergeOptions merge_options;
  const CLI::App* merge = slkv::evaltool::add_merge_command(app, merge_options);
  if (const auto rc = slkv::tool_common::parse_command_line(app, argc, argv)) return *rc;
  return slkv::tool_common::run_reporting_errors("slkv-eval", [&] {
    try {
      if (*merge) {
        if (mpi.size() > 1) throw slkv::UsageError("merge runs in one process, not under mpirun");
        return slkv::evaltool::run_merge(merge_options);
      }
      if (options.model.empty()) throw slkv::UsageError("MODEL is required");
      return run(options, mpi);
    } catch (const slkv::RuntimeError& e) {  // a plan the runtime refuses: bad input
      throw slkv::Error(e.what());
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  slkv::apply_thread_defaults(argv);  // before any OpenMP or MPI work (engine/thread_defaults.hpp)
  try {
    const slkv::dist::MpiWorld mpi(&argc, &argv);
    const int rc = run_command(argc, argv, mpi);
    // Under MPI a failing rank ends the whole job (the others would wait for it in the gather);
    // its finished prompts stay in OUT.parts/ for --resume.
    if (rc != 0 && mpi.size() > 1) mpi.abort(rc);
    return rc;
  } catch (const slkv::Error& e) {
    std::fprintf(stderr, "slkv-eval: %s\n", e.what());
    return slkv::tool_common::kExitBadInput;
  }
}
