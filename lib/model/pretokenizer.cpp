#include "model/pretokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
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

namespace {

// PCRE2's \s (with PCRE2_UCP; also its \p{Xps}) matches U+180E MONGOLIAN VOWEL SEPARATOR,
// which is not Unicode White_Space since Unicode 6.3; Oniguruma (HF tokenizers) follows
// White_Space. Rewrite \s / \S to exactly the White_Space code points.
constexpr std::string_view kSpaceSet =
    R"(\x{9}-\x{D}\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

std::string with_unicode_whitespace(const std::string& pattern, const std::string& source) {
  std::string out;
  int class_depth = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[++i];
      if (next == 's') {
        if (class_depth > 0) {
          out += kSpaceSet;
        } else {
          out += "[";
          out += kSpaceSet;
          out += "]";
        }
      } else if (next == 'S') {
        if (class_depth > 0) {
          throw_file_error(source, "pre-tokenizer regex '" + pattern +
                                       "': \\S inside a character class is not supported");
        }
        out += "[^";
        out += kSpaceSet;
        out += "]";
      } else {
        out += c;
        out += next;
      }
      continue;
    }
    if (c == '[') ++class_depth;
    if (c == ']' && class_depth > 0) --class_depth;
    out += c;
  }
  return out;
}

}  // namespace

struct Pretokenizer::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

Pretokenizer::Pretokenizer(std::vector<std::string> patterns, const std::string& source)
    : patterns_(std::move(patterns)) {
  for (const std::string& written : patterns_) {
    const std::string pattern = with_unicode_whitespace(written, source);
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
    const std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match_data(
        pcre2_match_data_create_from_pattern(compiled->code, nullptr), &pcre2_match_data_free);
    pcre2_match_data* match = match_data.get();
    if (match == nullptr) throw Error("pre-tokenizer: out of memory for PCRE2 match data");
    next.clear();
    for (std::string_view piece : pieces) {
      const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
      size_t gap_begin = 0;
      size_t offset = 0;
      while (offset < piece.size()) {
        const int rc =
            pcre2_match(compiled->code, subject, piece.size(), offset, 0, match, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;  // the rest of the piece is a gap
        if (rc < 0) {
          PCRE2_UCHAR message[256];
          pcre2_get_error_message(rc, message, sizeof(message));
          throw Error("pre-tokenizer regex '" + patterns_[&compiled - compiled_.data()] +
                      "' failed on a " + std::to_string(piece.size()) +
                      "-byte piece: " + reinterpret_cast<const char*>(message));
        }
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
    pieces.swap(next);
  }
}

}  // namespace slkv
