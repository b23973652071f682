// The PCRE2 pre-tokenizers against HF tokenizers' own (Oniguruma) on every corpus line:
// tests/data/tokenizer/pretokenize.jsonl holds the piece byte lengths that
// tests/reference/tokenizer_reference.py got from pre_tokenize_str.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/test_env.hpp"
#include "model/pretokenizer.hpp"

namespace slkv {
namespace {

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST(PretokenizerParity, EveryPatternMatchesHfTokenizersOnTheCorpus) {
  const auto dir = test::source_dir() / "tests" / "data" / "tokenizer";
  const std::vector<std::string> corpus = read_lines(dir / "corpus.txt");
  const std::vector<std::string> rows = read_lines(dir / "pretokenize.jsonl");
  ASSERT_EQ(rows.size(), 5u);  // header + gpt2, smollm, llama3, qwen2
  int n_checked = 0;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto row = nlohmann::json::parse(rows[r]);
    const std::string pre = row["pre"].get<std::string>();
    const auto lengths = row["lengths"].get<std::vector<std::vector<size_t>>>();
    ASSERT_EQ(lengths.size(), corpus.size()) << pre;
    const Pretokenizer splitter(pretokenizer_patterns(pre), "pretokenize.jsonl");
    std::vector<std::string_view> pieces;
    int n_mismatch = 0;
    for (size_t i = 0; i < corpus.size(); ++i) {
      splitter.split(corpus[i], pieces);
      std::vector<size_t> got;
      for (std::string_view p : pieces) got.push_back(p.size());
      if (got != lengths[i] && ++n_mismatch <= 5) {
        ADD_FAILURE() << pre << " line " << i + 1 << " '" << corpus[i]
                      << "': " << nlohmann::json(got).dump() << " vs HF "
                      << nlohmann::json(lengths[i]).dump();
      }
    }
    EXPECT_EQ(n_mismatch, 0) << pre;
    ++n_checked;
  }
  EXPECT_EQ(n_checked, 4);
}

}  // namespace
}  // namespace slkv
