#pragma once
// --chat: wrap each probe in the model's chat turn markers so instruct models answer as
// assistants. The probe text sits inside one user turn; the question template ends by opening
// the assistant turn. Chosen by the special tokens the vocabulary holds: ChatML
// ("<|im_start|>", SmolLM2 / Qwen2) or Gemma ("<start_of_turn>").

#include <string>

#include "core/error.hpp"
#include "model/tokenizer.hpp"
#include "probes/probe_set.hpp"

namespace slkv::tools {

inline bool vocab_has(const Tokenizer& tok, const std::string& text) {
  return !tok.encode(text, false, true).empty() && tok.encode(text, false, true).size() == 1 &&
         tok.token_text(tok.encode(text, false, true)[0]) == text;
}

// Sets prompt_prefix and question_template of `pc` for the model's chat format.
inline void apply_chat_format(const Tokenizer& tok, probes::ProbeConfig& pc) {
  const std::string body =
      "\n\nAnswer the question using the text above. Reply with the answer only.\n"
      "Question: {question}";
  if (vocab_has(tok, "<|im_start|>")) {
    pc.prompt_prefix = "<|im_start|>user\n";
    pc.question_template = body + "<|im_end|>\n<|im_start|>assistant\n";
  } else if (vocab_has(tok, "<start_of_turn>")) {
    pc.prompt_prefix = "<start_of_turn>user\n";
    pc.question_template = body + "<end_of_turn>\n<start_of_turn>model\n";
  } else {
    throw Error(
        "--chat: the tokenizer has neither ChatML (<|im_start|>) nor Gemma "
        "(<start_of_turn>) turn markers");
  }
}

}  // namespace slkv::tools
