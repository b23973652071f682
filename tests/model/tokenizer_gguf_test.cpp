// tokenizer_from_gguf on small GGUF files written by the test: both tokenizer models, the
// llama.cpp defaults for absent keys, and clear errors naming the file and key.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/gguf.hpp"
#include "model/gguf_writer.hpp"
#include "model/temp_dir.hpp"
#include "model/tokenizer.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv {
namespace {

using Ids = std::vector<int32_t>;
using test::GgufWriter;

// A "gpt2" vocabulary: the 256 byte spellings, then "ab", then "<|end|>" (control).
GgufWriter byte_level_writer(const std::string& pre = "smollm") {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    append_utf8(byte_to_codepoint(static_cast<uint8_t>(b)), s);
    tokens.push_back(s);
  }
  tokens.push_back("ab");
  tokens.push_back("<|end|>");
  std::vector<int32_t> types(tokens.size(), 1);
  types.back() = 3;
  GgufWriter w;
  w.string("tokenizer.ggml.model", "gpt2");
  w.string("tokenizer.ggml.pre", pre);
  w.string_array("tokenizer.ggml.tokens", tokens);
  w.array<int32_t>("tokenizer.ggml.token_type", 5, types);
  w.string_array("tokenizer.ggml.merges", {"a b"});
  return w;
}

Tokenizer load(const std::string& bytes) {
  const test::TempDir dir("tokenizer-gguf");
  const GgufFile gguf(dir.write("t.gguf", bytes));
  return tokenizer_from_gguf(gguf);
}

void expect_error(const std::string& bytes, const std::string& needle) {
  const test::TempDir dir("tokenizer-gguf");
  const std::string path = dir.write("bad.gguf", bytes);
  try {
    const GgufFile gguf(path);
    tokenizer_from_gguf(gguf);
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST(TokenizerGguf, ByteLevelWithGpt2Defaults) {
  const Tokenizer tok = load(byte_level_writer().build());
  EXPECT_EQ(tok.kind(), TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(tok.pre_name(), "smollm");
  EXPECT_EQ(tok.bos_id(), 11);   // llama.cpp's "gpt2" default when the key is absent
  EXPECT_EQ(tok.eot_id(), 257);  // found by its text
  EXPECT_FALSE(tok.add_bos());
  EXPECT_EQ(tok.encode("ab 12<|end|>"), (Ids{256, ' ', '1', '2', 257}));
}

TEST(TokenizerGguf, Llama3PreAddsBosAndIgnoresMerges) {
  GgufWriter w = byte_level_writer("llama-bpe");
  w.scalar<uint32_t>("tokenizer.ggml.bos_token_id", 4, 257);
  const Tokenizer tok = load(w.build());
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.bos_id(), 257);
  EXPECT_EQ(tok.encode("ab", true), (Ids{257, 256}));
}

TEST(TokenizerGguf, SentencePieceWithLlamaDefaults) {
  std::vector<std::string> tokens = {"<unk>",
                                     "<s>",
                                     "</s>",
                                     "\xE2\x96\x81",
                                     "a",
                                     "\xE2\x96\x81"
                                     "a"};
  std::vector<float> scores = {0, 0, 0, -1, -1, -0.5f};
  std::vector<int32_t> types = {2, 3, 3, 1, 1, 1};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    tokens.push_back(name);
    scores.push_back(0);
    types.push_back(6);
  }
  GgufWriter w;
  w.string("tokenizer.ggml.model", "llama");
  w.string_array("tokenizer.ggml.tokens", tokens);
  w.array<float>("tokenizer.ggml.scores", 6, scores);
  w.array<int32_t>("tokenizer.ggml.token_type", 5, types);
  const Tokenizer tok = load(w.build());
  EXPECT_EQ(tok.kind(), TokenizerKind::kSentencePiece);
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_EQ(tok.unk_id(), 0);
  EXPECT_TRUE(tok.add_bos());
  // add_space_prefix defaults to true for "llama": "a" -> "▁a".
  EXPECT_EQ(tok.encode("a"), (Ids{5}));
  EXPECT_EQ(tok.encode("a\n"), (Ids{5, 6 + '\n'}));
  EXPECT_EQ(tok.decode(tok.encode("a\n")), " a\n");
}

TEST(TokenizerGguf, BadMetadataGivesClearErrors) {
  GgufWriter no_model;
  no_model.string_array("tokenizer.ggml.tokens", {"a"});
  expect_error(no_model.build(), "tokenizer.ggml.model");

  GgufWriter bert;
  bert.string("tokenizer.ggml.model", "bert");
  bert.string_array("tokenizer.ggml.tokens", {"a"});
  expect_error(bert.build(), "unsupported tokenizer model 'bert'");

  expect_error(byte_level_writer("default").build(), "unknown pre-tokenizer 'default'");

  std::vector<std::string> tokens = {"a", "b"};
  GgufWriter merge;
  merge.string("tokenizer.ggml.model", "gpt2");
  merge.string("tokenizer.ggml.pre", "gpt2");
  merge.string_array("tokenizer.ggml.tokens", tokens);
  merge.string_array("tokenizer.ggml.merges", {"ab"});
  expect_error(merge.build(), "tokenizer.ggml.merges: entry 0");

  GgufWriter types;
  types.string("tokenizer.ggml.model", "gpt2");
  types.string("tokenizer.ggml.pre", "gpt2");
  types.string_array("tokenizer.ggml.tokens", tokens);
  types.array<int32_t>("tokenizer.ggml.token_type", 5, {1});
  types.string_array("tokenizer.ggml.merges", {"a b"});
  expect_error(types.build(), "tokenizer.ggml.token_type");

  GgufWriter bos;
  bos.string("tokenizer.ggml.model", "gpt2");
  bos.string("tokenizer.ggml.pre", "gpt2");
  bos.string_array("tokenizer.ggml.tokens", {"a", "b", "ab"});
  bos.string_array("tokenizer.ggml.merges", {"a b"});
  bos.scalar<uint32_t>("tokenizer.ggml.bos_token_id", 4, 7);
  expect_error(bos.build(), "bos_token_id");

  GgufWriter scores;
  scores.string("tokenizer.ggml.model", "llama");
  scores.string_array("tokenizer.ggml.tokens", {"a", "b"});
  scores.array<float>("tokenizer.ggml.scores", 6, {0.0f});
  expect_error(scores.build(), "tokenizer.ggml.scores");
}

}  // namespace
}  // namespace slkv
