// Token ids of the real models' tokenizers against llama.cpp's (goldens written by
// tests/reference/tokenizer_reference.py; see tests/data/tokenizer/*.meta.json), and
// decode(encode(x)) == x on every corpus line.

#include <gtest/gtest.h>

#include <fstream>
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
