#pragma once
// A tiny TextEncoder for eval tests: one token per whitespace-led word ("\n\nWhat" is one
// token, " is:" another), ids from an FNV hash, so token counts add up piece by piece.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "probes/text_encoder.hpp"

namespace slkv::test {

class WhitespaceEncoder : public probes::TextEncoder {
 public:
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    size_t i = 0;
    while (i < text.size()) {
      size_t j = i;
      while (j < text.size() && is_space(text[j])) ++j;
      while (j < text.size() && !is_space(text[j])) ++j;
      uint32_t h = 2166136261u;
      for (size_t k = i; k < j; ++k) h = (h ^ static_cast<uint8_t>(text[k])) * 16777619u;
      ids.push_back(static_cast<int32_t>(h % 50000u) + 3);
      i = j;
    }
    return ids;
  }
  int32_t bos() const override { return 1; }
  std::string identity() const override { return "test-whitespace"; }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t'; }
};

}  // namespace slkv::test
