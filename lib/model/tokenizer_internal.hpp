#pragma once
// Private state of slkv::Tokenizer shared by tokenizer.cpp (partitioning, decode) and the two
// algorithms (tokenizer_bpe.cpp, tokenizer_spm.cpp). Not installed, not for other modules.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/pretokenizer.hpp"
#include "model/tokenizer.hpp"

namespace slkv {

// Trie over the texts of the tokens partitioned out before the algorithm runs (control,
// unknown and user-defined tokens), used to find which of them occur in a text in one pass.
struct SpecialTrie {
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> children;  // (byte, node index)
    int32_t rank = -1;  // index into Impl::special_order when a token ends here
  };
  std::vector<Node> nodes{Node{}};
  void insert(std::string_view text, int32_t rank);
  int32_t child(int32_t node, uint8_t byte) const;
};

struct BpeMerge {
  int32_t rank;
  int32_t merged_id;
};

struct Tokenizer::Impl {
  TokenizerSpec spec;
  std::unordered_map<std::string_view, int32_t> token_ids;  // views into spec.tokens

  // Tokens partitioned first, longest text first (ties: lower id), as llama.cpp orders them.
  std::vector<int32_t> special_order;
  SpecialTrie special_trie;

  // Byte-level BPE and char BPE.
  Pretokenizer pretokenizer;
  std::array<int32_t, 256> byte_token{};          // byte -> id of its mapped char, or -1
  std::unordered_map<uint64_t, BpeMerge> merges;  // (left id << 32 | right id) -> merge

  // SentencePiece and char BPE.
  std::array<int32_t, 256> byte_fallback{};  // byte -> id of "<0xXX>", or -1
  void build_byte_fallback();

  int32_t find(std::string_view text) const {
    auto it = token_ids.find(text);
    return it == token_ids.end() ? -1 : it->second;
  }
  void build_bpe();
  void build_spm();
  // Appends the ids of one raw-text fragment (no special tokens inside).
  void encode_bpe_fragment(std::string_view text, std::vector<int32_t>& out) const;
  void encode_spm_fragment(std::string_view text, std::vector<int32_t>& out) const;
  void encode_char_bpe_fragment(std::string_view text, std::vector<int32_t>& out) const;
  // Runs the ranked merge loop over `symbol_ids` (one piece) and appends the result.
  void apply_merges(const std::vector<int32_t>& symbol_ids, std::vector<int32_t>& out) const;
  std::string piece(int32_t id) const;
};

// GPT-2 bytes_to_unicode: the code point each byte is spelled with in byte-level vocabularies.
uint32_t byte_to_codepoint(uint8_t byte);
// Inverse; -1 for a code point outside the 256-entry alphabet.
int32_t codepoint_to_byte(uint32_t codepoint);
// The byte of a "<0xXX>" token (hex digits either case), or -1 when `text` is not one.
int32_t parse_byte_token(std::string_view text);
void append_utf8(uint32_t codepoint, std::string& out);

}  // namespace slkv
