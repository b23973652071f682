// The built-in suite: determinism, lengths, and that every task's answers follow from its
// context alone (parsed back independently of the generators).

#include "eval/suite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "eval/context_fit.hpp"
#include "eval/word_pools.hpp"
#include "scratch_dir.hpp"
#include "whitespace_encoder.hpp"

namespace slkv::eval {
namespace {

const test::WhitespaceEncoder kEnc;

SuiteOptions options(std::vector<std::string> tasks, std::vector<int64_t> lengths, int64_t n,
                     uint64_t seed = 7) {
  SuiteOptions opt;
  opt.seed = seed;
  opt.lengths = std::move(lengths);
  opt.n_per_cell = n;
  opt.tasks = std::move(tasks);
  return opt;
}

std::vector<EvalItem> suite(const std::string& task, int64_t n = 6,
                            std::vector<int64_t> lengths = {512, 1024}) {
  return make_builtin_suite(options({task}, std::move(lengths), n), kEnc);
}

// All matches of `re` in `text`, as capture-group vectors.
std::vector<std::vector<std::string>> matches(const std::string& text, const std::string& re) {
  std::vector<std::vector<std::string>> out;
  const std::regex r(re);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), r); it != std::sregex_iterator();
       ++it) {
    std::vector<std::string> groups;
    for (size_t g = 1; g < it->size(); ++g) groups.push_back((*it)[g].str());
    out.push_back(std::move(groups));
  }
  return out;
}

std::string capture(const std::string& text, const std::string& re) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(re))) return "";
  return m[1].str();
}

// Answers are scored by substring match: no answer word may hide inside another ("owl" in
// "bowl"), and none is shorter than four letters.
TEST(EvalSuite, AnswerWordPoolsHaveNoWordInsideAnother) {
  for (auto pool : {pools::common_nouns(), pools::jobs(), pools::pets()}) {
    std::set<std::string> seen;
    for (const char* a : pool) {
      EXPECT_GE(std::string(a).size(), 4u) << a;
      EXPECT_TRUE(seen.insert(a).second) << "twice: " << a;
      for (const char* b : pool) {
        if (std::string(a) != b) {
          EXPECT_EQ(std::string(b).find(a), std::string::npos) << a << " in " << b;
        }
      }
    }
  }
  EXPECT_GE(pools::common_nouns().size(), 200u);
}

TEST(EvalSuite, SameSeedSameItemsOtherSeedOtherItems) {
  const auto a = make_builtin_suite(options({}, {600}, 2, 3), kEnc);
  const auto b = make_builtin_suite(options({}, {600}, 2, 3), kEnc);
  const auto c = make_builtin_suite(options({}, {600}, 2, 4), kEnc);
  ASSERT_EQ(a.size(), builtin_tasks().size() * 2);
  ASSERT_EQ(a.size(), c.size());
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(render_prompt(a[i]), render_prompt(b[i])) << a[i].id;
    EXPECT_EQ(a[i].answers, b[i].answers) << a[i].id;
    EXPECT_EQ(a[i].id, c[i].id);
    if (render_prompt(a[i]) != render_prompt(c[i])) ++differ;
  }
  EXPECT_EQ(differ, a.size());
}

TEST(EvalSuite, AnItemDoesNotDependOnTheOtherTasksOrLengths) {
  const auto all = make_builtin_suite(options({}, {512, 700}, 2), kEnc);
  const auto one = make_builtin_suite(options({"vt"}, {700}, 2), kEnc);
  ASSERT_EQ(one.size(), 2u);
  for (const EvalItem& item : one) {
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const EvalItem& x) { return x.id == item.id; });
    ASSERT_NE(it, all.end()) << item.id;
    EXPECT_EQ(it->context, item.context);
    EXPECT_EQ(it->answers, item.answers);
  }
}

TEST(EvalSuite, IdsAndOrder) {
  const auto items = make_builtin_suite(options({"qa", "cwe"}, {512, 600}, 2), kEnc);
  std::vector<std::string> ids;
  for (const auto& i : items) ids.push_back(i.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"qa/512/0", "qa/512/1", "qa/600/0", "qa/600/1",
                                           "cwe/512/0", "cwe/512/1", "cwe/600/0", "cwe/600/1"}));
  EXPECT_EQ(items[0].task, "qa");
  EXPECT_EQ(items[0].target_tokens, 512);
  EXPECT_EQ(items[0].metric, Metric::kRulerMatch);
}

// Whole units only: a prompt may fall short of its target by less than one haystack sentence
// (the built-in ones run to about 30 words) and never exceeds it.
TEST(EvalSuite, PromptLengthsWithinOneSentenceBelowTheTarget) {
  const auto items = make_builtin_suite(options({}, {512, 1500, 3000}, 2), kEnc);
  for (const EvalItem& item : items) {
    const int64_t n = count_tokens(kEnc, render_prompt(item));
    EXPECT_LE(n, item.target_tokens) << item.id;
    EXPECT_GE(n, item.target_tokens - 32) << item.id;
    EXPECT_GT(item.max_new, 0);
    EXPECT_LE(item.max_new, 64);
    EXPECT_FALSE(item.answers.empty());
    EXPECT_FALSE(item.context.empty());
    EXPECT_NE(item.context.back(), ' ') << item.id;
    EXPECT_NE(item.context.front(), ' ') << item.id;
  }
}

TEST(EvalSuite, HaystackIsWholeSentences) {
  // Every haystack piece ends a sentence: the character before each planted needle is the end
  // of one (or the context starts there).
  for (const EvalItem& item : suite("niah_single_number", 8)) {
    const size_t at = item.context.find("The special magic number");
    ASSERT_NE(at, std::string::npos);
    if (at > 0) {
      ASSERT_GE(at, 2u);
      const char before = item.context[at - 2];
      EXPECT_TRUE(before == '.' || before == '!' || before == '?' || before == '"' ||
                  before == ')' || before == '\'')
          << item.id << ": '" << item.context.substr(at - 20, 20) << "'";
    }
  }
}

TEST(EvalSuite, TooShortALengthIsAnErrorNamingTheTask) {
  try {
    make_builtin_suite(options({"qa"}, {20}, 1), kEnc);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("qa"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("20 tokens"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_builtin_suite(options({"nope"}, {512}, 1), kEnc), Error);
  EXPECT_THROW(make_builtin_suite(options({}, {}, 1), kEnc), Error);
  EXPECT_THROW(make_builtin_suite(options({}, {512}, 0), kEnc), Error);
}

TEST(EvalSuite, SingleNeedleAnswersAreInTheirNeedle) {
  const std::map<std::string, std::string> kinds = {
      {"niah_single_number", "number"}, {"niah_single_word", "word"}, {"niah_single_uuid", "uuid"}};
  for (const auto& [task, kind] : kinds) {
    std::vector<double> depths;
    for (const EvalItem& item : suite(task, 10)) {
      const std::string key =
          capture(item.question, "^What is the special magic " + kind + " for (.+)\\? Answer:$");
      ASSERT_FALSE(key.empty()) << item.question;
      const auto needles =
          matches(item.context, "The special magic " + kind + " for ([a-z ]+) is: ([^ ]+)\\.");
      ASSERT_EQ(needles.size(), 1u) << item.id;
      EXPECT_EQ(needles[0][0], key);
      ASSERT_EQ(item.answers.size(), 1u);
      EXPECT_EQ(needles[0][1], item.answers[0]);
      if (kind == "number") {
        EXPECT_TRUE(std::regex_match(item.answers[0], std::regex("\\d{7}")));
      }
      if (kind == "uuid") {
        EXPECT_TRUE(std::regex_match(
            item.answers[0],
            std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
      }
      EXPECT_GE(item.depth, 0.0);
      EXPECT_LE(item.depth, 1.0);
      depths.push_back(item.depth);
    }
    // Depths are spread, not stuck at one place.
    EXPECT_LT(*std::min_element(depths.begin(), depths.end()), 0.5) << task;
    EXPECT_GT(*std::max_element(depths.begin(), depths.end()), 0.5) << task;
  }
}

TEST(EvalSuite, MultikeyAsksOneOfFourDistinctKeys) {
  for (const EvalItem& item : suite("niah_multikey", 10)) {
    const std::string key =
        capture(item.question, "^What is the special magic number for (.+)\\? Answer:$");
    const auto needles =
        matches(item.context, "The special magic number for ([a-z ]+) is: (\\d+)\\.");
    ASSERT_EQ(needles.size(), 4u) << item.id;
    std::set<std::string> keys, values;
    int asked = 0;
    for (const auto& n : needles) {
      keys.insert(n[0]);
      values.insert(n[1]);
      if (n[0] == key) {
        ++asked;
        EXPECT_EQ(std::vector<std::string>{n[1]}, item.answers) << item.id;
      }
    }
    EXPECT_EQ(asked, 1) << item.id;
    EXPECT_EQ(keys.size(), 4u) << "distractor keys must be distinct: " << item.id;
    EXPECT_EQ(values.size(), 4u) << item.id;
  }
}

TEST(EvalSuite, MultivalueNeedlesHoldExactlyTheAnswers) {
  for (const EvalItem& item : suite("niah_multivalue")) {
    const std::string key =
        capture(item.question, "^What are all the special magic numbers for (.+)\\? Answer:$");
    ASSERT_FALSE(key.empty());
    const auto needles =
        matches(item.context, "One of the special magic numbers for ([a-z ]+) is: (\\d+)\\.");
    std::vector<std::string> values;
    for (const auto& n : needles) {
      EXPECT_EQ(n[0], key);
      values.push_back(n[1]);
    }
    std::vector<std::string> gold = item.answers;
    std::sort(values.begin(), values.end());
    std::sort(gold.begin(), gold.end());
    EXPECT_EQ(values, gold) << item.id;
    EXPECT_EQ(std::set<std::string>(gold.begin(), gold.end()).size(), 4u);
  }
}

TEST(EvalSuite, MultiqueryAnswersFollowTheAskedKeys) {
  for (const EvalItem& item : suite("niah_multiquery")) {
    const auto asked =
        matches(item.question,
                "^What are the special magic numbers for (.+), (.+), (.+) and (.+)\\? Answer:$");
    ASSERT_EQ(asked.size(), 1u) << item.question;
    std::map<std::string, std::string> value_of;
    for (const auto& n :
         matches(item.context, "The special magic number for ([a-z ]+) is: (\\d+)\\.")) {
      EXPECT_TRUE(value_of.emplace(n[0], n[1]).second) << "key twice: " << n[0];
    }
    ASSERT_EQ(value_of.size(), 4u);
    ASSERT_EQ(item.answers.size(), 4u);
    for (size_t k = 0; k < 4; ++k) EXPECT_EQ(value_of.at(asked[0][k]), item.answers[k]);
  }
}

TEST(EvalSuite, VariableTrackingChainResolvesToTheAnswers) {
  for (const EvalItem& item : suite("vt", 10)) {
    const std::string value = capture(item.question, "assigned the value (\\d+) in the text");
    ASSERT_FALSE(value.empty()) << item.question;
    std::map<std::string, std::string> holds;  // variable -> value, resolved in text order
    std::set<std::string> values_seen;
    for (const auto& a : matches(item.context, "VAR ([A-Z]{5}) = (VAR [A-Z]{5}|\\d+)\\.")) {
      std::string v = a[1];
      if (v.rfind("VAR ", 0) == 0) {
        const auto it = holds.find(v.substr(4));
        ASSERT_NE(it, holds.end()) << item.id << ": " << v << " used before it is assigned";
        v = it->second;
      } else {
        values_seen.insert(v);
      }
      EXPECT_TRUE(holds.emplace(a[0], v).second) << "assigned twice: " << a[0];
    }
    std::set<std::string> want;
    for (const auto& [var, v] : holds) {
      if (v == value) want.insert(var);
    }
    EXPECT_EQ(want, std::set<std::string>(item.answers.begin(), item.answers.end())) << item.id;
    EXPECT_EQ(item.answers.size(), 5u);
    EXPECT_EQ(values_seen.size(), 3u) << "two distractor chains: " << item.id;
    EXPECT_EQ(holds.size(), 15u);
  }
}

std::vector<std::pair<int64_t, std::string>> ranked(const std::map<std::string, int64_t>& counts) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& [w, c] : counts) out.emplace_back(c, w);
  std::sort(out.rbegin(), out.rend());
  return out;
}

void expect_top_three(const std::map<std::string, int64_t>& counts, const EvalItem& item) {
  const auto r = ranked(counts);
  ASSERT_GT(r.size(), 3u) << item.id;
  EXPECT_GT(r[2].first, r[3].first) << "top three not strictly ahead: " << item.id;
  const std::set<std::string> top = {r[0].second, r[1].second, r[2].second};
  EXPECT_EQ(top, std::set<std::string>(item.answers.begin(), item.answers.end())) << item.id;
}

TEST(EvalSuite, CommonWordsAreTheThreeMostRepeated) {
  for (const EvalItem& item : suite("cwe", 4, {512, 3000})) {
    std::map<std::string, int64_t> counts;
    int64_t expect_index = 1;
    for (const auto& m : matches(item.context, "\n(\\d+)\\. ([a-z]+)")) {
      EXPECT_EQ(std::stoll(m[0]), expect_index++) << item.id;
      ++counts[m[1]];
    }
    expect_top_three(counts, item);
    const auto r = ranked(counts);
    EXPECT_GE(r[2].first, 5 * r[3].first) << item.id;
  }
}

TEST(EvalSuite, FrequentCodedWordsAreTheThreeMostFrequent) {
  for (const EvalItem& item : suite("fwe", 4, {512, 3000})) {
    const size_t start = item.context.find('\n');
    ASSERT_NE(start, std::string::npos);
    std::map<std::string, int64_t> counts;
    for (const auto& m : matches(item.context.substr(start), "([a-z]+)")) ++counts[m[0]];
    expect_top_three(counts, item);
    EXPECT_GE(counts.size(), 10u);
  }
}

TEST(EvalSuite, QaAnswerIsInTheAskedPersonsParagraphOnly) {
  for (const EvalItem& item : suite("qa", 12)) {
    const std::string name = capture(item.question,
                                     "^(?:In which city does|What does|What pet does) "
                                     "(.+?) (?:live|work as|have)\\? Answer:$");
    ASSERT_FALSE(name.empty()) << item.question;
    const auto paragraphs =
        matches(item.context,
                "(?:^|\n\n)([A-Z][a-z]+ [A-Za-z ]+) lives in ([A-Za-z]+)\\. ([A-Z][a-z]+) works as "
                "an? ([a-z]+)\\. [A-Z][a-z]+ has a pet ([a-z ]+)\\.");
    ASSERT_EQ(paragraphs.size(), 5u) << item.id;
    int hits = 0;
    for (const auto& p : paragraphs) {
      const bool asked = p[0] == name;
      for (size_t attr : {1u, 3u, 4u}) {
        if (p[attr] == item.answers[0]) {
          EXPECT_TRUE(asked) << item.id << ": the answer also belongs to " << p[0];
          ++hits;
        }
      }
      if (asked) {
        EXPECT_EQ(p[2] + " ", p[0].substr(0, p[2].size() + 1));
      }
    }
    EXPECT_EQ(hits, 1) << item.id;
    EXPECT_GE(item.depth, 0.0);
  }
}

TEST(EvalSuite, HaystackFromFilesFillsTheContext) {
  const auto path = test::scratch_dir() / "eval_haystack.txt";
  {
    std::ofstream out(path);
    out << "Plovers nest on shingle beaches. Each spring the wardens count the nests.\n\n"
           "The ferry leaves at dawn. Nobody on the island minds the wait.\n";
  }
  SuiteOptions opt = options({"niah_single_word"}, {300}, 1);
  opt.haystack = probes::Haystack::from_files({path.string()});
  const auto items = make_builtin_suite(opt, kEnc);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_NE(items[0].context.find("Plovers nest on shingle beaches."), std::string::npos);
  EXPECT_NE(items[0].context.find("The special magic word for"), std::string::npos);
  // 300 tokens hold many copies of the two-paragraph file: it wraps around.
  EXPECT_NE(items[0].context.find("Plovers nest on shingle beaches."),
            items[0].context.rfind("Plovers nest on shingle beaches."));
  EXPECT_EQ(find_task("cwe").name, std::string("cwe"));
  EXPECT_THROW(find_task("CWE"), Error);
}

}  // namespace
}  // namespace slkv::eval
