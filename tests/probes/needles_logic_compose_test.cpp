// The v4 and v4-bare logic templates (needles_logic_compose.cpp): the answer joins the two parts
// the needle states, in the order the question asks for (also when the needle states them
// swapped); v4's worked examples are right, in the needle's order, and about other people; the
// joined answer occurs nowhere in the prompt (examples and distractor blocks included). The judge
// of the "composed" form is tested in tests/profile/answer_judge_test.cpp.

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "probes/needles_logic.hpp"
#include "probes/probe_set.hpp"
#include "test_encoders.hpp"

namespace {

using slkv::probes::Needle;
using slkv::probes::NeedleFamily;
using slkv::probes::PieceRole;

std::string needle_text(const Needle& n) {
  std::string s;
  for (const auto& p : n.pieces) {
    EXPECT_EQ(p.role, PieceRole::kNeedle);  // both facts are read; no in-needle sibling
    s += p.text;
  }
  return s;
}

// The answer to `question` from `facts`, parsed independently of the template code; also
// reports whether the facts state the second part before the first.
std::string solve(const std::string& facts, const std::string& question, bool* swapped) {
  static const std::regex ask_name(R"(What is the (\w+)'s full name\?)");
  std::smatch q, a, b;
  if (std::regex_search(question, q, ask_name)) {
    const std::string role = q[1].str();
    const std::regex given(role + R"('s first name is (\w+))");
    const std::regex family(role + R"('s family name is ([A-Z][a-z]+(?: [A-Z][a-z]+)?))");
    if (!std::regex_search(facts, a, given) || !std::regex_search(facts, b, family)) return "";
    *swapped = b.position(0) < a.position(0);
    return a[1].str() + " " + b[1].str();
  }
  return "";
}

TEST(LogicTemplatesV4, AnswersJoinTheTwoStatedPartsInTheAskedOrder) {
  slkv::probes::Rng rng(41);
  std::set<std::string> seen;
  for (const char* set_name : {"v4", "v4-bare"}) {
    const auto set = slkv::probes::logic_template_set(set_name);
    const bool bare = std::string(set_name) == "v4-bare";
    for (int t = set.begin; t < set.end; ++t) {
      for (int i = 0; i < 80; ++i) {
        const Needle n = slkv::probes::make_logic_needle(t, rng);
        const std::string facts = needle_text(n);
        SCOPED_TRACE(n.template_name + ": " + facts + " | " + n.question + " -> " + n.answer);
        seen.insert(n.template_name);
        EXPECT_EQ(n.template_index, t);
        EXPECT_EQ(n.template_name.ends_with("_bare"), bare);
        EXPECT_EQ(n.answer_form, "composed");
        EXPECT_TRUE(n.answer_not_in_prompt());
        EXPECT_DOUBLE_EQ(n.chance(), 0.0);
        bool swapped = false;
        EXPECT_EQ(solve(facts, n.question, &swapped), n.answer);
        EXPECT_EQ(swapped, n.template_name.find("_swapped") != std::string::npos);
        EXPECT_EQ(facts.find(n.answer), std::string::npos);  // never stated whole
        ASSERT_EQ(n.subjects.size(), 3u);                    // role, first name, family name
        EXPECT_EQ(n.subjects[1] + " " + n.subjects[2], n.answer);
        ASSERT_EQ(n.demos.size(), bare ? 0u : 2u);
        for (const auto& d : n.demos) {
          SCOPED_TRACE("demo: " + d.question + " -> " + d.answer);
          bool demo_swapped = false;
          EXPECT_EQ(solve(d.question, d.question, &demo_swapped), d.answer);
          EXPECT_EQ(demo_swapped, swapped);  // the demos show the needle's order
          for (const auto& s : n.subjects) EXPECT_EQ(d.question.find(s), std::string::npos) << s;
          EXPECT_EQ((d.question + " " + d.answer).find(n.answer), std::string::npos);
        }
      }
    }
  }
  EXPECT_EQ(seen.size(), 4u);
}

TEST(LogicTemplatesV4, TheJoinedAnswerIsNowhereInTheProbe) {
  slkv::test::ByteEncoder enc;
  const auto haystack = slkv::probes::Haystack::builtin();
  slkv::probes::ProbeConfig c;
  c.lengths_tokens = {900, 1600};
  c.depths = {0.0, 0.5, 1.0};
  c.families = {NeedleFamily::kLogic};
  c.repeats = 8;
  std::set<std::string> names;
  int probes = 0;
  for (const char* set_name : {"v4", "v4-bare"}) {
    c.logic_templates = set_name;
    c.seed = names.size();
    for (const auto& p : slkv::probes::build_probe_set(c, haystack, enc)) {
      SCOPED_TRACE(p.template_name + " probe " + std::to_string(p.index) + ": " + p.answer);
      ++probes;
      names.insert(p.template_name);
      EXPECT_EQ(p.answer_form, "composed");
      EXPECT_EQ(p.text.find(p.answer), std::string::npos);
      EXPECT_TRUE(p.text.ends_with("\nQuestion: " + p.question + "\nAnswer:"));
      EXPECT_FALSE(p.distractor_spans.empty());  // distractor blocks of the same form
    }
  }
  EXPECT_EQ(names.size(), 4u);
  EXPECT_GE(probes, 80);
}

}  // namespace
