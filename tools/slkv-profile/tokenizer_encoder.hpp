#pragma once
// Adapts the model's Tokenizer to the probes' TextEncoder: pieces are encoded without BOS, with
// special tokens written in the text parsed (chat markers), and the BOS the model's metadata
// asks for is the one every probe starts with.

#include <string>
#include <string_view>
#include <vector>

#include "core/hash.hpp"
#include "model/tokenizer.hpp"
#include "probes/text_encoder.hpp"

namespace slkv::tools {

class TokenizerEncoder : public probes::TextEncoder {
 public:
  explicit TokenizerEncoder(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {
    Hasher h;
    h.feed(tokenizer.kind_name());
    h.feed(tokenizer.pre_name());
    h.feed_u64(static_cast<uint64_t>(tokenizer.n_vocab()));
    for (int32_t id = 0; id < tokenizer.n_vocab(); ++id) h.feed(tokenizer.token_text(id));
    identity_ = std::string(tokenizer.kind_name()) + ":" + std::string(tokenizer.pre_name()) + ":" +
                std::to_string(tokenizer.n_vocab()) + ":" + h.hex();
  }

  std::vector<int32_t> encode(std::string_view text) const override {
    return tokenizer_.encode(text, /*add_bos=*/false, /*parse_special=*/true);
  }
  int32_t bos() const override { return tokenizer_.add_bos() ? tokenizer_.bos_id() : -1; }
  std::string identity() const override { return identity_; }

 private:
  const Tokenizer& tokenizer_;
  std::string identity_;
};

}  // namespace slkv::tools
