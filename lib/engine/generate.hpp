#pragma once
// Greedy generation on a Session: prefill the prompt, then take the argmax token until a stop
// id or max_new tokens. The stop token, when hit, is the last of output_ids (as HF generate).

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/model.hpp"

namespace slkv {

struct GenerateOptions {
  int64_t max_new = 128;
  std::vector<int64_t> stop_ids;  // empty: never stop early
  // Optional: sees the logits [vocab] each generated token is chosen from, before the choice.
  std::function<void(std::span<const float>)> on_logits;
};

struct GenerateResult {
  std::vector<int32_t> output_ids;
  bool stopped = false;  // ended on a stop id
  double prompt_seconds = 0;
  double decode_seconds = 0;
  int64_t n_prompt = 0;
  int64_t n_decoded = 0;  // forward passes after the prompt
};

// Index of the largest logit; the first one on ties (as torch.argmax). Throws slkv::Error (via
// check_logits_finite) when a logit is NaN or infinite.
int32_t argmax(std::span<const float> logits);

// Throws slkv::Error when a logit is NaN or infinite: the weights (or activations) of the model
// overflow, and any token picked from such logits would be meaningless.
void check_logits_finite(std::span<const float> logits);

// Greedy decoding after a prefill already done on `session`: `last_logits` [vocab] are the
// logits of the last prompt token. Fills output_ids, stopped, decode_seconds, n_decoded.
// `on_token` (optional) sees each generated token as it is chosen.
GenerateResult continue_greedy(Session& session, std::vector<float> last_logits,
                               const GenerateOptions& options,
                               const std::function<void(int32_t)>& on_token = nullptr);

// Prefill + continue_greedy.
GenerateResult generate_greedy(Session& session, std::span<const int32_t> prompt,
                               const GenerateOptions& options,
                               const std::function<void(int32_t)>& on_token = nullptr);

}  // namespace slkv
