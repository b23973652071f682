#pragma once
// The only thing probe building needs from a tokenizer. The model's tokenizer adapts to it;
// tests use tiny encoders of their own. Probes are built by concatenating the ids of separately
// encoded pieces, so spans are exact by construction and nothing is ever re-tokenized.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slkv::probes {

class TextEncoder {
 public:
  virtual ~TextEncoder() = default;
  // Ids of exactly `text`: nothing added (no BOS, no EOS, and no SentencePiece dummy-prefix
  // space: probe pieces carry their own leading space, so a tokenizer with add_space_prefix
  // must not add another). Special-token markers written in the text (chat templates in the
  // prompt prefix or question template) may map to their ids. Deterministic.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  // The begin-of-sequence id prepended to every probe, or -1 when the model uses none.
  virtual int32_t bos() const = 0;
  // Stable identity of the tokenizer (name plus a hash of its vocabulary), recorded in profiles.
  virtual std::string identity() const = 0;
};

}  // namespace slkv::probes
