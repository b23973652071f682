#include "runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "compress/plan_applier.hpp"
#include "compress/prefill_rows.hpp"
#include "core/error.hpp"
#include "engine/chat_template.hpp"
#include "engine/generate.hpp"
#include "eval/scoring.hpp"

namespace slkv::evaltool {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// log-softmax of one logits row, in double for the sums.
void log_softmax(std::span<const float> logits, std::vector<float>& out) {
  double mx = -INFINITY;
  for (float v : logits) {
    if (!std::isfinite(v)) throw Error("the model produced a non-finite logit");
    mx = std::max(mx, static_cast<double>(v));
  }
  double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<double>(v) - mx);
  const double lse = mx + std::log(sum);
  out.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = static_cast<float>(logits[i] - lse);
}

// Teacher-forced next-token log-probabilities after each of `tokens`, as one batch.
std::vector<std::vector<float>> teacher_forced(Session& session, std::span<const int32_t> tokens) {
  std::vector<std::vector<float>> out(tokens.size());
  session.forward(tokens, LogitsRows::kAll, [&](int64_t i, std::span<const float> logits) {
    log_softmax(logits, out[static_cast<size_t>(i)]);
  });
  return out;
}

int64_t argmax_of(const std::vector<float>& v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

}  // namespace

Runner::Runner(const Model& model, const Tokenizer& tokenizer, std::vector<EvalMethod>& methods,
               const EvalOptions& options)
    : model_(model), tokenizer_(tokenizer), methods_(methods), options_(options) {
  const ModelConfig& c = model.config();
  stop_ids_ = c.stop_ids;
  if (stop_ids_.empty() && c.eos_id >= 0) stop_ids_.push_back(c.eos_id);
}

std::vector<int32_t> Runner::encode(const eval::EvalItem& item) const {
  const std::string text = eval::render_prompt(item);
  if (options_.chat) {
    return tokenizer_.encode(render_chat(chat_style_for(model_.config()), text, options_.system),
                             false, true);
  }
  return tokenizer_.encode(text, tokenizer_.add_bos(), true);
}

PromptOutcome Runner::run(const eval::EvalItem& item) {
  const ModelConfig& c = model_.config();
  PromptOutcome out;
  out.id = item.id;
  out.task = item.task;
  const std::vector<int32_t> ids = encode(item);
  const int64_t T = static_cast<int64_t>(ids.size());
  if (T == 0) throw Error(item.id + ": the prompt encodes to no tokens");
  if (c.context_length > 0 && T > c.context_length)
    throw Error(item.id + ": the prompt has " + std::to_string(T) +
                " tokens, more than the model's context of " + std::to_string(c.context_length));
  out.n_tokens = T;
  int64_t n_rows = 1;
  for (const EvalMethod& m : methods_) n_rows = std::max(n_rows, m.window);

  // One prefill, full attention, with the last rows captured for every selector.
  Session session(model_, options_.batch);
  compress::PrefillRows rows(c.n_layers, c.n_heads, T, n_rows);
  session.set_observer(&rows);
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<float> last = session.forward_last(ids);
  out.prefill_s = seconds_since(t0);
  session.set_observer(nullptr);
  const KvCache full = std::move(session.cache());

  GenerateOptions gen;
  gen.max_new = options_.max_new > 0 ? options_.max_new : item.max_new;
  gen.stop_ids = stop_ids_;
  auto answer_of = [&](const GenerateResult& r) {
    std::vector<int32_t> text_ids = r.output_ids;
    if (r.stopped && !text_ids.empty()) text_ids.pop_back();
    return tokenizer_.decode(text_ids);
  };

  // FullKV first: its greedy continuation is the path the fidelity metrics follow.
  session.set_cache(full, T);
  GenerateResult full_gen = continue_greedy(session, last, gen);
  std::vector<int32_t> path = full_gen.output_ids;
  if (full_gen.stopped && path.size() > 1) path.pop_back();
  out.n_fidelity_steps = static_cast<int64_t>(path.size());
  session.set_cache(full, T);
  const std::vector<std::vector<float>> ref = teacher_forced(session, path);
  const int64_t rows_full = c.n_layers * c.n_kv_heads * T;
  const int64_t row_bytes = 2 * c.head_dim * static_cast<int64_t>(sizeof(float));

  for (EvalMethod& m : methods_) {
    MethodOutcome r;
    GenerateResult g;
    if (!m.plan) {
      g = full_gen;
      r.kv_rows = rows_full;
      r.kl_mean = 0;
      r.top1_agree = 1;
    } else {
      const int64_t slack = gen.max_new + static_cast<int64_t>(path.size()) + 1;
      compress::CompressedCache cc = compress::apply_plan(*m.plan, full, rows, slack);
      r.kv_rows = cc.rows_kept;
      r.compress_s = cc.seconds;
      KvCache copy = cc.cache;
      session.set_cache(std::move(cc.cache), T);
      g = continue_greedy(session, last, gen);
      session.set_cache(std::move(copy), T);
      const std::vector<std::vector<float>> got = teacher_forced(session, path);
      double kl = 0, agree = 0;
      for (size_t s = 0; s < got.size(); ++s) {
        double d = 0;
        for (size_t v = 0; v < ref[s].size(); ++v) {
          const double p = std::exp(static_cast<double>(ref[s][v]));
          d += p * (static_cast<double>(ref[s][v]) - static_cast<double>(got[s][v]));
        }
        kl += std::max(0.0, d);
        agree += argmax_of(ref[s]) == argmax_of(got[s]) ? 1 : 0;
      }
      r.kl_mean = got.empty() ? 0 : kl / static_cast<double>(got.size());
      r.top1_agree = got.empty() ? 1 : agree / static_cast<double>(got.size());
    }
    r.answer = answer_of(g);
    r.score = eval::score(item, r.answer);
    r.kv_bytes = r.kv_rows * row_bytes;
    r.kv_share = static_cast<double>(r.kv_rows) / static_cast<double>(rows_full);
    r.n_decoded = g.n_decoded;
    r.decode_tok_s = g.decode_seconds > 0 ? g.n_decoded / g.decode_seconds : 0;
    out.methods.push_back(std::move(r));
  }
  return out;
}

}  // namespace slkv::evaltool
