// Byte-level BPE (GPT-2 style): pieces from the regex pre-tokenizer, one symbol per byte
// (spelled in the GPT-2 byte->unicode alphabet), then merges applied lowest rank first.

#include <algorithm>
#include <queue>

#include "core/error.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv {

namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

struct Symbol {
  int32_t id;
  int32_t prev;  // index of the previous live symbol, -1 at the start
  int32_t next;  // index of the next live symbol, -1 at the end
};

struct Candidate {
  int32_t rank;
  int32_t left;  // symbol index
  int32_t left_id;
  int32_t right_id;
  // Lowest rank first; equal ranks (the same pair twice) leftmost first.
  bool operator>(const Candidate& o) const {
    return rank != o.rank ? rank > o.rank : left > o.left;
  }
};

}  // namespace

uint32_t byte_to_codepoint(uint8_t byte) {
  if ((byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE) {
    return byte;
  }
  // The 68 bytes without a printable spelling take U+0100.. in increasing byte order.
  uint32_t n = 0;
  for (uint32_t b = 0; b < byte; ++b) {
    if (!((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)) ++n;
  }
  return 0x100 + n;
}

int32_t codepoint_to_byte(uint32_t codepoint) {
  static const std::array<int32_t, 0x144> table = [] {
    std::array<int32_t, 0x144> t{};
    t.fill(-1);
    for (uint32_t b = 0; b < 256; ++b) t[byte_to_codepoint(static_cast<uint8_t>(b))] = b;
    return t;
  }();
  return codepoint < table.size() ? table[codepoint] : -1;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void Tokenizer::Impl::build_bpe() {
  if (spec.kind == TokenizerKind::kByteLevelBpe) {
    if (spec.pre_patterns.empty()) {
      throw_file_error(spec.source,
                       "byte-level BPE tokenizer has no pre-tokenizer patterns "
                       "(pre '" +
                           spec.pre_name + "')");
    }
    for (int b = 0; b < 256; ++b) {
      std::string spelled;
      append_utf8(byte_to_codepoint(static_cast<uint8_t>(b)), spelled);
      byte_token[b] = find(spelled);
    }
  } else {
    build_byte_fallback();
  }
  pretokenizer = Pretokenizer(spec.pre_patterns, spec.source);
  merges.reserve(spec.merges.size());
  for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const auto& [left, right] = spec.merges[rank];
    const int32_t left_id = find(left);
    const int32_t right_id = find(right);
    const int32_t merged_id = find(left + right);
    if (left_id < 0 || right_id < 0 || merged_id < 0) {
      throw_file_error(spec.source, "merge " + std::to_string(rank) + " '" + left + " " + right +
                                        "' names a token that is not in the vocabulary");
    }
    // A repeated pair keeps its first (lowest) rank.
    merges.try_emplace(pair_key(left_id, right_id),
                       BpeMerge{static_cast<int32_t>(rank), merged_id});
  }
}

void Tokenizer::Impl::apply_merges(const std::vector<int32_t>& symbol_ids,
                                   std::vector<int32_t>& out) const {
  if (symbol_ids.size() == 1) {
    out.push_back(symbol_ids[0]);
    return;
  }
  std::vector<Symbol> symbols;
  symbols.reserve(symbol_ids.size());
  for (int32_t id : symbol_ids) {
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, index + 1});
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto push_pair = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = symbols[left].next;
    if (right < 0) return;
    auto it = merges.find(pair_key(symbols[left].id, symbols[right].id));
    if (it == merges.end()) return;
    queue.push({it->second.rank, left, symbols[left].id, symbols[right].id});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) push_pair(i);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& left = symbols[c.left];
    // Stale when either side has merged since: ids only grow longer, so they cannot recur.
    if (left.id != c.left_id || left.next < 0 || symbols[left.next].id != c.right_id) continue;
    Symbol& right = symbols[left.next];
    left.id = merges.find(pair_key(c.left_id, c.right_id))->second.merged_id;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = c.left;
    right.id = -1;
    push_pair(left.prev);
    push_pair(c.left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

void Tokenizer::Impl::encode_bpe_fragment(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<std::string_view> pieces;
  pretokenizer.split(text, pieces);
  std::vector<int32_t> symbol_ids;
  std::string spelled;
  for (std::string_view piece : pieces) {
    if (spec.ignore_merges) {
      spelled.clear();
      for (char c : piece) append_utf8(byte_to_codepoint(static_cast<uint8_t>(c)), spelled);
      if (const int32_t id = find(spelled); id >= 0) {
        out.push_back(id);
        continue;
      }
    }
    symbol_ids.clear();
    for (char c : piece) {
      const int32_t id = byte_token[static_cast<uint8_t>(c)];
      if (id < 0 && spec.unk_id < 0) {
        throw Error(spec.source + ": byte " + std::to_string(static_cast<uint8_t>(c)) +
                    " has no token and the vocabulary has no unknown token");
      }
      symbol_ids.push_back(id < 0 ? spec.unk_id : id);
    }
    apply_merges(symbol_ids, out);
  }
}

void Tokenizer::Impl::encode_char_bpe_fragment(std::string_view raw,
                                               std::vector<int32_t>& out) const {
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
  std::vector<std::string_view> pieces;
  if (pretokenizer.patterns().empty()) {
    pieces.assign(1, text);
  } else {
    pretokenizer.split(text, pieces);
  }
  std::vector<int32_t> symbol_ids;
  for (std::string_view piece : pieces) {
    symbol_ids.clear();
    for (size_t i = 0; i < piece.size();) {
      const auto lead = static_cast<uint8_t>(piece[i]);
      size_t len = lead < 0x80           ? 1
                   : (lead >> 5) == 0x6  ? 2
                   : (lead >> 4) == 0xE  ? 3
                   : (lead >> 3) == 0x1E ? 4
                                         : 1;
      len = std::min(len, piece.size() - i);
      const std::string_view ch = piece.substr(i, len);
      i += len;
      if (const int32_t id = find(ch); id >= 0) {
        symbol_ids.push_back(id);
        continue;
      }
      if (!spec.byte_fallback) {
        if (spec.unk_id < 0) {
          throw Error(spec.source + ": character '" + std::string(ch) +
                      "' is not in the vocabulary, which has no unknown token");
        }
        symbol_ids.push_back(spec.unk_id);
        continue;
      }
      // HF byte_fallback: each byte of an unknown character becomes its "<0xXX>" token.
      for (char c : ch) {
        const int32_t id = byte_fallback[static_cast<uint8_t>(c)];
        if (id < 0 && spec.unk_id < 0) {
          throw Error(spec.source + ": byte " + std::to_string(static_cast<uint8_t>(c)) +
                      " has no byte-fallback token and the vocabulary has no unknown token");
        }
        symbol_ids.push_back(id < 0 ? spec.unk_id : id);
      }
    }
    apply_merges(symbol_ids, out);
  }
}

}  // namespace slkv
