#include "engine/generate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace slkv {

void check_logits_finite(std::span<const float> logits) {
  for (size_t i = 0; i < logits.size(); ++i) {
    if (!std::isfinite(logits[i])) {
      throw Error("the model's logits are not finite (" + std::to_string(logits[i]) +
                  " for token id " + std::to_string(i) +
                  "): its weights or activations overflow, so no token can be chosen");
    }
  }
}

int32_t argmax(std::span<const float> logits) {
  SLKV_CHECK(!logits.empty(), "argmax of empty logits");
  check_logits_finite(logits);
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

GenerateResult continue_greedy(Session& session, std::vector<float> logits,
                               const GenerateOptions& options,
                               const std::function<void(int32_t)>& on_token) {
  using Clock = std::chrono::steady_clock;
  GenerateResult result;
  const auto t0 = Clock::now();
  for (int64_t step = 0; step < options.max_new; ++step) {
    if (options.on_logits) options.on_logits(logits);
    const int32_t next = argmax(logits);
    result.output_ids.push_back(next);
    if (on_token) on_token(next);
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) !=
        options.stop_ids.end()) {
      result.stopped = true;
      break;
    }
    if (step + 1 == options.max_new) break;
    const int32_t one[1] = {next};
    logits = session.forward_last(one);
    ++result.n_decoded;
  }
  result.decode_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

GenerateResult generate_greedy(Session& session, std::span<const int32_t> prompt,
                               const GenerateOptions& options,
                               const std::function<void(int32_t)>& on_token) {
  if (prompt.empty()) throw Error("generate: the prompt has no tokens");
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<float> logits = session.forward_last(prompt);
  const double prompt_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  GenerateResult result = continue_greedy(session, std::move(logits), options, on_token);
  result.n_prompt = static_cast<int64_t>(prompt.size());
  result.prompt_seconds = prompt_seconds;
  return result;
}

}  // namespace slkv
