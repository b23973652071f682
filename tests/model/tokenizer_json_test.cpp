// tokenizer_from_json on small tokenizer.json files written by the test: both merge
// encodings, added tokens, the pre-tokenizer steps, char BPE with byte fallback,
// tokenizer_config.json, and clear errors for malformed or unsupported files.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/tokenizer.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

class TokenizerJson : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("slkv_tokenizer_json_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // Byte-level BPE: ids 0..255 are the bytes, then "ab", "abc", then the added token.
  static json byte_level(bool pair_merges) {
    json vocab = json::object();
    for (int b = 0; b < 256; ++b) {
      std::string s;
      append_utf8(byte_to_codepoint(static_cast<uint8_t>(b)), s);
      vocab[s] = b;
    }
    vocab["ab"] = 256;
    vocab["abc"] = 257;
    json merges =
        pair_merges ? json::parse(R"([["a","b"],["ab","c"]])") : json::parse(R"(["a b","ab c"])");
    return {
        {"version", "1.0"},
        {"added_tokens",
         json::array({{{"id", 258}, {"content", "<|im_start|>"}, {"special", true}}})},
        {"normalizer", nullptr},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers", json::array({{{"type", "Digits"}, {"individual_digits", true}},
                                         {{"type", "ByteLevel"},
                                          {"add_prefix_space", false},
                                          {"trim_offsets", true},
                                          {"use_regex", true}}})}}},
        {"decoder", {{"type", "ByteLevel"}}},
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
    };
  }

  std::filesystem::path dir_;
};

TEST_F(TokenizerJson, ByteLevelWithBothMergeEncodings) {
  for (bool pairs : {false, true}) {
    const Tokenizer tok = tokenizer_from_json(write("tokenizer.json", byte_level(pairs).dump()));
    EXPECT_EQ(tok.kind(), TokenizerKind::kByteLevelBpe);
    EXPECT_EQ(tok.n_vocab(), 259);
    EXPECT_EQ(tok.encode("abc ab"), (Ids{257, ' ', 256}));
    // Digits(individual) splits "12" into two pieces; the added token is partitioned first.
    EXPECT_EQ(tok.encode("<|im_start|>12"), (Ids{258, '1', '2'}));
    EXPECT_EQ(tok.token_type(258), TokenType::kControl);
    EXPECT_EQ(tok.decode(tok.encode("x <|im_start|> abc")), "x <|im_start|> abc");
  }
}

TEST_F(TokenizerJson, ConfigNamesTheSpecialTokens) {
  const std::string path = write("tokenizer.json", byte_level(false).dump());
  write("tokenizer_config.json",
        R"({"bos_token": "<|im_start|>", "eos_token": {"content": "<|im_start|>"},
            "add_bos_token": true})");
  const Tokenizer tok = tokenizer_from_json(path);
  EXPECT_EQ(tok.bos_id(), 258);
  EXPECT_EQ(tok.eos_id(), 258);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.encode("ab", true), (Ids{258, 256}));
}

TEST_F(TokenizerJson, CharBpeWithByteFallback) {
  const std::string mark = "\xE2\x96\x81";
  json vocab = {{"<unk>", 0}, {"<bos>", 1},    {"a", 2},  {"b", 3},
                {mark, 4},    {mark + "a", 5}, {"ab", 6}, {mark + "ab", 7}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab[name] = 8 + b;
  }
  const json doc = {
      {"added_tokens", json::array({{{"id", 1}, {"content", "<bos>"}, {"special", true}}})},
      {"normalizer", {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", mark}}},
      {"pre_tokenizer",
       {{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "MergedWithPrevious"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", json::array({{{"SpecialToken", {{"id", "<bos>"}, {"type_id", 0}}}},
                                {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})}}},
      {"decoder", {{"type", "Sequence"}}},
      {"model",
       {{"type", "BPE"},
        {"byte_fallback", true},
        {"unk_token", "<unk>"},
        {"vocab", vocab},
        {"merges", json::array({mark + " a", "a b", mark + "a b"})}}},
  };
  const Tokenizer tok = tokenizer_from_json(write("tokenizer.json", doc.dump()));
  EXPECT_EQ(tok.kind(), TokenizerKind::kCharBpe);
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_TRUE(tok.add_bos());
  // "ab ab": a b ▁ a b -> (▁ a) first, then (a b), then (▁a b).
  EXPECT_EQ(tok.encode("ab ab"), (Ids{6, 7}));
  // "é" is not in the vocabulary: its two UTF-8 bytes as byte tokens.
  EXPECT_EQ(tok.encode("a\xc3\xa9"), (Ids{2, 8 + 0xC3, 8 + 0xA9}));
  EXPECT_EQ(tok.decode(tok.encode("ab a\xc3\xa9<bos>")), "ab a\xc3\xa9<bos>");
}

void expect_error(const std::string& path, const std::string& needle) {
  try {
    tokenizer_from_json(path);
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST_F(TokenizerJson, BadFilesGiveClearErrors) {
  const std::string good = byte_level(false).dump();
  expect_error(write("truncated.json", good.substr(0, good.size() / 2)), "malformed JSON");
  expect_error(write("array.json", "[1,2]"), "top level");

  json unigram = byte_level(false);
  unigram["model"]["type"] = "Unigram";
  expect_error(write("unigram.json", unigram.dump()), "model.type");

  json bad_merge = byte_level(false);
  bad_merge["model"]["merges"] = json::array({"ab"});
  expect_error(write("merge.json", bad_merge.dump()), "model.merges[0]");

  json unknown_merge = byte_level(false);
  unknown_merge["model"]["merges"] = json::array({"a zz"});
  expect_error(write("unknown_merge.json", unknown_merge.dump()), "merge 0");

  json hole = byte_level(false);
  hole["model"]["vocab"]["abc"] = 400;
  expect_error(write("hole.json", hole.dump()), "model.vocab");

  json negative = byte_level(false);
  negative["model"]["vocab"]["abc"] = -3;
  expect_error(write("negative.json", negative.dump()), "not a valid token id");

  json pre = byte_level(false);
  pre["pre_tokenizer"] = {{"type", "Whitespace"}};
  expect_error(write("pre.json", pre.dump()), "unsupported pre-tokenizer");

  json regex = byte_level(false);
  regex["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       json::array(
           {{{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}},
            {{"type", "ByteLevel"}, {"use_regex", false}}})}};
  expect_error(write("regex.json", regex.dump()), "does not compile");

  expect_error((dir_ / "missing.json").string(), "missing.json");
}

}  // namespace
}  // namespace slkv
