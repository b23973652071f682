// Tokenizer from GGUF metadata (tokenizer.ggml.*; FORMATS.md §3.1). Absent keys take
// llama.cpp's defaults so both tools see the same tokenizer.

#include <optional>

#include "core/error.hpp"
#include "model/gguf.hpp"
#include "model/pretokenizer.hpp"
#include "model/tokenizer.hpp"

namespace slkv {

namespace {

int32_t read_id(const GgufFile& gguf, const char* key, int32_t fallback) {
  const std::optional<int64_t> value = gguf.get_int(key);
  if (!value) return fallback;
  // Some converters write 0xFFFFFFFF (u32 -1) for "none".
  if (*value == 0xFFFFFFFFLL || *value == -1) return -1;
  if (*value < 0 || *value > INT32_MAX) {
    throw_file_error(gguf.path(),
                     std::string(key) + " = " + std::to_string(*value) + " is not a token id");
  }
  return static_cast<int32_t>(*value);
}

}  // namespace

Tokenizer tokenizer_from_gguf(const GgufFile& gguf) {
  TokenizerSpec spec;
  spec.source = gguf.path();
  const std::optional<std::string> model = gguf.get_string("tokenizer.ggml.model");
  if (!model) throw_file_error(gguf.path(), "key tokenizer.ggml.model is missing");

  spec.tokens = gguf.get_string_array("tokenizer.ggml.tokens");
  if (spec.tokens.empty()) {
    throw_file_error(gguf.path(), "key tokenizer.ggml.tokens is missing or empty");
  }
  const size_t n_vocab = spec.tokens.size();
  const std::vector<int64_t> types = gguf.get_int_array("tokenizer.ggml.token_type");
  if (types.empty()) {
    spec.types.assign(n_vocab, TokenType::kNormal);
  } else {
    if (types.size() != n_vocab) {
      throw_file_error(gguf.path(), "key tokenizer.ggml.token_type has " +
                                        std::to_string(types.size()) + " entries for " +
                                        std::to_string(n_vocab) + " tokens");
    }
    spec.types.reserve(n_vocab);
    for (size_t i = 0; i < n_vocab; ++i) {
      if (types[i] < 1 || types[i] > 6) {
        throw_file_error(gguf.path(), "key tokenizer.ggml.token_type: entry " + std::to_string(i) +
                                          " has unknown type " + std::to_string(types[i]));
      }
      spec.types.push_back(static_cast<TokenType>(types[i]));
    }
  }

  if (*model == "gpt2") {
    spec.kind = TokenizerKind::kByteLevelBpe;
    spec.pre_name = gguf.get_string("tokenizer.ggml.pre").value_or("");
    spec.pre_patterns = pretokenizer_patterns(spec.pre_name);
    if (spec.pre_patterns.empty()) {
      throw_file_error(gguf.path(),
                       "key tokenizer.ggml.pre: unknown pre-tokenizer '" + spec.pre_name + "'");
    }
    spec.ignore_merges =
        spec.pre_name == "llama3" || spec.pre_name == "llama-bpe" || spec.pre_name == "llama-v3";
    const std::vector<std::string> merges = gguf.get_string_array("tokenizer.ggml.merges");
    if (merges.empty()) throw_file_error(gguf.path(), "key tokenizer.ggml.merges is missing");
    spec.merges.reserve(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) {
      const std::string& m = merges[i];
      const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
      if (space == std::string::npos || space + 1 >= m.size()) {
        throw_file_error(gguf.path(), "key tokenizer.ggml.merges: entry " + std::to_string(i) +
                                          " '" + m + "' is not 'left right'");
      }
      spec.merges.emplace_back(m.substr(0, space), m.substr(space + 1));
    }
    spec.bos_id = 11;
    spec.eos_id = 11;
    spec.add_bos = spec.ignore_merges;  // llama.cpp: the llama3 pre-type adds BOS
    spec.add_space_prefix = false;
  } else if (*model == "llama") {
    spec.kind = TokenizerKind::kSentencePiece;
    spec.pre_name = gguf.get_string("tokenizer.ggml.pre").value_or("default");
    spec.scores = gguf.get_float_array("tokenizer.ggml.scores");
    if (spec.scores.empty()) spec.scores.assign(n_vocab, 0.0f);
    if (spec.scores.size() != n_vocab) {
      throw_file_error(gguf.path(), "key tokenizer.ggml.scores has " +
                                        std::to_string(spec.scores.size()) + " entries for " +
                                        std::to_string(n_vocab) + " tokens");
    }
    spec.bos_id = 1;
    spec.eos_id = 2;
    spec.unk_id = 0;
    spec.add_bos = true;
    spec.add_space_prefix = true;
  } else {
    throw_file_error(gguf.path(),
                     "key tokenizer.ggml.model: unsupported tokenizer model '" + *model + "'");
  }

  spec.bos_id = read_id(gguf, "tokenizer.ggml.bos_token_id", spec.bos_id);
  spec.eos_id = read_id(gguf, "tokenizer.ggml.eos_token_id", spec.eos_id);
  spec.unk_id = read_id(gguf, "tokenizer.ggml.unknown_token_id", spec.unk_id);
  spec.pad_id = read_id(gguf, "tokenizer.ggml.padding_token_id", -1);
  spec.eot_id = read_id(gguf, "tokenizer.ggml.eot_token_id", -1);
  if (spec.eot_id < 0) {
    // Files without the key: the end-of-turn token of the common chat templates.
    for (const char* text : {"<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>"}) {
      for (size_t i = 0; i < n_vocab && spec.eot_id < 0; ++i) {
        if (spec.tokens[i] == text) spec.eot_id = static_cast<int32_t>(i);
      }
    }
  }
  spec.add_bos = gguf.get_bool("tokenizer.ggml.add_bos_token").value_or(spec.add_bos);
  spec.add_eos = gguf.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  spec.add_space_prefix =
      gguf.get_bool("tokenizer.ggml.add_space_prefix").value_or(spec.add_space_prefix);
  for (const auto& [key, id] : {std::pair{"bos", spec.bos_id},
                                {"eos", spec.eos_id},
                                {"unknown", spec.unk_id},
                                {"padding", spec.pad_id},
                                {"eot", spec.eot_id}}) {
    if (id >= static_cast<int64_t>(n_vocab)) {
      throw_file_error(gguf.path(), std::string("key tokenizer.ggml.") + key + "_token_id = " +
                                        std::to_string(id) + " is outside the vocabulary of " +
                                        std::to_string(n_vocab) + " tokens");
    }
  }
  return Tokenizer(std::move(spec));
}

}  // namespace slkv
