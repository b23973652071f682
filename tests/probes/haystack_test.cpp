#include "probes/haystack.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "scratch_dir.hpp"

namespace {

using slkv::probes::Haystack;

std::vector<slkv::probes::HaystackSentence> draw(const Haystack& h, uint64_t seed, int n) {
  auto stream = h.stream(seed);
  std::vector<slkv::probes::HaystackSentence> out;
  for (int i = 0; i < n; ++i) out.push_back(stream->next());
  return out;
}

std::set<std::string> word_trigrams(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  std::set<std::string> grams;
  for (size_t i = 0; i + 2 < words.size(); ++i) {
    grams.insert(words[i] + " " + words[i + 1] + " " + words[i + 2]);
  }
  return grams;
}

TEST(Haystack, BuiltinIsDeterministicBySeed) {
  const auto h = Haystack::builtin();
  const auto a = draw(h, 1, 200), b = draw(h, 1, 200), c = draw(h, 2, 200);
  int same_c = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].paragraph_start, b[i].paragraph_start);
    same_c += a[i].text == c[i].text;
  }
  EXPECT_LT(same_c, 5);
}

TEST(Haystack, BuiltinProseIsVaried) {
  const auto sentences = draw(Haystack::builtin(), 2024, 3000);
  std::set<std::string> distinct;
  std::vector<std::string> paragraphs{""};
  for (const auto& s : sentences) {
    distinct.insert(s.text);
    // Well-formed sentences: capital first letter, final period, no doubled spaces.
    ASSERT_FALSE(s.text.empty());
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(s.text.front()))) << s.text;
    EXPECT_EQ(s.text.back(), '.') << s.text;
    EXPECT_EQ(s.text.find("  "), std::string::npos) << s.text;
    if (s.paragraph_start) paragraphs.emplace_back();
    paragraphs.back() += s.text + " ";
  }
  EXPECT_FALSE(sentences.front().paragraph_start);
  const double ratio = static_cast<double>(distinct.size()) / sentences.size();
  EXPECT_GT(ratio, 0.97) << "distinct-sentence ratio " << ratio;
  EXPECT_GT(paragraphs.size(), 3000u / 7);
  // No near-duplicate paragraphs: pairwise word-trigram Jaccard stays low.
  std::vector<std::set<std::string>> grams;
  for (size_t i = 0; i < 150 && i < paragraphs.size(); ++i)
    grams.push_back(word_trigrams(paragraphs[i]));
  double worst = 0;
  for (size_t i = 0; i < grams.size(); ++i) {
    for (size_t j = i + 1; j < grams.size(); ++j) {
      size_t inter = 0;
      for (const auto& g : grams[i]) inter += grams[j].count(g);
      const double uni = static_cast<double>(grams[i].size() + grams[j].size() - inter);
      if (uni > 0) worst = std::max(worst, inter / uni);
    }
  }
  EXPECT_LT(worst, 0.35) << "most similar paragraph pair, trigram Jaccard " << worst;
}

TEST(Haystack, SplitsSentencesAndParagraphs) {
  const auto s = slkv::probes::split_sentences(
      "First one.  Second\nline wraps! \"Quoted?\" Then (bracketed.) end\n\n\nNew paragraph. "
      "Tail without stop");
  ASSERT_EQ(s.size(), 7u);
  EXPECT_EQ(s[0].text, "First one.");
  EXPECT_EQ(s[1].text, "Second line wraps!");
  EXPECT_EQ(s[2].text, "\"Quoted?\"");
  EXPECT_EQ(s[3].text, "Then (bracketed.)");  // a closing bracket stays with its sentence
  EXPECT_EQ(s[4].text, "end");
  EXPECT_FALSE(s[4].paragraph_start);
  EXPECT_EQ(s[5].text, "New paragraph.");
  EXPECT_TRUE(s[5].paragraph_start);
  EXPECT_EQ(s[6].text, "Tail without stop");
}

TEST(Haystack, UserFilesWrapAround) {
  const auto dir = slkv::test::scratch_dir();
  const auto a = (dir / "a.txt").string(), b = (dir / "b.txt").string();
  slkv::write_file_atomic(a, "Alpha one. Alpha two.");
  slkv::write_file_atomic(b, "Beta one.");
  const auto h = Haystack::from_files({a, b});
  EXPECT_FALSE(h.is_builtin());
  EXPECT_EQ(h.n_file_sentences(), 3u);
  EXPECT_EQ(h.content_hash().size(), 32u);
  const auto s = draw(h, 0, 7);
  // Consecutive in reading order, wrapping from the last sentence to the first.
  for (size_t i = 1; i < s.size(); ++i) {
    const std::string& prev = s[i - 1].text;
    const std::string want = prev == "Alpha one."   ? "Alpha two."
                             : prev == "Alpha two." ? "Beta one."
                                                    : "Alpha one.";
    EXPECT_EQ(s[i].text, want);
    // The second file starts a paragraph, and so does every wrap to the first sentence.
    EXPECT_EQ(s[i].paragraph_start, s[i].text != "Alpha two.");
  }
  EXPECT_EQ(draw(h, 5, 7)[0].text, draw(h, 5, 7)[0].text);
}

TEST(Haystack, BadFilesNameTheFile) {
  const auto dir = slkv::test::scratch_dir();
  const auto empty = (dir / "empty.txt").string();
  const auto binary = (dir / "binary.bin").string();
  slkv::write_file_atomic(empty, "  \n\n ");
  slkv::write_file_atomic(binary, std::string("abc.\0def.", 9));
  for (const std::string& path : {empty, binary, (dir / "missing.txt").string()}) {
    try {
      Haystack::from_files({path});
      FAIL() << "expected an error for " << path;
    } catch (const slkv::Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(Haystack::from_files({}), slkv::Error);
}

}  // namespace
