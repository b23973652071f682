#pragma once
// Token texts that end a chat turn in the supported model families. A model stops generating at
// its eos token and at any of these that exist in its vocabulary (SmolLM2 / Qwen2 ChatML
// "<|im_end|>", Gemma "<end_of_turn>", Llama 3 "<|eot_id|>" / "<|eom_id|>").

#include <array>
#include <string_view>

namespace slkv {

inline constexpr std::array<std::string_view, 6> kEndOfTurnTokens = {
    "<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|eom_id|>", "<|endoftext|>", "<|end|>",
};

}  // namespace slkv
