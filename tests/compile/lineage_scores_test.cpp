#include "compile/lineage_scores.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "core/error.hpp"

namespace {

using slkv::compile::parse_lineage_scores;

// Expects parse to throw slkv::Error whose message contains every one of `needles`.
void expect_error(const std::string& text, std::initializer_list<std::string> needles,
                  int64_t n_layers = 2, int64_t n_heads = 2) {
  try {
    parse_lineage_scores(text, "scores.json", n_layers, n_heads);
    ADD_FAILURE() << "no error for: " << text;
  } catch (const slkv::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("scores.json"), std::string::npos) << what;
    for (const auto& n : needles) EXPECT_NE(what.find(n), std::string::npos) << what;
  }
}

TEST(LineageScores, ParsesKeysInAnyOrderAndAveragesProbes) {
  const std::string text = R"({"1-1": [4, 0], "0-1": [1.5], "1-0": [0, 0, 0.3], "0-0": [2, 4, 6]})";
  const auto s = parse_lineage_scores(text, "scores.json", 2, 2);
  EXPECT_EQ(s.kind, "lineage");
  ASSERT_EQ(s.direct.size(), 4u);
  EXPECT_DOUBLE_EQ(s.direct[s.index(0, 0)], 4.0);
  EXPECT_DOUBLE_EQ(s.direct[s.index(0, 1)], 1.5);
  EXPECT_DOUBLE_EQ(s.direct[s.index(1, 0)], 0.1);
  EXPECT_DOUBLE_EQ(s.direct[s.index(1, 1)], 2.0);
  EXPECT_EQ(s.n_probes, 3);
  EXPECT_EQ(s.source_hash.size(), 32u);
}

TEST(LineageScores, RejectsNanAndInfinity) {
  expect_error(R"({"0-0": [NaN], "0-1": [1], "1-0": [1], "1-1": [1]})", {"NaN", "finite"});
  expect_error(R"({"0-0": [Infinity], "0-1": [1], "1-0": [1], "1-1": [1]})", {"finite"});
}

TEST(LineageScores, RejectsBadScores) {
  expect_error(R"({"0-0": [-0.5], "0-1": [1], "1-0": [1], "1-1": [1]})", {"\"0-0\"", "-0.5"});
  expect_error(R"({"0-0": ["1"], "0-1": [1], "1-0": [1], "1-1": [1]})", {"\"0-0\"", "number"});
  expect_error(R"({"0-0": [1], "0-1": [], "1-0": [1], "1-1": [1]})", {"\"0-1\"", "non-empty"});
  expect_error(R"({"0-0": 1, "0-1": [1], "1-0": [1], "1-1": [1]})", {"\"0-0\"", "list"});
  expect_error(R"({"0-0": [1e999], "0-1": [1], "1-0": [1], "1-1": [1]})", {"1e999"});
}

TEST(LineageScores, RejectsBadKeys) {
  expect_error(R"({"a-0": [1]})", {"\"a-0\"", "<layer>-<query head>"});
  expect_error(R"({"0-0-0": [1]})", {"\"0-0-0\""});
  expect_error(R"({"-1-0": [1]})", {"\"-1-0\""});
  expect_error(R"({"00": [1]})", {"\"00\""});
  expect_error(R"({"0-+1": [1]})", {"\"0-+1\""});
}

TEST(LineageScores, RejectsShapeMismatch) {
  expect_error(R"({"0-0": [1], "0-1": [1], "1-0": [1], "1-1": [1], "2-0": [1]})",
               {"\"2-0\"", "outside", "2 layers x 2 query heads"});
  expect_error(R"({"0-0": [1], "0-1": [1], "1-0": [1], "1-1": [1]})", {"query head 2"}, 2, 3);
}

TEST(LineageScores, RejectsDuplicatesAndMissingHeads) {
  expect_error(R"({"0-0": [1], "0-0": [2], "0-1": [1], "1-0": [1], "1-1": [1]})",
               {"\"0-0\"", "twice"});
  expect_error(R"({"0-0": [1], "00-0": [2], "0-1": [1], "1-0": [1], "1-1": [1]})",
               {"\"00-0\"", "already"});
  expect_error(R"({"0-0": [1], "0-1": [1], "1-1": [1]})", {"layer 1, query head 0", "\"1-0\""});
}

TEST(LineageScores, RejectsNonObjectsAndBrokenJson) {
  expect_error(R"([1, 2])", {"object"});
  expect_error(R"({"0-0": [1], "0-1": [)", {"not valid JSON"});
  expect_error("", {"not valid JSON"});
}

TEST(LineageScores, MissingFileNamesPath) {
  try {
    slkv::compile::read_lineage_scores("/nonexistent/scores.json", 2, 2);
    ADD_FAILURE();
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/scores.json"), std::string::npos);
  }
}

TEST(LineageScores, MutatedFilesOnlyEverGiveSlkvErrors) {
  const std::string good = R"({"0-0": [0.5, 1e-3], "0-1": [0], "1-0": [2, 3.5], "1-1": [0.25]})";
  const std::string alphabet = "0123456789-+.eE,:[]{}\" NaN";
  std::mt19937_64 rng(42);
  int parsed = 0;
  int refused = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = good;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
      if (text.empty()) text.push_back('{');
    }
    try {
      const auto s = parse_lineage_scores(text, "fuzz.json", 2, 2);
      for (double x : s.direct) ASSERT_TRUE(std::isfinite(x) && x >= 0.0) << text;
      ++parsed;
    } catch (const slkv::Error&) {
      ++refused;
    }  // anything else escapes and fails the test
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(parsed, 0);
}

}  // namespace
