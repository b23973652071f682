#include "model/tokenizer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv {

namespace {

bool is_partitioned(TokenType type, bool parse_special) {
  switch (type) {
    case TokenType::kUserDefined:
      return true;
    case TokenType::kControl:
    case TokenType::kUnknown:
      return parse_special;
    default:
      return false;
  }
}

void check_id(const TokenizerSpec& spec, int32_t id, const char* what) {
  if (id < -1 || id >= static_cast<int64_t>(spec.tokens.size())) {
    throw_file_error(spec.source, std::string(what) + " id " + std::to_string(id) +
                                      " is outside the vocabulary of " +
                                      std::to_string(spec.tokens.size()) + " tokens");
  }
}

// A stretch of the input: either one partitioned token or raw text for the algorithm.
struct Fragment {
  int32_t id;  // -1 for raw text
  size_t offset;
  size_t length;
};

}  // namespace

void SpecialTrie::insert(std::string_view text, int32_t rank) {
  int32_t node = 0;
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    int32_t next = child(node, byte);
    if (next < 0) {
      next = static_cast<int32_t>(nodes.size());
      nodes.push_back(Node{});
      nodes[node].children.emplace_back(byte, next);
    }
    node = next;
  }
  if (nodes[node].rank < 0) nodes[node].rank = rank;
}

int32_t SpecialTrie::child(int32_t node, uint8_t byte) const {
  for (const auto& [b, next] : nodes[node].children) {
    if (b == byte) return next;
  }
  return -1;
}

Tokenizer::Tokenizer(TokenizerSpec spec) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.spec = std::move(spec);
  const TokenizerSpec& s = im.spec;
  const size_t n_vocab = s.tokens.size();
  if (n_vocab == 0) throw_file_error(s.source, "tokenizer has an empty vocabulary");
  if (n_vocab > static_cast<size_t>(INT32_MAX)) {
    throw_file_error(s.source, "tokenizer vocabulary is too large");
  }
  if (s.types.size() != n_vocab) {
    throw_file_error(s.source, "token types count " + std::to_string(s.types.size()) +
                                   " differs from vocabulary size " + std::to_string(n_vocab));
  }
  for (size_t i = 0; i < n_vocab; ++i) {
    const auto t = static_cast<int32_t>(s.types[i]);
    if (t < 1 || t > 6) {
      throw_file_error(s.source,
                       "token " + std::to_string(i) + " has unknown type " + std::to_string(t));
    }
  }
  check_id(s, s.bos_id, "bos");
  check_id(s, s.eos_id, "eos");
  check_id(s, s.eot_id, "eot");
  check_id(s, s.pad_id, "pad");
  check_id(s, s.unk_id, "unk");

  im.token_ids.reserve(n_vocab);
  for (size_t i = 0; i < n_vocab; ++i) {
    // A repeated spelling maps to its last id, as llama.cpp's loader leaves it.
    im.token_ids[std::string_view(s.tokens[i])] = static_cast<int32_t>(i);
  }

  for (size_t i = 0; i < n_vocab; ++i) {
    const TokenType t = s.types[i];
    if ((t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown) &&
        !s.tokens[i].empty()) {
      im.special_order.push_back(static_cast<int32_t>(i));
    }
  }
  std::stable_sort(im.special_order.begin(), im.special_order.end(),
                   [&](int32_t a, int32_t b) { return s.tokens[a].size() > s.tokens[b].size(); });
  for (size_t rank = 0; rank < im.special_order.size(); ++rank) {
    im.special_trie.insert(s.tokens[im.special_order[rank]], static_cast<int32_t>(rank));
  }

  if (s.kind == TokenizerKind::kSentencePiece) {
    im.build_spm();
  } else {
    im.build_bpe();
  }
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

TokenizerKind Tokenizer::kind() const { return impl_->spec.kind; }
std::string_view Tokenizer::kind_name() const {
  switch (impl_->spec.kind) {
    case TokenizerKind::kByteLevelBpe:
      return "bpe";
    case TokenizerKind::kSentencePiece:
      return "spm";
    case TokenizerKind::kCharBpe:
      return "char-bpe";
  }
  return "?";
}
std::string_view Tokenizer::pre_name() const { return impl_->spec.pre_name; }
int32_t Tokenizer::n_vocab() const { return static_cast<int32_t>(impl_->spec.tokens.size()); }
const std::string& Tokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= n_vocab()) {
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                std::to_string(n_vocab()) + " tokens");
  }
  return impl_->spec.tokens[id];
}
TokenType Tokenizer::token_type(int32_t id) const {
  token_text(id);  // range check
  return impl_->spec.types[id];
}
int32_t Tokenizer::bos_id() const { return impl_->spec.bos_id; }
int32_t Tokenizer::eos_id() const { return impl_->spec.eos_id; }
int32_t Tokenizer::eot_id() const { return impl_->spec.eot_id; }
int32_t Tokenizer::pad_id() const { return impl_->spec.pad_id; }
int32_t Tokenizer::unk_id() const { return impl_->spec.unk_id; }
bool Tokenizer::add_bos() const { return impl_->spec.add_bos; }

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_bos,
                                       bool parse_special) const {
  const Impl& im = *impl_;
  const TokenizerSpec& s = im.spec;

  // Which partitioned tokens occur at all: one trie walk from every byte.
  std::vector<int32_t> present;  // ranks into special_order
  for (size_t i = 0; i < text.size(); ++i) {
    int32_t node = 0;
    for (size_t j = i; j < text.size(); ++j) {
      node = im.special_trie.child(node, static_cast<uint8_t>(text[j]));
      if (node < 0) break;
      const int32_t rank = im.special_trie.nodes[node].rank;
      if (rank >= 0 && is_partitioned(s.types[im.special_order[rank]], parse_special)) {
        present.push_back(rank);
      }
    }
  }
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());

  // Longest token first, each splitting every raw fragment at its leftmost non-overlapping
  // occurrences (the order llama.cpp partitions in, so ambiguous overlaps resolve the same).
  std::vector<Fragment> fragments{{-1, 0, text.size()}};
  std::vector<Fragment> next;
  for (int32_t rank : present) {
    const int32_t id = im.special_order[rank];
    const std::string& needle = s.tokens[id];
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.id >= 0) {
        next.push_back(f);
        continue;
      }
      const std::string_view raw = text.substr(f.offset, f.length);
      size_t start = 0;
      for (size_t hit = raw.find(needle); hit != std::string_view::npos;
           hit = raw.find(needle, start)) {
        if (hit > start) next.push_back({-1, f.offset + start, hit - start});
        next.push_back({id, f.offset + hit, needle.size()});
        start = hit + needle.size();
      }
      if (start < raw.size()) next.push_back({-1, f.offset + start, raw.size() - start});
    }
    fragments.swap(next);
  }

  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  if (add_bos && s.bos_id >= 0) ids.push_back(s.bos_id);
  bool prev_special = true;  // SentencePiece prefixes a space after a special token / at start
  std::string prefixed;
  for (const Fragment& f : fragments) {
    if (f.id >= 0) {
      ids.push_back(f.id);
      prev_special = true;
      continue;
    }
    const std::string_view raw = text.substr(f.offset, f.length);
    if (s.kind == TokenizerKind::kByteLevelBpe) {
      im.encode_bpe_fragment(raw, ids);
      prev_special = false;
      continue;
    }
    std::string_view input = raw;
    if (s.add_space_prefix && prev_special) {
      prefixed.assign(1, ' ');
      prefixed.append(raw);
      input = prefixed;
    }
    if (s.kind == TokenizerKind::kSentencePiece) {
      im.encode_spm_fragment(input, ids);
    } else {
      im.encode_char_bpe_fragment(input, ids);
    }
    prev_special = false;
  }
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const {
  std::string out;
  for (int32_t id : ids) out += piece(id);
  return out;
}

std::string Tokenizer::piece(int32_t id) const {
  token_text(id);  // range check
  return impl_->piece(id);
}

std::string Tokenizer::Impl::piece(int32_t id) const {
  const std::string& text = spec.tokens[id];
  const TokenType type = spec.types[id];
  if (type != TokenType::kNormal && type != TokenType::kByte) return text;
  std::string out;
  if (spec.kind == TokenizerKind::kByteLevelBpe) {
    // Each code point of the spelling stands for one byte (GPT-2 alphabet); anything outside
    // the alphabet is passed through as UTF-8.
    size_t i = 0;
    while (i < text.size()) {
      const auto lead = static_cast<uint8_t>(text[i]);
      size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
      if (i + len > text.size()) len = text.size() - i;
      uint32_t cp = lead;
      if (len == 2) cp = lead & 0x1F;
      if (len == 3) cp = lead & 0x0F;
      if (len == 4) cp = lead & 0x07;
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3F);
      const int32_t byte = codepoint_to_byte(cp);
      if (byte >= 0) {
        out.push_back(static_cast<char>(byte));
      } else {
        out.append(text, i, len);
      }
      i += len;
    }
    return out;
  }
  if (type == TokenType::kByte) {
    const int32_t byte = parse_byte_token(text);
    return byte >= 0 ? std::string(1, static_cast<char>(byte)) : text;
  }
  static const std::string kSpaceMark = "\xE2\x96\x81";  // U+2581
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, kSpaceMark) == 0) {
      out.push_back(' ');
      i += 3;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace slkv
