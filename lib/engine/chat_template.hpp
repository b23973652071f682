#pragma once
// Chat templates of the supported instruct models, rendered in C++ (FORMATS.md 4.4 and 5.2):
// ChatML as SmolLM2 uses it (a default system turn when none is given) and Gemma's turns
// (the system text joins the first user turn; the rendered text starts with <bos>). Tokenize
// the result with special-token parsing and without adding another BOS.

#include <string>
#include <string_view>

#include "model/model_config.hpp"

namespace slkv {

enum class ChatStyle { kChatMl, kGemma };

// The style for a model: gemma3 -> kGemma; llama / qwen2 -> kChatMl.
ChatStyle chat_style_for(const ModelConfig& config);

// One user turn (optionally after a system message) plus the generation prompt.
std::string render_chat(ChatStyle style, std::string_view user, std::string_view system = {});

}  // namespace slkv
