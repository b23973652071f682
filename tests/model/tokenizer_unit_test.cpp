// The tokenizer algorithms on tiny vocabularies built in the test: merge order and ties, byte
// fallback, special-token partitioning, the pre-tokenizer regexes, empty input, bad specs.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/pretokenizer.hpp"
#include "model/tokenizer.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv {
namespace {

using Ids = std::vector<int32_t>;

std::string spelled(uint8_t byte) {
  std::string s;
  append_utf8(byte_to_codepoint(byte), s);
  return s;
}

// Byte-level BPE whose ids 0..255 are the bytes (GPT-2 spelling) and 256.. the given tokens.
TokenizerSpec byte_level_spec(const std::vector<std::string>& extra,
                              const std::vector<std::pair<std::string, std::string>>& merges) {
  TokenizerSpec spec;
  spec.source = "byte_level_spec";
  for (int b = 0; b < 256; ++b) spec.tokens.push_back(spelled(static_cast<uint8_t>(b)));
  for (const std::string& t : extra) spec.tokens.push_back(t);
  spec.types.assign(spec.tokens.size(), TokenType::kNormal);
  spec.merges = merges;
  spec.pre_name = "gpt2";
  spec.pre_patterns = pretokenizer_patterns("gpt2");
  return spec;
}

std::vector<std::string> split(const std::string& pre, const std::string& text) {
  const Pretokenizer p(pretokenizer_patterns(pre), "test");
  std::vector<std::string_view> pieces;
  p.split(text, pieces);
  return {pieces.begin(), pieces.end()};
}

TEST(ByteToUnicode, MatchesTheGpt2Alphabet) {
  EXPECT_EQ(byte_to_codepoint('A'), 'A');
  EXPECT_EQ(byte_to_codepoint(0x00), 0x100u);
  EXPECT_EQ(byte_to_codepoint(0x09), 0x109u);
  EXPECT_EQ(byte_to_codepoint(0x0A), 0x10Au);
  EXPECT_EQ(byte_to_codepoint(0x20), 0x120u);
  EXPECT_EQ(byte_to_codepoint(0x7F), 0x121u);
  EXPECT_EQ(byte_to_codepoint(0x80), 0x122u);
  EXPECT_EQ(byte_to_codepoint(0xA0), 0x142u);
  EXPECT_EQ(byte_to_codepoint(0xAD), 0x143u);
  EXPECT_EQ(byte_to_codepoint(0xFF), 0xFFu);
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(codepoint_to_byte(byte_to_codepoint(static_cast<uint8_t>(b))), b);
  }
  EXPECT_EQ(codepoint_to_byte(0x144), -1);
}

TEST(Pretokenizer, SmollmSplitsDigitsThenGpt2) {
  EXPECT_EQ(split("smollm", "Hello world! 123"),
            (std::vector<std::string>{"Hello", " world", "!", " ", "1", "2", "3"}));
  // The lookahead sees the end of each piece, not the next piece.
  EXPECT_EQ(split("smollm", "a  1"), (std::vector<std::string>{"a", "  ", "1"}));
}

TEST(Pretokenizer, Gpt2WhitespaceRuns) {
  EXPECT_EQ(split("gpt2", "a   b"), (std::vector<std::string>{"a", "  ", " b"}));
  EXPECT_EQ(split("gpt2", "x  "), (std::vector<std::string>{"x", "  "}));
  EXPECT_EQ(split("gpt2", "I'm don't"), (std::vector<std::string>{"I", "'m", " don", "'t"}));
  EXPECT_EQ(split("gpt2", ""), (std::vector<std::string>{}));
}

TEST(Pretokenizer, Llama3GroupsDigitsByThreeAndIgnoresCaseInContractions) {
  EXPECT_EQ(split("llama3", "1234567"), (std::vector<std::string>{"123", "456", "7"}));
  EXPECT_EQ(split("llama3", "IT'S"), (std::vector<std::string>{"IT", "'S"}));
  EXPECT_EQ(split("qwen2", "123"), (std::vector<std::string>{"1", "2", "3"}));
}

TEST(Pretokenizer, UnicodeClassesAndInvalidUtf8) {
  // U+00A0 is whitespace for \s under PCRE2_UCP; U+200B is not.
  EXPECT_EQ(split("gpt2", "a\u00a0b"), (std::vector<std::string>{"a", "\u00a0", "b"}));
  EXPECT_EQ(split("gpt2", "a\u200bb"), (std::vector<std::string>{"a", "\u200b", "b"}));
  EXPECT_EQ(split("gpt2", "日本"), (std::vector<std::string>{"日本"}));
  // Invalid UTF-8 never matches and is kept as a gap piece; nothing is lost.
  const std::vector<std::string> pieces = split("gpt2", "ab\xff\xfe cd");
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, "ab\xff\xfe cd");
}

TEST(Pretokenizer, UnknownNameAndBadRegex) {
  EXPECT_TRUE(pretokenizer_patterns("no-such-pre").empty());
  EXPECT_THROW(Pretokenizer({"(unclosed"}, "file.json"), Error);
}

TEST(ByteLevelBpe, LowestRankMergesFirst) {
  // "abc": (b,c) has the lower rank, so a + bc, even though (a,b) is also a merge.
  const Tokenizer tok(byte_level_spec({"ab", "bc"}, {{"b", "c"}, {"a", "b"}}));
  EXPECT_EQ(tok.encode("abc"), (Ids{'a', 257}));
  const Tokenizer swapped(byte_level_spec({"ab", "bc"}, {{"a", "b"}, {"b", "c"}}));
  EXPECT_EQ(swapped.encode("abc"), (Ids{256, 'c'}));
}

TEST(ByteLevelBpe, MergesChainAndTiesGoLeftmost) {
  const Tokenizer tok(byte_level_spec({"aa", "aaa", "aaaa"}, {{"a", "a"}, {"aa", "a"}}));
  EXPECT_EQ(tok.encode("aa"), (Ids{256}));
  EXPECT_EQ(tok.encode("aaa"), (Ids{257}));         // (a a) leftmost, then (aa a)
  EXPECT_EQ(tok.encode("aaaa"), (Ids{256, 256}));   // (a a)(a a); no (aa aa) merge
  EXPECT_EQ(tok.encode("aaaaa"), (Ids{256, 257}));  // aa|aa|a, then (aa a) on the right pair
}

TEST(ByteLevelBpe, SpacesAndBytesUseTheGpt2Spelling) {
  const std::string g_a = spelled(' ') + "a";
  const Tokenizer tok(byte_level_spec({g_a}, {{spelled(' '), "a"}}));
  EXPECT_EQ(tok.encode("a a"), (Ids{'a', 256}));
  EXPECT_EQ(tok.encode("\n"), (Ids{'\n'}));
  const std::string text = "x\xc3\xa9\t\x01 a";
  EXPECT_EQ(tok.decode(tok.encode(text)), text);
  EXPECT_EQ(tok.piece(256), " a");
}

TEST(ByteLevelBpe, IgnoreMergesEmitsWholeTokens) {
  TokenizerSpec spec = byte_level_spec({"abc"}, {});
  EXPECT_EQ(Tokenizer(spec).encode("abc"), (Ids{'a', 'b', 'c'}));
  spec.ignore_merges = true;
  EXPECT_EQ(Tokenizer(spec).encode("abc"), (Ids{256}));
}

TEST(ByteLevelBpe, EmptyInput) {
  TokenizerSpec spec = byte_level_spec({"<s>"}, {});
  spec.types[256] = TokenType::kControl;
  spec.bos_id = 256;
  const Tokenizer tok(std::move(spec));
  EXPECT_TRUE(tok.encode("").empty());
  EXPECT_EQ(tok.encode("", /*add_bos=*/true), (Ids{256}));
  EXPECT_EQ(tok.decode(Ids{}), "");
}

TEST(SpecialTokens, LongestFirstAndParseSpecialSwitch) {
  TokenizerSpec spec = byte_level_spec({"<x>", "<x><y>", "<u>"}, {});
  spec.types[256] = TokenType::kControl;
  spec.types[257] = TokenType::kControl;
  spec.types[258] = TokenType::kUserDefined;
  const Tokenizer tok(std::move(spec));
  EXPECT_EQ(tok.encode("<x><y>"), (Ids{257}));
  EXPECT_EQ(tok.encode("a<x>b"), (Ids{'a', 256, 'b'}));
  EXPECT_EQ(tok.encode("<x<x>"), (Ids{'<', 'x', 256}));
  EXPECT_EQ(tok.encode("<x><y><x>"), (Ids{257, 256}));
  // Control tokens only with parse_special; user-defined ones always.
  EXPECT_EQ(tok.encode("<x><u>", false, false), (Ids{'<', 'x', '>', 258}));
  EXPECT_EQ(tok.decode(tok.encode("q<x><y>r<u>")), "q<x><y>r<u>");
}

// SentencePiece vocabulary: <unk>, <s>, </s>, the 256 byte tokens, then pieces with scores.
TokenizerSpec spm_spec(const std::vector<std::pair<std::string, float>>& pieces) {
  TokenizerSpec spec;
  spec.source = "spm_spec";
  spec.kind = TokenizerKind::kSentencePiece;
  spec.tokens = {"<unk>", "<s>", "</s>"};
  spec.types = {TokenType::kUnknown, TokenType::kControl, TokenType::kControl};
  spec.scores = {0, 0, 0};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    spec.tokens.push_back(name);
    spec.types.push_back(TokenType::kByte);
    spec.scores.push_back(0);
  }
  for (const auto& [text, score] : pieces) {
    spec.tokens.push_back(text);
    spec.types.push_back(TokenType::kNormal);
    spec.scores.push_back(score);
  }
  spec.unk_id = 0;
  spec.bos_id = 1;
  spec.eos_id = 2;
  return spec;
}

constexpr int32_t kFirstPiece = 3 + 256;

TEST(SentencePiece, HighestScoreMergesFirst) {
  // a b c ab bc: "bc" scores higher, so a + bc.
  const Tokenizer tok(spm_spec({{"a", -1}, {"b", -1}, {"c", -1}, {"ab", -3}, {"bc", -2}}));
  EXPECT_EQ(tok.encode("abc"), (Ids{kFirstPiece, kFirstPiece + 4}));
  const Tokenizer swapped(spm_spec({{"a", -1}, {"b", -1}, {"c", -1}, {"ab", -2}, {"bc", -3}}));
  EXPECT_EQ(swapped.encode("abc"), (Ids{kFirstPiece + 3, kFirstPiece + 2}));
}

TEST(SentencePiece, EqualScoresMergeLeftmostFirst) {
  const Tokenizer tok(spm_spec({{"a", -1}, {"aa", -2}}));
  EXPECT_EQ(tok.encode("aaa"), (Ids{kFirstPiece + 1, kFirstPiece}));
}

TEST(SentencePiece, SpacesBecomeMarksAndPrefixFollowsTheFlag) {
  const std::string mark = "\xE2\x96\x81";
  TokenizerSpec spec = spm_spec({{"a", -1}, {mark, -1}, {mark + "a", -0.5f}});
  const Tokenizer no_prefix(spec);
  EXPECT_EQ(no_prefix.encode("a a"), (Ids{kFirstPiece, kFirstPiece + 2}));
  spec.add_space_prefix = true;
  const Tokenizer prefix(std::move(spec));
  EXPECT_EQ(prefix.encode("a a"), (Ids{kFirstPiece + 2, kFirstPiece + 2}));
  // After a special token the prefix comes back.
  EXPECT_EQ(prefix.encode("a<s>a"), (Ids{kFirstPiece + 2, 1, kFirstPiece + 2}));
  EXPECT_EQ(no_prefix.decode(no_prefix.encode("a a")), "a a");
}

TEST(SentencePiece, ByteFallbackForUnknownCharacters) {
  const Tokenizer tok(spm_spec({{"a", -1}}));
  // U+00E9 = C3 A9; not in the vocabulary.
  EXPECT_EQ(tok.encode("a\xc3\xa9"), (Ids{kFirstPiece, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(tok.decode(tok.encode("a\xc3\xa9")), "a\xc3\xa9");
  EXPECT_EQ(tok.piece(3 + 0x0A), "\n");
  // Invalid UTF-8 survives as bytes too.
  EXPECT_EQ(tok.decode(tok.encode("\xff\xc3")), "\xff\xc3");
  EXPECT_TRUE(tok.encode("").empty());
}

TEST(TokenizerSpecErrors, NameTheSourceAndTheProblem) {
  TokenizerSpec bad_merge = byte_level_spec({}, {{"a", "zz"}});
  try {
    Tokenizer t(std::move(bad_merge));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte_level_spec"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("merge 0"), std::string::npos) << e.what();
  }
  TokenizerSpec bad_id = byte_level_spec({}, {});
  bad_id.bos_id = 999;
  EXPECT_THROW(Tokenizer(std::move(bad_id)), Error);
  TokenizerSpec bad_types = spm_spec({{"a", -1}});
  bad_types.types.pop_back();
  EXPECT_THROW(Tokenizer(std::move(bad_types)), Error);
  TokenizerSpec bad_scores = spm_spec({{"a", -1}});
  bad_scores.scores.pop_back();
  EXPECT_THROW(Tokenizer(std::move(bad_scores)), Error);
  TokenizerSpec no_pre = byte_level_spec({}, {});
  no_pre.pre_patterns.clear();
  EXPECT_THROW(Tokenizer(std::move(no_pre)), Error);
  const Tokenizer ok(byte_level_spec({}, {}));
  EXPECT_THROW(ok.piece(256), Error);
  EXPECT_THROW(ok.piece(-1), Error);
}

}  // namespace
}  // namespace slkv
