// Token ids of the real models' tokenizers against llama.cpp's (goldens written by
// tests/reference/tokenizer_reference.py; see tests/data/tokenizer/*.meta.json), and
// decode(encode(x)) == x on every corpus line.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_env.hpp"
#include "model/gguf.hpp"
#include "model/tokenizer.hpp"

namespace slkv {
namespace {

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);  // splits on '\n' only
  return lines;
}

std::filesystem::path data_dir() { return test::source_dir() / "tests" / "data" / "tokenizer"; }

std::string show(const std::vector<int32_t>& ids) {
  std::ostringstream os;
  for (int32_t id : ids) os << id << ' ';
  return os.str();
}

void check_parity(const Tokenizer& tok, const std::string& model) {
  const std::vector<std::string> corpus = read_lines(data_dir() / "corpus.txt");
  const std::vector<std::string> golden = read_lines(data_dir() / (model + ".jsonl"));
  ASSERT_GE(corpus.size(), 1000u);
  ASSERT_EQ(corpus.size(), golden.size());
  int n_mismatch = 0;
  int n_roundtrip_fail = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const auto expected = nlohmann::json::parse(golden[i]).get<std::vector<int32_t>>();
    const std::vector<int32_t> ids = tok.encode(corpus[i], /*add_bos=*/false);
    if (ids != expected && ++n_mismatch <= 10) {
      ADD_FAILURE() << model << " line " << i + 1 << " '" << corpus[i] << "'\n  got      "
                    << show(ids) << "\n  expected " << show(expected);
    }
    const std::string back = tok.decode(ids);
    if (back != corpus[i] && ++n_roundtrip_fail <= 10) {
      ADD_FAILURE() << model << " line " << i + 1 << " does not round-trip: '" << corpus[i]
                    << "' -> '" << back << "'";
    }
  }
  EXPECT_EQ(n_mismatch, 0) << "lines whose ids differ from llama.cpp";
  EXPECT_EQ(n_roundtrip_fail, 0) << "lines where decode(encode(x)) != x";

  // The whole file as one text: newlines, and whitespace runs that span lines.
  std::ifstream in(data_dir() / "corpus.txt", std::ios::binary);
  const std::string document((std::istreambuf_iterator<char>(in)), {});
  std::ifstream golden_doc(data_dir() / (model + ".document.json"));
  const auto expected = nlohmann::json::parse(golden_doc).get<std::vector<int32_t>>();
  const std::vector<int32_t> ids = tok.encode(document, false);
  size_t first_diff = 0;
  while (first_diff < std::min(ids.size(), expected.size()) &&
         ids[first_diff] == expected[first_diff]) {
    ++first_diff;
  }
  EXPECT_EQ(ids.size(), expected.size());
  EXPECT_EQ(first_diff, ids.size()) << "whole-corpus ids differ first at index " << first_diff;
  EXPECT_EQ(tok.decode(ids), document);
}

TEST(TokenizerParity, SmolLM2MatchesLlamaCpp) {
  SLKV_REQUIRE_MODEL(path, "smollm2-135m");
  const GgufFile gguf(path.string());
  const Tokenizer tok = tokenizer_from_gguf(gguf);
  EXPECT_EQ(tok.kind(), TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(tok.pre_name(), "smollm");
  EXPECT_EQ(tok.n_vocab(), 49152);
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_FALSE(tok.add_bos());
  check_parity(tok, "smollm2-135m");
}

TEST(TokenizerParity, Gemma3MatchesLlamaCpp) {
  SLKV_REQUIRE_MODEL(path, "gemma3-270m");
  const GgufFile gguf(path.string());
  const Tokenizer tok = tokenizer_from_gguf(gguf);
  EXPECT_EQ(tok.kind(), TokenizerKind::kSentencePiece);
  EXPECT_EQ(tok.n_vocab(), 262144);
  EXPECT_EQ(tok.bos_id(), 2);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.eot_id(), 106);  // <end_of_turn>
  EXPECT_TRUE(tok.add_bos());
  check_parity(tok, "gemma3-270m");
}

// The same vocabulary written as SmolLM2's tokenizer.json describes it (BPE, pair-encoded
// merges, added special tokens, Digits(individual) + ByteLevel), loaded through
// tokenizer_from_json: the JSON path must give llama.cpp's ids too.
TEST(TokenizerParity, SmolLM2TokenizerJsonMatchesLlamaCpp) {
  SLKV_REQUIRE_MODEL(path, "smollm2-135m");
  const GgufFile gguf(path.string());
  const std::vector<std::string> tokens = gguf.get_string_array("tokenizer.ggml.tokens");
  const std::vector<int64_t> types = gguf.get_int_array("tokenizer.ggml.token_type");
  const std::vector<std::string> merges = gguf.get_string_array("tokenizer.ggml.merges");
  nlohmann::json vocab = nlohmann::json::object();
  nlohmann::json added = nlohmann::json::array();
  for (size_t i = 0; i < tokens.size(); ++i) {
    vocab[tokens[i]] = i;
    if (types[i] == 3) {
      added.push_back(
          {{"id", i}, {"content", tokens[i]}, {"special", true}, {"normalized", false}});
    }
  }
  nlohmann::json pairs = nlohmann::json::array();
  for (const std::string& m : merges) {
    const size_t space = m.find(' ', 1);
    pairs.push_back({m.substr(0, space), m.substr(space + 1)});
  }
  const nlohmann::json doc = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Digits"}, {"individual_digits", true}},
          {{"type", "ByteLevel"},
           {"add_prefix_space", false},
           {"trim_offsets", true},
           {"use_regex", true}}}}}},
      {"post_processor", {{"type", "ByteLevel"}, {"trim_offsets", false}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", pairs}}},
  };
  const auto dir =
      std::filesystem::temp_directory_path() / ("slkv_smollm2_json_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto json_path = dir / "tokenizer.json";
  std::ofstream(json_path) << doc.dump();
  const Tokenizer tok = tokenizer_from_json(json_path.string());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(tok.kind(), TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(tok.n_vocab(), 49152);
  check_parity(tok, "smollm2-135m");
}

TEST(TokenizerParity, AddBosAndSpecialParsingSwitch) {
  SLKV_REQUIRE_MODEL(path, "gemma3-270m");
  const GgufFile gguf(path.string());
  const Tokenizer tok = tokenizer_from_gguf(gguf);
  const std::vector<int32_t> with = tok.encode("<start_of_turn>user", true, true);
  ASSERT_GE(with.size(), 3u);
  EXPECT_EQ(with[0], 2);
  EXPECT_EQ(with[1], 105);
  // Without special parsing the control token's text is ordinary text.
  const std::vector<int32_t> without = tok.encode("<start_of_turn>user", false, false);
  EXPECT_EQ(std::count(without.begin(), without.end(), 105), 0);
  EXPECT_EQ(tok.decode(without), "<start_of_turn>user");
}

}  // namespace
}  // namespace slkv
