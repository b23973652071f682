#include "profile/probe_runner.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>

#include "core/error.hpp"
#include "core/parallel_guard.hpp"
#include "engine/generate.hpp"
#include "profile/answer_judge.hpp"
#include "profile/scores.hpp"

namespace slkv::profile {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

// Collects the rows of one query position in every layer.
class ProbeRunner::Tap : public AttentionObserver {
 public:
  Tap(int64_t n_layers, int64_t n_heads) : n_layers_(n_layers), n_heads_(n_heads) {}

  // Prepares for a forward pass whose rows at `position` are wanted; rows have
  // position + 1 keys.
  void expect(int64_t position) {
    position_ = position;
    n_keys_ = position + 1;
    const size_t need = static_cast<size_t>(n_layers_ * n_heads_ * n_keys_);
    if (rows_.size() < need) rows_.resize(need);
    layer_seen_.assign(static_cast<size_t>(n_layers_), 0);
  }

  std::vector<int64_t> select_rows(int64_t /*layer*/,
                                   std::span<const int64_t> batch_positions) override {
    // Positions in a batch are consecutive, so the wanted one is at a known offset.
    if (batch_positions.empty()) return {};
    const int64_t offset = position_ - batch_positions.front();
    if (offset < 0 || offset >= static_cast<int64_t>(batch_positions.size())) return {};
    SLKV_CHECK(batch_positions[static_cast<size_t>(offset)] == position_,
               "probe runner: batch positions are not consecutive");
    return {offset};
  }

  void on_attention(const AttentionRows& rows) override {
    SLKV_CHECK(rows.n_rows() == 1 && rows.query_positions[0] == position_,
               "probe runner: tap delivered an unexpected row");
    SLKV_CHECK(rows.n_heads == n_heads_ && rows.layer >= 0 && rows.layer < n_layers_,
               "probe runner: tap shape disagrees with the model");
    for (int64_t h = 0; h < n_heads_; ++h) {
      const auto& keys = rows.key_positions[static_cast<size_t>(rows.kv_head_of(h))];
      // The statistics index rows by prompt position: the cache must hold every position.
      if (static_cast<int64_t>(keys.size()) != n_keys_ || keys.front() != 0 ||
          keys.back() != position_) {
        throw Error("probe runner: the KV cache of layer " + std::to_string(rows.layer) +
                    " does not hold every position 0.." + std::to_string(position_));
      }
      const std::span<const float> src = rows.row(h, 0);
      std::copy(src.begin(), src.end(), row_ptr(rows.layer, h));
    }
    layer_seen_[static_cast<size_t>(rows.layer)] = 1;
  }

  void check_complete() const {
    for (int64_t l = 0; l < n_layers_; ++l) {
      SLKV_CHECK(layer_seen_[static_cast<size_t>(l)], "probe runner: a layer reported no row");
    }
  }

  std::span<const float> row(int64_t layer, int64_t head) const {
    return {rows_.data() + (layer * n_heads_ + head) * n_keys_, static_cast<size_t>(n_keys_)};
  }

 private:
  float* row_ptr(int64_t layer, int64_t head) {
    return rows_.data() + (layer * n_heads_ + head) * n_keys_;
  }

  int64_t n_layers_;
  int64_t n_heads_;
  int64_t position_ = 0;
  int64_t n_keys_ = 0;
  std::vector<float> rows_;  // [n_layers, n_heads, n_keys] for the current step
  std::vector<uint8_t> layer_seen_;
};

namespace {

constexpr const char* kBlank = " \t\r\n";

}  // namespace

std::string answer_text(const TokenDecoder& decode, std::span<const int32_t> ids) {
  std::string text = decode(ids);
  const size_t b = text.find_first_not_of(kBlank);
  if (b == std::string::npos) return "";
  text.erase(0, b);
  const size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  const size_t e = text.find_last_not_of(kBlank);
  return text.substr(0, e + 1);
}

bool line_complete(const TokenDecoder& decode, std::span<const int32_t> ids) {
  const std::string text = decode(ids);
  const size_t b = text.find_first_not_of(kBlank);
  return b != std::string::npos && text.find('\n', b) != std::string::npos;
}

ProbeRunner::ProbeRunner(Session& session, TokenDecoder decode, ProbeRunnerOptions options)
    : session_(session),
      decode_(std::move(decode)),
      options_(std::move(options)),
      stats_(session.model().config().n_layers, session.model().config().n_heads, options_.stats),
      tap_(std::make_unique<Tap>(session.model().config().n_layers,
                                 session.model().config().n_heads)) {
  if (options_.max_new_tokens < 1) throw Error("probe runner: max_new_tokens must be >= 1");
}

ProbeRunner::~ProbeRunner() { session_.set_observer(nullptr); }

ProbeRunResult ProbeRunner::run(const probes::Probe& probe) {
  const int64_t n_layers = stats_.n_layers();
  const int64_t n_heads = stats_.n_query_heads();
  const int64_t n_prompt = probe.n_prompt();
  if (n_prompt == 0) throw Error("probe " + std::to_string(probe.index) + " has no tokens");
  if (options_.teacher_force && probe.answer_tokens.empty()) {
    throw Error("probe " + std::to_string(probe.index) + " has no gold answer tokens to force");
  }

  ProbeRunResult result;
  result.n_prompt = n_prompt;
  stats_.begin_probe({probe.tokens, probe.needle_spans, probe.distractor_spans});

  // Feeds every (layer, query head) row of the step just computed to the statistics.
  auto observe_step = [&](int step, int32_t token) {
    tap_->check_complete();
    const auto t0 = Clock::now();
    const int64_t n_pairs = n_layers * n_heads;
    ParallelGuard guard;  // a non-finite attention row throws; never out of the region
#pragma omp parallel for schedule(dynamic)
    for (int64_t i = 0; i < n_pairs; ++i) {
      const int64_t l = i / n_heads;
      const int64_t h = i % n_heads;
      guard.run([&] {
        stats_.observe(static_cast<int>(l), static_cast<int>(h), step, tap_->row(l, h), token);
      });
    }
    guard.rethrow();
    result.stats_seconds += seconds_since(t0);
  };
  // `answer_ids` already ends with `token`.
  auto is_stop = [&](int32_t token, std::span<const int32_t> answer_ids) {
    if (std::find(options_.stop_ids.begin(), options_.stop_ids.end(), token) !=
        options_.stop_ids.end()) {
      return true;
    }
    return options_.stop_at_newline && line_complete(decode_, answer_ids);
  };

  session_.reset();
  session_.set_observer(tap_.get());
  try {
    auto t0 = Clock::now();
    tap_->expect(n_prompt - 1);
    std::vector<float> logits = session_.forward_last(probe.tokens);  // [vocab]
    result.prefill_seconds = seconds_since(t0);
    result.n_forward_tokens = n_prompt;

    const int64_t max_steps = options_.teacher_force
                                  ? static_cast<int64_t>(probe.answer_tokens.size())
                                  : options_.max_new_tokens;
    t0 = Clock::now();
    std::vector<int32_t> answer_ids;  // greedy tokens before any stop
    for (int64_t step = 0; step < max_steps; ++step) {
      const int32_t predicted = argmax(logits);
      int32_t fed = predicted;
      if (options_.teacher_force) {
        fed = probe.answer_tokens[static_cast<size_t>(step)];
        result.output_ids.push_back(predicted);
        stats_.mark_step(static_cast<int>(step), predicted == fed);  // token-level variant
        observe_step(static_cast<int>(step), fed);
      } else {
        result.output_ids.push_back(predicted);
        answer_ids.push_back(predicted);  // text before a newline in it still counts ("7.\n")
        const bool stop = is_stop(predicted, answer_ids);
        if (!stop || step == 0) observe_step(static_cast<int>(step), predicted);
        if (stop) break;
      }
      if (step + 1 == max_steps) break;
      tap_->expect(n_prompt + step);
      const int32_t one[1] = {fed};
      logits = session_.forward_last(one);
      result.n_forward_tokens += 1;
    }
    result.decode_seconds = seconds_since(t0) - result.stats_seconds;
    session_.set_observer(nullptr);

    const std::vector<int32_t>& judged = options_.teacher_force ? result.output_ids : answer_ids;
    std::vector<int32_t> text_ids;
    for (int32_t id : judged) {
      if (std::find(options_.stop_ids.begin(), options_.stop_ids.end(), id) ==
          options_.stop_ids.end()) {
        text_ids.push_back(id);
      }
    }
    result.record.output = answer_text(decode_, text_ids);
  } catch (...) {
    session_.set_observer(nullptr);
    throw;
  }

  const bool success = answer_correct(probe.family, probe.answer_form, probe.choices,
                                      result.record.output, probe.answer);
  result.values = stats_.end_probe(success);
  result.record.family = probe.family;
  result.record.template_name = probe.template_name;
  result.record.chance = probe.chance();
  result.record.length_tokens = n_prompt;
  result.record.depth = probe.depth;
  result.record.answer = probe.answer;
  result.record.success = success;
  result.record.has_distractors = result.values.has_distractors;
  result.record.n_steps = result.values.n_steps;
  result.record.n_needle_tokens = result.values.n_needle_tokens;
  return result;
}

}  // namespace slkv::profile
