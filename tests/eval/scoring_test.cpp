// Scorers against values computed by hand (each case says how).

#include "eval/scoring.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace slkv::eval {
namespace {

TEST(EvalScoring, LowercaseAndNormalisation) {
  EXPECT_EQ(lowercase("ÀÉÎ Straße ΣΩ ДЖ Ѐ"), "àéî straße σω дж ѐ");
  EXPECT_EQ(normalized_tokens("The  Cat's hat, an apple!"),
            (std::vector<std::string>{"cats", "hat", "apple"}));
  EXPECT_TRUE(normalized_tokens("...!?").empty());
  EXPECT_TRUE(normalized_tokens("").empty());
  EXPECT_EQ(normalized_tokens("théâtre «x»"), (std::vector<std::string>{"théâtre", "«x»"}));
  EXPECT_EQ(normalized_tokens("a-b"), (std::vector<std::string>{"ab"}));  // as LongBench
  EXPECT_EQ(lowercase(std::string("\xff"
                                  "A")),
            "\xEF\xBF\xBD"
            "a");  // bad UTF-8 byte
}

TEST(EvalScoring, RulerMatchIsTheShareOfGoldItemsPresent) {
  EXPECT_DOUBLE_EQ(ruler_match("The number is 1234567.", {"1234567"}), 1.0);
  EXPECT_DOUBLE_EQ(ruler_match("APPLE and Pear", {"apple", "pear", "plum"}), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(ruler_match("", {"x"}), 0.0);
  EXPECT_DOUBLE_EQ(ruler_match("anything", {}), 0.0);
  EXPECT_DOUBLE_EQ(ruler_match("ÉCOLE", {"école"}), 1.0);
}

TEST(EvalScoring, QaF1) {
  // pred {barack, obama, president}, gold {obama}: p = 1/3, r = 1, F1 = 2*(1/3)/(4/3) = 0.5.
  EXPECT_DOUBLE_EQ(qa_f1("Barack Obama, president.", "Obama"), 0.5);
  // Articles and punctuation drop out: "the Eiffel Tower!" == "Eiffel tower".
  EXPECT_DOUBLE_EQ(qa_f1("the Eiffel Tower!", "Eiffel tower"), 1.0);
  // Multiset overlap: pred {a1: "new","new","york"} vs gold {"new","york","city"}: same 2,
  // p = 2/3, r = 2/3, F1 = 2/3.
  EXPECT_DOUBLE_EQ(qa_f1("new new york", "New York City"), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(qa_f1("", "x"), 0.0);
  EXPECT_DOUBLE_EQ(qa_f1("!!!", "!!!"), 0.0);  // nothing left after normalisation
  EXPECT_DOUBLE_EQ(qa_f1("Zürich", "zürich"), 1.0);
}

TEST(EvalScoring, RougeL) {
  // pred "the cat sat on mat" -> [cat sat on mat]; gold "a cat was on the mat" ->
  // [cat was on mat]; LCS = cat on mat = 3, p = r = 3/4, F = 0.75.
  EXPECT_DOUBLE_EQ(rouge_l("the cat sat on mat", "a cat was on the mat"), 0.75);
  // pred [x y z w], gold [y w]: LCS 2, p = 1/2, r = 1, F = 2/3.
  EXPECT_DOUBLE_EQ(rouge_l("x y z w", "y w"), 2.0 / 3.0);
  // Order matters: [y x] vs [x y] have LCS 1: p = r = 1/2.
  EXPECT_DOUBLE_EQ(rouge_l("y x", "x y"), 0.5);
  EXPECT_DOUBLE_EQ(rouge_l("", "a b"), 0.0);
  EXPECT_DOUBLE_EQ(rouge_l("?!", "?!"), 0.0);
}

TEST(EvalScoring, ClassificationFollowsLongBenchsRule) {
  const std::vector<std::string> classes = {"location", "other location", "person", "date"};
  EXPECT_DOUBLE_EQ(classification("Type: person", "person", classes), 1.0);
  EXPECT_DOUBLE_EQ(classification("person or date", "person", classes), 0.5);
  EXPECT_DOUBLE_EQ(classification("date", "person", classes), 0.0);
  // "location" is part of the gold "other location": not counted against it.
  EXPECT_DOUBLE_EQ(classification("other location", "other location", classes), 1.0);
  // ...but when the gold is "location", "other location" also names "location": 1/2.
  EXPECT_DOUBLE_EQ(classification("other location", "location", classes), 0.5);
  EXPECT_DOUBLE_EQ(classification("", "person", classes), 0.0);
  EXPECT_DOUBLE_EQ(classification("Person", "person", classes), 0.0);  // case-sensitive
}

TEST(EvalScoring, RetrievalAndCountShareOfNumbers) {
  EXPECT_DOUBLE_EQ(retrieval("Paragraph 12", "Paragraph 12"), 1.0);
  EXPECT_DOUBLE_EQ(retrieval("Paragraph 1 or 12, maybe 120", "Paragraph 12"), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(retrieval("no idea", "Paragraph 12"), 0.0);
  EXPECT_DOUBLE_EQ(retrieval("段落7", "段落7"), 1.0);
  EXPECT_DOUBLE_EQ(retrieval("7", "no number"), 0.0);
  EXPECT_DOUBLE_EQ(count_match("There are 14 paragraphs.", "14"), 1.0);
  EXPECT_DOUBLE_EQ(count_match("14, not 15", " 14\n"), 0.5);
  EXPECT_DOUBLE_EQ(count_match("", "14"), 0.0);
  EXPECT_DOUBLE_EQ(count_match("014", "14"), 0.0);  // compared as written, as LongBench
}

TEST(EvalScoring, CodeSimilarity) {
  // "abcd" vs "abce": LCS 3, 2*3/8 = 0.75.
  EXPECT_DOUBLE_EQ(code_sim("abcd", "abce"), 0.75);
  // Comment lines and fences are skipped: the first clean line is "x = 1".
  EXPECT_DOUBLE_EQ(code_sim("\n```python\n# set x\nx = 1\ny = 2", "x = 1"), 1.0);
  // A "//" comment is skipped too; then "int b;" vs "int a;": LCS 5 of 6+6 -> 10/12.
  EXPECT_DOUBLE_EQ(code_sim("// note\nint b;", "int a;"), 10.0 / 12.0);
  EXPECT_DOUBLE_EQ(code_sim("", "x"), 0.0);
  EXPECT_DOUBLE_EQ(code_sim("", ""), 1.0);
  EXPECT_DOUBLE_EQ(code_sim("# only a comment", "x"), 0.0);
  // Code points, not bytes: "é" vs "e" share nothing: 0; "aé" vs "aé" = 1.
  EXPECT_DOUBLE_EQ(code_sim("é", "e"), 0.0);
  EXPECT_DOUBLE_EQ(code_sim("aé", "aé"), 1.0);
  // "ab" vs "aé": LCS 1 of 2+2 code points = 0.5 (bytes would give 2/5).
  EXPECT_DOUBLE_EQ(code_sim("ab", "aé"), 0.5);
}

TEST(EvalScoring, ScoreDispatchesByMetricAndTakesTheBestGold) {
  EvalItem item;
  item.metric = Metric::kRulerMatch;
  item.answers = {"AB12", "cd34"};
  EXPECT_DOUBLE_EQ(score(item, "ab12"), 0.5);
  item.metric = Metric::kQaF1;
  item.task = "hotpotqa";
  item.answers = {"Paris", "Paris, France"};
  EXPECT_DOUBLE_EQ(score(item, "Paris France"), 1.0);
  EXPECT_DOUBLE_EQ(score(item, "Lyon"), 0.0);
  item.metric = Metric::kRougeL;
  EXPECT_DOUBLE_EQ(score(item, "in Paris"), 2.0 * 0.5 * 1.0 / 1.5);
  item.metric = Metric::kCount;
  item.answers = {"3"};
  EXPECT_DOUBLE_EQ(score(item, "3"), 1.0);
  item.metric = Metric::kCodeSim;
  item.answers = {"abce", "abcd"};
  EXPECT_DOUBLE_EQ(score(item, "abcd"), 1.0);
  item.metric = Metric::kClassification;
  item.answers = {"date"};
  item.all_classes = {"date", "person"};
  EXPECT_DOUBLE_EQ(score(item, "date"), 1.0);
}

TEST(EvalScoring, MetricNamesRoundTrip) {
  for (Metric m : {Metric::kRulerMatch, Metric::kQaF1, Metric::kRougeL, Metric::kClassification,
                   Metric::kRetrieval, Metric::kCount, Metric::kCodeSim}) {
    EXPECT_EQ(parse_metric(metric_name(m)), m);
  }
  EXPECT_THROW(parse_metric("f1"), Error);
}

}  // namespace
}  // namespace slkv::eval
