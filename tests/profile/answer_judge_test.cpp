#include "profile/answer_judge.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace {

using slkv::probes::NeedleFamily;
using slkv::profile::answer_correct;

const std::vector<std::string> kYesNo{"Yes", "No"};
const std::vector<std::string> kOptions{"Mara", "Theo"};

TEST(AnswerJudge, YesNoReadsTheFirstWord) {
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "yesno", kYesNo, "Yes", "Yes"));
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "yesno", kYesNo, "yes.", "Yes"));
  // Token F1 would fail this one (0.4); the first word decides.
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "yesno", kYesNo, "Yes, Mara is older.", "Yes"));
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "yesno", kYesNo, "No", "Yes"));
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "yesno", kYesNo, "Mara is older.", "Yes"));
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "yesno", kYesNo, "", "No"));
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "yesno", kYesNo, "NO", "No"));
}

TEST(AnswerJudge, ChoiceNamesTheGoldOptionOnly) {
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "choice", kOptions, "Mara", "Mara"));
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "choice", kOptions, "Mara is older.", "Mara"));
  // Token F1 would pass this one (0.5): listing both options is no answer.
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "choice", kOptions, "Mara or Theo", "Mara"));
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "choice", kOptions, "Theo", "Mara"));
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "choice", kOptions, "Nobody", "Mara"));
  // Multi-word options match as a run of words, not as loose tokens.
  const std::vector<std::string> crates{"the apples", "the pears"};
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "choice", crates, "The pears.", "the pears"));
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "choice", crates, "apples", "the pears"));
}

TEST(AnswerJudge, OpenFormsUseMethodTest) {
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "derived", {}, "8", "8"));
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "derived", {}, "8 books", "8"));
  EXPECT_FALSE(answer_correct(NeedleFamily::kLogic, "derived", {}, "9", "8"));
  EXPECT_TRUE(answer_correct(NeedleFamily::kLogic, "lookup", {}, "a coin", "coin"));
}

TEST(AnswerJudge, ComposedNeedsTheWholeAnswerInOrder) {
  const auto logic = NeedleFamily::kLogic;
  EXPECT_TRUE(answer_correct(logic, "composed", {}, "4719", "4719"));
  EXPECT_TRUE(answer_correct(logic, "composed", {}, "The code is 4719.", "4719"));
  EXPECT_FALSE(answer_correct(logic, "composed", {}, "47", "4719"));
  EXPECT_FALSE(answer_correct(logic, "composed", {}, "47 19", "4719"));
  EXPECT_FALSE(answer_correct(logic, "composed", {}, "1947", "4719"));
  EXPECT_TRUE(answer_correct(logic, "composed", {}, "Leona Van Dijk", "Leona Van Dijk"));
  EXPECT_TRUE(answer_correct(logic, "composed", {}, "It is Leona Okafor.", "Leona Okafor"));
  EXPECT_FALSE(answer_correct(logic, "composed", {}, "Leona", "Leona Okafor"));  // F1 would pass
  EXPECT_FALSE(answer_correct(logic, "composed", {}, "Okafor Leona", "Leona Okafor"));
  EXPECT_FALSE(answer_correct(logic, "composed", {}, "", "Leona Okafor"));
}

TEST(AnswerJudge, ChanceCorrection) {
  EXPECT_DOUBLE_EQ(slkv::profile::chance_corrected(0.5, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(slkv::profile::chance_corrected(1.0, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(slkv::profile::chance_corrected(0.75, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(slkv::profile::chance_corrected(0.25, 0.5), -0.5);
  EXPECT_DOUBLE_EQ(slkv::profile::chance_corrected(0.3, 0.0), 0.3);
  EXPECT_THROW(slkv::profile::chance_corrected(0.3, 1.0), slkv::Error);
}

}  // namespace
