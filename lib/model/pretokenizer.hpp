#pragma once
// Regex pre-tokenization for byte-level BPE: a list of PCRE2 patterns applied in sequence, each
// to every piece the previous one produced (the subject is that piece alone, so a lookahead such
// as `(?!\S)` sees the piece end). Matches and the unmatched gaps between them both become
// pieces, in order (HF SplitDelimiterBehavior::Isolated).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace slkv {

class Pretokenizer {
 public:
  Pretokenizer();
  // Compiles the patterns with PCRE2_UTF | PCRE2_UCP (JIT when available). Throws slkv::Error
  // naming `source` and the pattern on a compile error.
  Pretokenizer(std::vector<std::string> patterns, const std::string& source);
  ~Pretokenizer();
  Pretokenizer(Pretokenizer&&) noexcept;
  Pretokenizer& operator=(Pretokenizer&&) noexcept;

  const std::vector<std::string>& patterns() const { return patterns_; }

  // Replaces `pieces` with the pieces of `text` (views into `text`). Invalid UTF-8 never
  // matches and ends up in gap pieces.
  void split(std::string_view text, std::vector<std::string_view>& pieces) const;

 private:
  struct Compiled;
  std::vector<std::string> patterns_;
  std::vector<std::unique_ptr<Compiled>> compiled_;
};

// The pattern list of a llama.cpp pre-tokenizer name (tokenizer.ggml.pre): "gpt2", "llama3"
// ("llama-bpe"), "qwen2", "smollm" (and the other names sharing smollm's list). Returns an empty
// list for an unknown name.
std::vector<std::string> pretokenizer_patterns(std::string_view pre_name);

// The individual patterns, shared with the tokenizer.json loader.
extern const char* const kGpt2Pattern;
extern const char* const kLlama3Pattern;
extern const char* const kQwen2Pattern;
extern const char* const kDigitPattern;

}  // namespace slkv
