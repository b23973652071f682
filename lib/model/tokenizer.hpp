#pragma once
// Text <-> token ids with the same output as the reference tokenizers (llama.cpp / HF
// tokenizers): byte-level BPE (GPT-2 style, with the gpt2 / llama3 / qwen2 / smollm
// pre-tokenizers) and SentencePiece-style BPE with scores and byte fallback (Gemma, Llama 2,
// Mistral). Loaded from GGUF metadata or a Hugging Face tokenizer.json. See docs/tokenizers.md.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slkv {

class GgufFile;

enum class TokenizerKind {
  kByteLevelBpe,   // GPT-2 byte->unicode alphabet, merges ranked by list order
  kSentencePiece,  // llama.cpp "llama" vocab: merges chosen by the merged token's score
  kCharBpe,        // HF BPE without ByteLevel (Gemma / Llama 2 tokenizer.json): characters,
                   // ranked merges, spaces as U+2581, "<0xXX>" byte fallback
};

// Values of tokenizer.ggml.token_type.
enum class TokenType : int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Everything a loader reads; the Tokenizer validates it and builds its lookup tables.
struct TokenizerSpec {
  std::string source;  // file the spec came from, named in errors
  TokenizerKind kind = TokenizerKind::kByteLevelBpe;
  std::vector<std::string> tokens;                          // [n_vocab]
  std::vector<TokenType> types;                             // [n_vocab]
  std::vector<float> scores;                                // [n_vocab], SentencePiece only
  std::vector<std::pair<std::string, std::string>> merges;  // BPE kinds; rank = index
  std::string pre_name;                                     // e.g. "smollm", for display
  std::vector<std::string> pre_patterns;                    // byte-level BPE regex list
  bool byte_fallback = true;   // char BPE: unknown characters as "<0xXX>" tokens, else unk
  bool ignore_merges = false;  // llama3: a piece that is itself a token is emitted whole
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;  // SentencePiece / char BPE: "▁" before the first fragment and
                                  // after each special token
  int32_t bos_id = -1;
  int32_t eos_id = -1;
  int32_t eot_id = -1;
  int32_t pad_id = -1;
  int32_t unk_id = -1;
};

class Tokenizer {
 public:
  // Throws slkv::Error naming spec.source when the spec is inconsistent (sizes, ids out of
  // range, merges naming unknown tokens, a missing pre-tokenizer).
  explicit Tokenizer(TokenizerSpec spec);
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  TokenizerKind kind() const;
  std::string_view kind_name() const;  // "bpe" | "spm" | "char-bpe"
  std::string_view pre_name() const;
  int32_t n_vocab() const;
  const std::string& token_text(int32_t id) const;  // vocabulary spelling; throws if out of range
  TokenType token_type(int32_t id) const;
  int32_t bos_id() const;
  int32_t eos_id() const;
  int32_t eot_id() const;
  int32_t pad_id() const;
  int32_t unk_id() const;
  bool add_bos() const;  // what the model's metadata asks for

  // parse_special: control tokens written in the text (e.g. "<|im_start|>") become their ids;
  // user-defined tokens always do. add_bos prepends bos_id() when there is one.
  std::vector<int32_t> encode(std::string_view text, bool add_bos = false,
                              bool parse_special = true) const;
  // Concatenated pieces; control tokens render as their text so decode(encode(x)) == x.
  std::string decode(std::span<const int32_t> ids) const;
  std::string piece(int32_t id) const;  // the bytes one token stands for

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

Tokenizer tokenizer_from_gguf(const GgufFile& gguf);
Tokenizer tokenizer_from_json(const std::string& tokenizer_json_path);

}  // namespace slkv
