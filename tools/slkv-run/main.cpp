// slkv-run: greedy generation with the CPU engine, optionally dumping the prompt's logits and
// attention rows for comparison with other implementations.
// Exit codes: 0 success, 1 bad input or I/O failure (slkv::Error), 2 usage error,
// 3 unexpected internal error.

#include <CLI/CLI.hpp>
#include <bit>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/tool_main.hpp"
#include "compress/plan_applier.hpp"
#include "compress/prefill_rows.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "engine/chat_template.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "engine/thread_defaults.hpp"
#include "model/checkpoint.hpp"
#include "model/tokenizer.hpp"
#include "run_options.hpp"

namespace {

static_assert(std::endian::native == std::endian::little, "outputs are little-endian f32");

std::string prompt_text(const slkv::run::RunOptions& o) {
  if (!o.prompt_file.empty()) return slkv::read_file(o.prompt_file);
  if (o.prompt.empty()) throw slkv::UsageError("give --prompt TEXT or --prompt-file FILE");
  return o.prompt;
}

// Before any work: outputs writable, not an input, not each other (docs/reliability.md).
void check_outputs(const slkv::run::RunOptions& o) {
  std::vector<std::string> inputs = {o.model, o.prompt_file};
  for (const auto& [path, option] :
       {std::pair{o.logits_out, "--logits-out"}, std::pair{o.attn_out, "--attn-out"}}) {
    if (path.empty()) continue;
    slkv::check_output_path(path);
    slkv::check_output_not_input(path, option, inputs);
    inputs.push_back(path);
  }
}

// Past its context a model's positions are untrained and the KV cache grows without bound (a
// 105K-token prompt on an 8K model ran for hours): refused.
void check_context(const slkv::ModelConfig& config, int64_t n_prompt, int64_t max_new) {
  const int64_t n_ctx = config.context_length;
  if (n_ctx <= 0 || n_prompt + max_new <= n_ctx) return;
  if (n_prompt > n_ctx) {
    throw slkv::Error("the prompt has " + std::to_string(n_prompt) +
                      " tokens, more than the model's context of " + std::to_string(n_ctx) +
                      " tokens; shorten it");
  }
  throw slkv::Error("the prompt (" + std::to_string(n_prompt) + " tokens) plus --max-new " +
                    std::to_string(max_new) + " exceeds the model's context of " +
                    std::to_string(n_ctx) + " tokens; use --max-new " +
                    std::to_string(n_ctx - n_prompt) + " or less");
}

int run(const slkv::run::RunOptions& o) {
  check_outputs(o);
  auto checkpoint = slkv::Checkpoint::open(o.model);
  const slkv::ModelConfig& config = checkpoint->config();
  slkv::Tokenizer tokenizer = slkv::load_tokenizer(*checkpoint);
  slkv::CheckpointWeights weights(*checkpoint);
  slkv::Model model(config, weights);
  if (o.prefill_weights == "packed") model.pack_prefill_weights();

  const std::string text = prompt_text(o);
  std::vector<int32_t> prompt;
  if (o.chat) {
    prompt = tokenizer.encode(slkv::render_chat(slkv::chat_style_for(config), text, o.system),
                              /*add_bos=*/false, /*parse_special=*/true);
  } else {
    prompt = tokenizer.encode(text, tokenizer.add_bos(), /*parse_special=*/true);
  }
  if (prompt.empty()) throw slkv::Error("the prompt encodes to no tokens");
  const int64_t n_prompt = static_cast<int64_t>(prompt.size());
  check_context(config, n_prompt, o.max_new);
  if (!o.attn_out.empty() && o.attn_rows > n_prompt) {
    throw slkv::Error("--attn-rows " + std::to_string(o.attn_rows) + " exceeds the prompt's " +
                      std::to_string(n_prompt) + " tokens");
  }

  std::optional<slkv::Plan> plan;
  if (!o.plan.empty()) {
    plan = slkv::Plan::load_file(o.plan,
                                 slkv::compress::model_desc(config, checkpoint->fingerprint()));
  }
  const int64_t plan_rows = plan ? std::max<int64_t>(plan->info().window, 1) : 0;
  const int64_t dump_rows = o.attn_out.empty() ? 0 : o.attn_rows;

  slkv::Session session(model, o.batch);
  session.set_kv_type(slkv::parse_kv_type(o.kv_type));
  std::unique_ptr<slkv::compress::PrefillRows> recorder;
  if (dump_rows > 0 || plan) {
    recorder = std::make_unique<slkv::compress::PrefillRows>(
        config.n_layers, config.n_heads, n_prompt, std::max(dump_rows, plan_rows));
    session.set_observer(recorder.get());
  }
  std::vector<float> last;  // [vocab]
  const auto t0 = std::chrono::steady_clock::now();
  if (!o.logits_out.empty()) {
    slkv::write_file_atomic_with(o.logits_out, [&](const std::string& tmp) {
      std::FILE* f = std::fopen(tmp.c_str(), "wb");
      if (!f) slkv::throw_file_error(o.logits_out, "cannot create a temporary file");
      bool ok = true;
      std::vector<float> bad;  // first row with a non-finite logit
      session.forward(prompt, slkv::LogitsRows::kAll, [&](int64_t i, std::span<const float> l) {
        ok = ok && std::fwrite(l.data(), sizeof(float), l.size(), f) == l.size();
        if (i == n_prompt - 1) last.assign(l.begin(), l.end());
        for (float v : l) {
          if (!std::isfinite(v) && bad.empty()) bad.assign(l.begin(), l.end());
        }
      });
      if (std::fclose(f) != 0 || !ok) slkv::throw_file_error(o.logits_out, "write failed");
      slkv::check_logits_finite(bad);  // no logits file of NaNs
    });
  } else {
    last = session.forward_last(prompt);
  }
  slkv::check_logits_finite(last);
  const double prompt_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  session.set_observer(nullptr);
  if (dump_rows > 0) {
    std::vector<float> d, layer;  // [n_layers, n_heads, K, n_prompt]
    for (int64_t l = 0; l < config.n_layers; ++l) {
      recorder->last_rows(l, dump_rows, layer);
      d.insert(d.end(), layer.begin(), layer.end());
    }
    slkv::write_file_atomic(o.attn_out, std::string_view(reinterpret_cast<const char*>(d.data()),
                                                         d.size() * sizeof(float)));
  }
  nlohmann::json kv_json;
  if (plan) {
    const slkv::KvCache full = std::move(session.cache());
    slkv::compress::CompressedCache cc = slkv::compress::apply_plan(
        *plan, full, *recorder, /*slack_rows=*/o.max_new + 1, !o.kept_out.empty());
    session.cache() = std::move(cc.cache);
    const slkv_plan_info info = plan->info();
    const double share = cc.rows_full > 0 ? double(cc.rows_kept) / double(cc.rows_full) : 1.0;
    std::fprintf(stderr,
                 "plan %s (%s %g, %s granularity): KV cache keeps %lld of %lld prompt rows "
                 "(%.2f%%), %.2f of %.2f MiB; selection + compaction %.3f s\n",
                 info.method, info.budget_mode == SLKV_BUDGET_TOKENS ? "tokens" : "ratio",
                 info.budget_value,
                 info.granularity == SLKV_GRANULARITY_KV_HEAD ? "kv-head" : "query-head",
                 static_cast<long long>(cc.rows_kept), static_cast<long long>(cc.rows_full),
                 100.0 * share, cc.bytes_kept / 1048576.0, cc.bytes_full / 1048576.0, cc.seconds);
    kv_json = {{"method", info.method},       {"rows_full", cc.rows_full},
               {"rows_kept", cc.rows_kept},   {"bytes_full", cc.bytes_full},
               {"bytes_kept", cc.bytes_kept}, {"share", share}};
    if (!o.kept_out.empty()) {
      nlohmann::json k = {{"plan", o.plan}, {"n_tokens", n_prompt}, {"kept", cc.kept}};
      slkv::write_file_atomic(o.kept_out, k.dump() + "\n");
    }
  }

  slkv::GenerateOptions gen;
  gen.max_new = o.max_new;
  gen.stop_ids = config.stop_ids;
  if (gen.stop_ids.empty() && config.eos_id >= 0) gen.stop_ids.push_back(config.eos_id);
  std::vector<float> decode_logits;  // [n_generated, vocab]
  if (!o.decode_logits_out.empty()) {
    gen.on_logits = [&](std::span<const float> l) {
      decode_logits.insert(decode_logits.end(), l.begin(), l.end());
    };
  }
  slkv::GenerateResult result;
  session.set_matvec_precision(o.matvec == "int8" ? slkv::MatvecPrecision::kInt8
                                                  : slkv::MatvecPrecision::kExact);
  if (o.max_new > 0) {
    result = slkv::continue_greedy(session, std::move(last), gen, [&](int32_t id) {
      if (!o.json &&
          std::find(gen.stop_ids.begin(), gen.stop_ids.end(), id) == gen.stop_ids.end()) {
        const int32_t one[1] = {id};
        std::cout << tokenizer.decode(one) << std::flush;
      }
    });
  }
  if (!o.decode_logits_out.empty()) {
    slkv::write_file_atomic(o.decode_logits_out,
                            std::string_view(reinterpret_cast<const char*>(decode_logits.data()),
                                             decode_logits.size() * sizeof(float)));
  }
  std::vector<int32_t> text_ids = result.output_ids;
  if (result.stopped) text_ids.pop_back();
  if (o.json) {
    nlohmann::json j;
    j["prompt_ids"] = prompt;
    j["output_ids"] = result.output_ids;
    j["text"] = tokenizer.decode(text_ids);
    if (!kv_json.is_null()) j["kv"] = kv_json;
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    std::cout << std::endl;  // before the stderr figures when both go to one pipe
  }
  std::fprintf(stderr,
               "prompt: %lld tokens in %.3f s (%.1f tokens/s); decode: %lld tokens in "
               "%.3f s (%.1f tokens/s)\n",
               static_cast<long long>(n_prompt), prompt_seconds, n_prompt / prompt_seconds,
               static_cast<long long>(result.n_decoded), result.decode_seconds,
               result.n_decoded > 0 ? result.n_decoded / result.decode_seconds : 0.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  slkv::apply_thread_defaults(argv);  // before any OpenMP work (engine/thread_defaults.hpp)
  CLI::App app{"slkv-run"};
  slkv::run::RunOptions options;
  slkv::run::setup_run_options(app, options);
  if (const auto rc = slkv::tool_common::parse_command_line(app, argc, argv)) return *rc;
  return slkv::tool_common::run_reporting_errors("slkv-run", [&] {
    try {
      return run(options);
    } catch (const slkv::RuntimeError& e) {  // the runtime's message, e.g. a plan for another model
      throw slkv::Error(options.plan + ": " + e.what());
    }
  });
}
