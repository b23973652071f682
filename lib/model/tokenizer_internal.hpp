#pragma once
// Private state of slkv::Tokenizer shared by tokenizer.cpp (partitioning, decode) and the two
// algorithms (tokenizer_bpe.cpp, tokenizer_spm.cpp). Not installed, not for other modules.

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
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

// Spelling -> id over the vocabulary: open addressing with linear probing, each slot holding
// the id and a 32-bit hash so failed lookups (most SentencePiece pair probes) rarely touch the
// token strings. The vocabulary must outlive the index and not change.
class TokenIndex {
 public:
  void build(const std::vector<std::string>& tokens);
  int32_t find(std::string_view text) const {
    const uint64_t h = hash(text);
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return -1;
      if (slot.tag == tag && (*tokens_)[slot.id] == text) return slot.id;
    }
  }

 private:
  struct Slot {
    int32_t id = -1;
    uint32_t tag = 0;
  };
  static uint64_t hash(std::string_view text) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, then a final mix for the low bits
    for (char c : text) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
  }
  const std::vector<std::string>* tokens_ = nullptr;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

struct BpeMerge {
  int32_t rank = -1;  // -1: no such merge
  int32_t merged_id = -1;
};

// (left id, right id) -> merge, open addressing keyed by the packed pair; the merge loop's
// hottest lookup.
class MergeIndex {
 public:
  static uint64_t key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  void reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    shift_ = 64 - std::countr_zero(capacity);
  }
  // Keeps the first merge inserted for a pair (the lowest rank).
  void insert(uint64_t k, BpeMerge merge) {
    for (size_t i = slot_of(k);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == kEmpty) {
        slots_[i] = {k, merge};
        return;
      }
      if (slots_[i].key == k) return;
    }
  }
  BpeMerge find(uint64_t k) const {
    if (slots_.empty()) return {};
    for (size_t i = slot_of(k);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == k) return slots_[i].merge;
      if (slots_[i].key == kEmpty) return {};
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~0ull;  // (-1, -1) is never a pair of token ids
  struct Slot {
    uint64_t key = kEmpty;
    BpeMerge merge;
  };
  size_t slot_of(uint64_t k) const { return (k * 0x9E3779B97F4A7C15ull) >> shift_; }
  std::vector<Slot> slots_;
  int shift_ = 64;
};

struct Tokenizer::Impl {
  TokenizerSpec spec;
  TokenIndex token_ids;

  // Tokens partitioned first, longest text first (ties: lower id), as llama.cpp orders them.
  std::vector<int32_t> special_order;
  SpecialTrie special_trie;

  // Byte-level BPE and char BPE.
  Pretokenizer pretokenizer;
  std::array<int32_t, 256> byte_token{};  // byte -> id of its mapped char, or -1
  MergeIndex merges;

  // SentencePiece and char BPE.
  std::array<int32_t, 256> byte_fallback{};  // byte -> id of "<0xXX>", or -1
  void build_byte_fallback();

  int32_t find(std::string_view text) const { return token_ids.find(text); }
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
