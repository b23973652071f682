// The v3 logic templates (needles_logic_fewshot.cpp): every answer follows from two facts of the
// needle, the worked examples are right and about other entities, derived answers occur nowhere
// in the prompt (demos included), and the demos sit between the template's "Question:" and the
// question, outside every span.

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "probes/needles_logic.hpp"
#include "probes/probe_set.hpp"
#include "test_encoders.hpp"

namespace {

using slkv::probes::Needle;
using slkv::probes::NeedleFamily;
using slkv::probes::PieceRole;

std::string role_text(const Needle& n, PieceRole role) {
  std::string s;
  for (const auto& p : n.pieces) {
    if (p.role == role) s += p.text;
  }
  return s;
}

bool has_word(const std::string& text, const std::string& word) {
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const size_t end = at + word.size();
    const bool right = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (left && right) return true;
  }
  return false;
}

std::map<std::string, int> numbers(const std::string& text, const std::regex& re) {
  std::map<std::string, int> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out[(*it)[1].str()] = std::stoi((*it)[2].str());
  }
  return out;
}

// The answer of a question about `facts` (a needle's N text, or a demo's own statements), by
// the form of the question; "" for an unknown form.
std::string solve(const std::string& facts, const std::string& question) {
  static const std::regex count(R"((\w+) has (\d+) \w+)");
  static const std::regex age(R"((\w+) is (\d+) years old)");
  static const std::regex score(R"(The (\w+) team scored (\d+) points)", std::regex::icase);
  static const std::regex mentor(R"((\w+)'s mentor is (\w+))");
  static const std::regex lives(R"((\w+) lives in (\w+))");
  static const std::regex ask_sum(R"(do (\w+) and (\w+) have together\?)");
  static const std::regex ask_diff(R"(does (\w+) have than (\w+)\?)");
  static const std::regex ask_score(
      R"(Which score is (higher|lower), the (\w+) team's or the (\w+))");
  static const std::regex ask_who(R"(Who is (older|younger), (\w+) or (\w+)\?)");
  static const std::regex ask_city(R"(In which city does (\w+)'s mentor live\?)");
  std::smatch q;
  if (std::regex_search(question, q, ask_sum)) {
    const auto v = numbers(facts, count);
    return std::to_string(v.at(q[1]) + v.at(q[2]));
  }
  if (std::regex_search(question, q, ask_diff)) {
    const auto v = numbers(facts, count);
    return std::to_string(v.at(q[1]) - v.at(q[2]));
  }
  if (std::regex_search(question, q, ask_score)) {
    const auto v = numbers(facts, score);
    const int a = v.at(q[2]), b = v.at(q[3]);
    return std::to_string(q[1] == "higher" ? std::max(a, b) : std::min(a, b));
  }
  if (std::regex_search(question, q, ask_who)) {
    const auto v = numbers(facts, age);
    const bool first = q[1] == "older" ? v.at(q[2]) > v.at(q[3]) : v.at(q[2]) < v.at(q[3]);
    return first ? q[2].str() : q[3].str();
  }
  if (std::regex_search(question, q, ask_city)) {
    std::map<std::string, std::string> m, c;
    for (auto it = std::sregex_iterator(facts.begin(), facts.end(), mentor);
         it != std::sregex_iterator(); ++it) {
      m[(*it)[1]] = (*it)[2];
    }
    for (auto it = std::sregex_iterator(facts.begin(), facts.end(), lives);
         it != std::sregex_iterator(); ++it) {
      c[(*it)[1]] = (*it)[2];
    }
    return c.at(m.at(q[1]));
  }
  return "";
}

Needle v3(int i, slkv::probes::Rng& rng) {
  const auto set = slkv::probes::logic_template_set("v3");
  return slkv::probes::make_logic_needle(set.begin + i, rng);
}

TEST(LogicTemplatesV3, AnswersFollowFromTwoFactsAndTheDemosAreRight) {
  slkv::probes::Rng rng(23);
  std::set<std::string> seen;
  for (int t = 0; t < slkv::probes::n_fewshot_logic_templates(); ++t) {
    for (int i = 0; i < 80; ++i) {
      const Needle n = v3(t, rng);
      const std::string facts = role_text(n, PieceRole::kNeedle);
      SCOPED_TRACE(n.template_name + ": " + slkv::probes::block_text(n.pieces) + " | " +
                   n.question + " -> " + n.answer);
      seen.insert(n.template_name);
      EXPECT_EQ(solve(facts, n.question), n.answer);
      EXPECT_GE(std::count(facts.begin(), facts.end(), '.'), 2);  // two facts at least
      ASSERT_EQ(n.demos.size(), 2u);
      for (const auto& d : n.demos) {
        SCOPED_TRACE("demo: " + d.question + " -> " + d.answer);
        // A demo is self-contained and right, has the needle's question form, and names none
        // of the needle's entities.
        EXPECT_EQ(solve(d.question, d.question), d.answer);
        for (const auto& s : n.subjects) EXPECT_FALSE(has_word(d.question, s)) << s;
        if (n.answer_not_in_prompt()) {
          EXPECT_FALSE(has_word(d.question + " " + d.answer, n.answer));
        }
      }
      if (n.answer_form == "lookup" || n.answer_form == "choice") {
        ASSERT_EQ(n.choices.size(), 2u);
        EXPECT_TRUE(n.answer == n.choices[0] || n.answer == n.choices[1]);
        EXPECT_DOUBLE_EQ(n.chance(), 0.5);
      } else {
        EXPECT_EQ(n.answer_form, "derived");
        EXPECT_DOUBLE_EQ(n.chance(), 0.0);
        EXPECT_FALSE(has_word(slkv::probes::block_text(n.pieces), n.answer));
      }
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(slkv::probes::n_fewshot_logic_templates()));
}

TEST(LogicTemplatesV3, DerivedAnswersDoNotOccurInThePromptAndDemosPrecedeTheQuestion) {
  slkv::test::ByteEncoder enc;
  const auto haystack = slkv::probes::Haystack::builtin();
  slkv::probes::ProbeConfig c;
  c.lengths_tokens = {900, 1600};
  c.depths = {0.0, 0.5, 1.0};
  c.families = {NeedleFamily::kLogic};
  c.repeats = 16;
  c.logic_templates = "v3";
  std::map<std::string, int> derived_seen;
  for (uint64_t seed : {0u, 1u, 2u}) {
    c.seed = seed;
    for (const auto& p : slkv::probes::build_probe_set(c, haystack, enc)) {
      SCOPED_TRACE(p.template_name + " probe " + std::to_string(p.index));
      // "...Question: <demo>\nAnswer: <a>\nQuestion: <demo>\nAnswer: <a>\nQuestion: <q>\nAnswer:"
      const std::string tail = "\nQuestion: " + p.question + "\nAnswer:";
      ASSERT_TRUE(p.text.ends_with(tail));
      const size_t first_q = p.text.find("\nQuestion: ");
      EXPECT_EQ(
          std::count(p.text.begin() + static_cast<std::ptrdiff_t>(first_q), p.text.end(), '\n'), 6);
      // Q is the question alone, after the demos.
      EXPECT_EQ(p.question_span.size(), static_cast<int64_t>(p.question.size()) + 1);
      EXPECT_EQ(p.question_span.end + static_cast<int64_t>(std::string("\nAnswer:").size()),
                p.n_prompt());
      if (p.answer_form != "derived") continue;
      ++derived_seen[p.template_name];
      EXPECT_FALSE(has_word(p.text, p.answer)) << "states its answer " << p.answer;
    }
  }
  EXPECT_EQ(derived_seen.size(), 2u);  // sums and differences
  for (const auto& [name, n] : derived_seen) EXPECT_GE(n, 10) << name;
}

}  // namespace
