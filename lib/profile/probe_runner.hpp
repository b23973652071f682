#pragma once
// Runs one probe through the engine and reduces what every attention head did while answering
// it (METHOD.md §2-§3). The prompt is prefilled with an attention tap that asks only for the
// last prompt position; then each answer step decodes one token with the tap asking for that
// token's row. Step t (t = 0 is the last prompt token) is the query at position
// n_prompt - 1 + t; its rows for every (layer, query head) are held until the step's token is
// known (the argmax of the step's logits, or the gold token under teacher forcing) and then fed
// to HeadStats together with that token.
//
// Memory: one row per (layer, query head) at a time, [n_layers, n_query_heads, n_prompt +
// max_new] floats, plus the engine's own activations; never a T x T matrix.
//
// Steps observed: greedy decoding stops at a stop id, at the token that ends the first line of
// text (a newline after some non-blank output; leading blank lines are decoded through), or
// after max_new tokens. A stop token ends the answer and its step is not observed, except at
// t = 0 (an immediate stop still leaves one observed step, so the failed probe feeds S_ignore).
// Teacher forcing feeds the gold answer tokens and observes one step per gold token; the
// recorded output is then the model's argmax at each forced step (its own guess given the gold
// prefix), and success is judged on that.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/model.hpp"
#include "probes/probe_set.hpp"
#include "profile/head_stats.hpp"
#include "profile/per_probe_stats.hpp"

namespace slkv::profile {

struct ProbeRunnerOptions {
  int64_t max_new_tokens = 24;
  bool teacher_force = false;
  std::vector<int64_t> stop_ids;  // eos and end-of-turn ids
  bool stop_at_newline = true;
  HeadStatsOptions stats;
};

// Token ids -> text, for judging the answer and for stop-at-newline.
using TokenDecoder = std::function<std::string(std::span<const int32_t> ids)>;

struct ProbeRunResult {
  ProbeRecord record;  // family, length, depth, answer, output; success
  ProbeHeadValues values;
  std::vector<int32_t> output_ids;  // decoded (greedy) or argmax at forced steps
  int64_t n_prompt = 0;
  int64_t n_forward_tokens = 0;  // prompt plus decode forwards
  double prefill_seconds = 0;
  double decode_seconds = 0;
  double stats_seconds = 0;  // time spent reducing rows in HeadStats
};

class ProbeRunner {
 public:
  // `session` and `decode` must outlive the runner.
  ProbeRunner(Session& session, TokenDecoder decode, ProbeRunnerOptions options);
  ~ProbeRunner();
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  // Resets the session's cache and runs `probe` from scratch. Throws slkv::Error on a probe the
  // statistics reject (empty N, spans outside the prompt, a row that is not a softmax).
  ProbeRunResult run(const probes::Probe& probe);

  const ProbeRunnerOptions& options() const { return options_; }

  class Tap;

 private:
  Session& session_;
  TokenDecoder decode_;
  ProbeRunnerOptions options_;
  HeadStats stats_;
  std::unique_ptr<Tap> tap_;
};

// The text of a greedy output as it is judged: decoded, leading blank space and lines dropped,
// cut at the next newline, trimmed.
std::string answer_text(const TokenDecoder& decode, std::span<const int32_t> ids);
// Whether `ids` already hold a complete first line: a newline after non-blank text.
bool line_complete(const TokenDecoder& decode, std::span<const int32_t> ids);

}  // namespace slkv::profile
