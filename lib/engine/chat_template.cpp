#include "engine/chat_template.hpp"

namespace slkv {
namespace {

constexpr std::string_view kSmolLmSystem =
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

ChatStyle chat_style_for(const ModelConfig& config) {
  return config.arch == "gemma3" ? ChatStyle::kGemma : ChatStyle::kChatMl;
}

std::string render_chat(ChatStyle style, std::string_view user, std::string_view system) {
  std::string out;
  if (style == ChatStyle::kGemma) {
    out = "<bos><start_of_turn>user\n";
    if (!system.empty()) {
      out += trim(system);
      out += "\n\n";
    }
    out += trim(user);
    out += "<end_of_turn>\n<start_of_turn>model\n";
    return out;
  }
  out = "<|im_start|>system\n";
  out += system.empty() ? kSmolLmSystem : system;
  out += "<|im_end|>\n<|im_start|>user\n";
  out += user;
  out += "<|im_end|>\n<|im_start|>assistant\n";
  return out;
}

}  // namespace slkv
