#include "model/pretokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <utility>

#include "core/error.hpp"

namespace slkv {

// Patterns as written in the models' tokenizer.json files (FORMATS.md §6.1). GPT-2 keeps the
// final `\s+` alternative; without it the same whitespace would come back as a gap piece.
const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kDigitPattern = R"(\p{N})";

std::vector<std::string> pretokenizer_patterns(std::string_view pre_name) {
  if (pre_name == "gpt2" || pre_name == "gpt-2" || pre_name == "phi-2" || pre_name == "jina-es" ||
      pre_name == "jina-de" || pre_name == "olmo" || pre_name == "jais") {
    return {kGpt2Pattern};
  }
  if (pre_name == "llama3" || pre_name == "llama-bpe" || pre_name == "llama-v3") {
    return {kLlama3Pattern};
  }
  if (pre_name == "qwen2" || pre_name == "deepseek-r1-qwen") return {kQwen2Pattern};
  // llama.cpp groups these names under one regex list: each digit alone, then GPT-2.
  if (pre_name == "smollm" || pre_name == "starcoder" || pre_name == "refact" ||
      pre_name == "command-r" || pre_name == "codeshell" || pre_name == "exaone" ||
      pre_name == "minerva-7b") {
    return {kDigitPattern, kGpt2Pattern};
  }
  return {};
}

struct Pretokenizer::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

Pretokenizer::Pretokenizer(std::vector<std::string> patterns, const std::string& source)
    : patterns_(std::move(patterns)) {
  for (const std::string& pattern : patterns_) {
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    auto compiled = std::make_unique<Compiled>();
    compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error_code,
                                   &error_offset, nullptr);
    if (compiled->code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error_code, message, sizeof(message));
      throw_file_error(source, "pre-tokenizer regex '" + pattern + "' does not compile at " +
                                   std::to_string(error_offset) + ": " +
                                   reinterpret_cast<const char*>(message));
    }
    // JIT is an optimisation only; a PCRE2 built without it still matches correctly.
    pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE);
    compiled_.push_back(std::move(compiled));
  }
}

Pretokenizer::Pretokenizer() = default;
Pretokenizer::~Pretokenizer() = default;
Pretokenizer::Pretokenizer(Pretokenizer&&) noexcept = default;
Pretokenizer& Pretokenizer::operator=(Pretokenizer&&) noexcept = default;

void Pretokenizer::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  pieces.clear();
  if (text.empty()) return;
  pieces.push_back(text);
  std::vector<std::string_view> next;
  for (const auto& compiled : compiled_) {
    pcre2_match_data* match = pcre2_match_data_create_from_pattern(compiled->code, nullptr);
    if (match == nullptr) throw Error("pre-tokenizer: out of memory for PCRE2 match data");
    next.clear();
    for (std::string_view piece : pieces) {
      const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
      size_t gap_begin = 0;
      size_t offset = 0;
      while (offset < piece.size()) {
        const int rc =
            pcre2_match(compiled->code, subject, piece.size(), offset, 0, match, nullptr);
        if (rc < 0) break;  // PCRE2_ERROR_NOMATCH, or a resource limit: the rest is a gap
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
        const size_t begin = ovector[0];
        const size_t end = ovector[1];
        if (end == begin) {  // empty match: none of our patterns can, but never loop forever
          offset = begin + 1;
          while (offset < piece.size() && (static_cast<uint8_t>(piece[offset]) & 0xC0) == 0x80) {
            ++offset;
          }
          continue;
        }
        if (begin > gap_begin) next.push_back(piece.substr(gap_begin, begin - gap_begin));
        next.push_back(piece.substr(begin, end - begin));
        gap_begin = end;
        offset = end;
      }
      if (gap_begin < piece.size()) next.push_back(piece.substr(gap_begin));
    }
    pcre2_match_data_free(match);
    pieces.swap(next);
  }
}

}  // namespace slkv
