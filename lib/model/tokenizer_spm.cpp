// SentencePiece-style BPE as llama.cpp runs "llama" vocabularies: spaces become U+2581, the
// text starts as one symbol per UTF-8 character, and the adjacent pair whose concatenation is
// the highest-scoring vocabulary token merges first. Every merged symbol is therefore a token;
// a single character without a token falls back to its "<0xXX>" byte tokens.

#include <cstdio>
#include <queue>

#include "core/error.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv {

namespace {

struct Symbol {
  size_t offset;  // into the escaped text
  size_t length;  // bytes; 0 once merged into its left neighbour
  int32_t prev;
  int32_t next;
};

struct Bigram {
  float score;
  int32_t left;
  int32_t right;
  size_t length;
  // Highest score first; equal scores leftmost first.
  bool operator<(const Bigram& o) const {
    return score != o.score ? score < o.score : left > o.left;
  }
};

size_t utf8_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;  // continuation or invalid lead byte: a symbol of its own
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

int32_t parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  const int hi = hex_digit(text[3]);
  const int lo = hex_digit(text[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void Tokenizer::Impl::build_spm() {
  if (spec.scores.size() != spec.tokens.size()) {
    throw_file_error(spec.source, "token scores count " + std::to_string(spec.scores.size()) +
                                      " differs from vocabulary size " +
                                      std::to_string(spec.tokens.size()));
  }
  build_byte_fallback();
}

void Tokenizer::Impl::build_byte_fallback() {
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    int32_t id = find(name);
    if (id < 0) id = find(std::string(1, static_cast<char>(b)));
    byte_fallback[b] = id;
  }
  for (size_t i = 0; i < spec.tokens.size(); ++i) {
    if (spec.types[i] == TokenType::kByte && parse_byte_token(spec.tokens[i]) < 0) {
      throw_file_error(spec.source, "byte token " + std::to_string(i) + " '" + spec.tokens[i] +
                                        "' is not of the form <0xXX>");
    }
  }
}

void Tokenizer::Impl::encode_spm_fragment(std::string_view raw, std::vector<int32_t>& out) const {
  static constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581
  std::string text;
  text.reserve(raw.size() + raw.size() / 2);
  for (char c : raw) {
    if (c == ' ') {
      text.append(kSpaceMark);
    } else {
      text.push_back(c);
    }
  }

  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < text.size();) {
    const size_t length =
        std::min(utf8_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({offset, length, index - 1, index + 1});
    offset += length;
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  const std::string_view view(text);
  std::priority_queue<Bigram> queue;
  auto try_pair = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const size_t length = symbols[left].length + symbols[right].length;
    const int32_t id = find(view.substr(symbols[left].offset, length));
    if (id < 0) return;
    queue.push({spec.scores[id], left, right, length});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_pair(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    if (left.length == 0 || right.length == 0 || left.length + right.length != b.length) continue;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_pair(left.prev, b.left);
    try_pair(b.left, left.next);
  }

  for (int32_t i = 0; i >= 0; i = symbols[i].next) {
    const std::string_view piece = view.substr(symbols[i].offset, symbols[i].length);
    if (const int32_t id = find(piece); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {
      const int32_t id = byte_fallback[static_cast<uint8_t>(c)];
      if (id >= 0) {
        out.push_back(id);
      } else if (spec.unk_id >= 0) {
        out.push_back(spec.unk_id);
      } else {
        throw Error(spec.source + ": byte " + std::to_string(static_cast<uint8_t>(c)) +
                    " has no byte-fallback token and the vocabulary has no unknown token");
      }
    }
  }
}

}  // namespace slkv
