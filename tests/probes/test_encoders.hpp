#pragma once
// Tiny encoders for probe tests: ByteEncoder (one id per byte) and WordEncoder (one id per
// whitespace-led word, from a growing table), both with an exact decode.

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probes/text_encoder.hpp"

namespace slkv::test {

class ByteEncoder : public probes::TextEncoder {
 public:
  static constexpr int32_t kBos = 1;
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    for (unsigned char c : text) ids.push_back(static_cast<int32_t>(c) + 3);
    return ids;
  }
  int32_t bos() const override { return kBos; }
  std::string identity() const override { return "test-bytes"; }
  std::string decode(std::span<const int32_t> ids) const {
    std::string s;
    for (int32_t id : ids) {
      if (id >= 3) s.push_back(static_cast<char>(id - 3));
    }
    return s;
  }
};

class WordEncoder : public probes::TextEncoder {
 public:
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    size_t i = 0;
    while (i < text.size()) {
      size_t j = i;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\n')) ++j;
      while (j < text.size() && text[j] != ' ' && text[j] != '\n') ++j;
      const std::string word(text.substr(i, j - i));
      auto [it, added] = table_.try_emplace(word, static_cast<int32_t>(words_.size()) + 10);
      if (added) words_.push_back(word);
      ids.push_back(it->second);
      i = j;
    }
    return ids;
  }
  int32_t bos() const override { return -1; }  // a model without BOS
  std::string identity() const override { return "test-words"; }
  std::string decode(std::span<const int32_t> ids) const {
    std::string s;
    for (int32_t id : ids) s += words_.at(static_cast<size_t>(id - 10));
    return s;
  }

 private:
  mutable std::map<std::string, int32_t> table_;
  mutable std::vector<std::string> words_;
};

}  // namespace slkv::test
