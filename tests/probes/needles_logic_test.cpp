// The v2 logic templates (needles_logic_solvable.cpp): every answer follows from the facts of
// the needle, derived answers never occur in the prompt, closed forms state their chance level,
// and the v1 set stays selectable with its old draws.

#include "probes/needles_logic.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/error.hpp"
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

// Every "<Name> is <n> years old" / "<model> lamp costs <n>" / "has <n>" fact of a text.
std::map<std::string, int> numbers_by_subject(const std::string& text, const std::regex& re) {
  std::map<std::string, int> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out[(*it)[1].str()] = std::stoi((*it)[2].str());
  }
  return out;
}

Needle v2(int i, slkv::probes::Rng& rng) {
  const auto set = slkv::probes::logic_template_set("v2");
  return slkv::probes::make_logic_needle(set.begin + i, rng);
}

TEST(LogicTemplateSets, AllSetsAreDisjointRangesOfOneIndexSpace) {
  const auto v1 = slkv::probes::logic_template_set("v1");
  const auto v2 = slkv::probes::logic_template_set("v2");
  EXPECT_EQ(v1.begin, 0);
  EXPECT_EQ(v1.size(), 7);
  EXPECT_EQ(v2.begin, v1.end);
  EXPECT_EQ(v2.size(), slkv::probes::n_solvable_logic_templates());
  const auto v3 = slkv::probes::logic_template_set("v3");
  EXPECT_EQ(v3.begin, v2.end);
  EXPECT_EQ(v3.size(), slkv::probes::n_fewshot_logic_templates());
  const auto v4 = slkv::probes::logic_template_set("v4");
  const auto bare = slkv::probes::logic_template_set("v4-bare");
  EXPECT_EQ(v4.begin, v3.end);
  EXPECT_EQ(bare.begin, v4.end);
  EXPECT_EQ(bare.end, slkv::probes::n_logic_templates());
  EXPECT_EQ(v4.size() + bare.size(), slkv::probes::n_compose_logic_templates());
  EXPECT_EQ(slkv::probes::logic_template_set_names().size(), 5u);
  EXPECT_THROW(slkv::probes::logic_template_set("v5"), slkv::Error);
}

TEST(LogicTemplatesV2, AnswersFollowFromTheNeedleFacts) {
  slkv::probes::Rng rng(11);
  const std::regex age(R"((\w+) is (\d+) years old)");
  const std::regex price(R"(The (\w+ \w+) lamp costs (\d+) dollars)");
  const std::regex weight(R"(crate of (\w+) weighs (\d+) kilograms)");
  const std::regex count(R"((\w+) has (\d+) \w+\.)");
  const std::regex ask_age(R"(Is (\w+) (older|younger) than (\w+)\?)");
  const std::regex ask_price(
      R"(Is the (\w+ \w+) lamp (cheaper|more expensive) than the (\w+ \w+) lamp\?)");
  const std::regex ask_who(R"(Who is (older|younger), (\w+) or (\w+)\?)");
  const std::regex ask_crate(R"(Which crate is (heavier|lighter), the (\w+) or the (\w+)\?)");
  const std::regex ask_sum(R"(do (\w+) and (\w+) have together\?)");
  const std::regex ask_diff(R"(does (\w+) have than (\w+)\?)");
  const std::regex ask_key(R"(the (\w+ key) opens hold\?)");
  const std::regex opens(R"(The (\w+ key) opens the (\w+ box)\.)");
  const std::regex holds(R"(The (\w+ box) holds a (\w+)\.)");
  const std::regex ask_either(R"(What is \w+'s \w+\?)");
  const std::regex either(R"(is either a (\w+) or a (\w+)\.)");
  const std::regex is_not(R"(is not the (\w+)\.)");
  std::set<std::string> answers;
  for (int t = 0; t < slkv::probes::n_solvable_logic_templates(); ++t) {
    for (int i = 0; i < 60; ++i) {
      const Needle n = v2(t, rng);
      const std::string facts = role_text(n, PieceRole::kNeedle);
      const std::string all = slkv::probes::block_text(n.pieces);
      SCOPED_TRACE(n.template_name + ": " + all + " | " + n.question + " -> " + n.answer);
      std::smatch q;
      answers.insert(n.template_name + "=" + n.answer);
      if (std::regex_search(n.question, q, ask_age)) {
        auto v = numbers_by_subject(facts, age);
        const bool older = q[2] == "older";
        const bool yes = older ? v.at(q[1]) > v.at(q[3]) : v.at(q[1]) < v.at(q[3]);
        EXPECT_EQ(n.answer, yes ? "Yes" : "No");
      } else if (std::regex_search(n.question, q, ask_price)) {
        auto v = numbers_by_subject(facts, price);
        const bool cheaper = q[2] == "cheaper";
        const bool yes = cheaper ? v.at(q[1]) < v.at(q[3]) : v.at(q[1]) > v.at(q[3]);
        EXPECT_EQ(n.answer, yes ? "Yes" : "No");
      } else if (std::regex_search(n.question, q, ask_who)) {
        auto v = numbers_by_subject(facts, age);
        const bool first = q[1] == "older" ? v.at(q[2]) > v.at(q[3]) : v.at(q[2]) < v.at(q[3]);
        EXPECT_EQ(n.answer, first ? q[2].str() : q[3].str());
      } else if (std::regex_search(n.question, q, ask_crate)) {
        auto v = numbers_by_subject(facts, weight);
        const bool first = q[1] == "heavier" ? v.at(q[2]) > v.at(q[3]) : v.at(q[2]) < v.at(q[3]);
        EXPECT_EQ(n.answer, first ? q[2].str() : q[3].str());
      } else if (std::regex_search(n.question, q, ask_sum)) {
        auto v = numbers_by_subject(facts, count);
        EXPECT_EQ(n.answer, std::to_string(v.at(q[1]) + v.at(q[2])));
      } else if (std::regex_search(n.question, q, ask_diff)) {
        auto v = numbers_by_subject(facts, count);
        EXPECT_EQ(n.answer, std::to_string(v.at(q[1]) - v.at(q[2])));
        EXPECT_GT(v.at(q[1]) - v.at(q[2]), 0);
      } else if (std::regex_search(n.question, q, ask_key)) {
        // Two links, both in N: key -> box, box -> object; the sibling chain is D.
        std::map<std::string, std::string> box_of, content_of;
        for (auto it = std::sregex_iterator(facts.begin(), facts.end(), opens);
             it != std::sregex_iterator(); ++it) {
          box_of[(*it)[1]] = (*it)[2];
        }
        for (auto it = std::sregex_iterator(facts.begin(), facts.end(), holds);
             it != std::sregex_iterator(); ++it) {
          content_of[(*it)[1]] = (*it)[2];
        }
        ASSERT_EQ(box_of.size(), 1u);
        ASSERT_EQ(content_of.size(), 1u);
        EXPECT_EQ(n.answer, content_of.at(box_of.at(q[1])));
        const std::string d = role_text(n, PieceRole::kDistractor);
        EXPECT_FALSE(d.empty());
        EXPECT_FALSE(has_word(d, n.answer));
      } else if (std::regex_search(n.question, q, ask_either)) {
        // "X is either a A or a B. X is not the B." -> A
        std::smatch e, x;
        ASSERT_TRUE(std::regex_search(facts, e, either));
        ASSERT_TRUE(std::regex_search(facts, x, is_not));
        ASSERT_TRUE(x[1] == e[1] || x[1] == e[2]);
        EXPECT_EQ(n.answer, x[1] == e[1] ? e[2].str() : e[1].str());
      } else {
        ADD_FAILURE() << "question of no known form";
      }
      // Every answer reads at least two facts of N.
      EXPECT_GE(std::count(facts.begin(), facts.end(), '.'), 2);
    }
  }
  // Both answers of each closed form occur (the sets are balanced enough to be drawn).
  for (const char* yn : {"logic.older_yesno=Yes", "logic.older_yesno=No", "logic.cheaper_yesno=Yes",
                         "logic.cheaper_yesno=No"}) {
    EXPECT_TRUE(answers.count(yn)) << yn;
  }
}

TEST(LogicTemplatesV2, ChanceLevelsAreStated) {
  slkv::probes::Rng rng(5);
  std::map<std::string, double> chance;
  for (int t = 0; t < slkv::probes::n_solvable_logic_templates(); ++t) {
    const Needle n = v2(t, rng);
    chance[n.answer_form] = n.chance();
    if (n.answer_form == "yesno") {
      EXPECT_EQ(n.choices, (std::vector<std::string>{"Yes", "No"}));
    }
    if (n.answer_form == "lookup") {
      // The candidates are stated in the needle, the answer is one of them.
      ASSERT_EQ(n.choices.size(), 2u);
      const std::string all = slkv::probes::block_text(n.pieces);
      for (const auto& c : n.choices) EXPECT_TRUE(has_word(all, c)) << c;
      EXPECT_TRUE(n.answer == n.choices[0] || n.answer == n.choices[1]);
    }
    if (n.answer_form == "choice") {
      ASSERT_EQ(n.choices.size(), 2u);
      // Both options are named in the question, the answer is one of them.
      for (const auto& c : n.choices) EXPECT_TRUE(has_word(n.question, c)) << c;
      EXPECT_TRUE(n.answer == n.choices[0] || n.answer == n.choices[1]);
    }
  }
  EXPECT_DOUBLE_EQ(chance.at("yesno"), 0.5);
  EXPECT_DOUBLE_EQ(chance.at("choice"), 0.5);
  EXPECT_DOUBLE_EQ(chance.at("derived"), 0.0);
  EXPECT_DOUBLE_EQ(chance.at("lookup"), 0.5);  // two-hop and elimination: two candidates
}

// The test the issue asks for: a derived answer (yes/no, sums, differences) is not copyable,
// its gold string occurs nowhere in the prompt (needle, distractor blocks, haystack, question).
TEST(LogicTemplatesV2, DerivedAnswersDoNotOccurInThePrompt) {
  slkv::test::ByteEncoder enc;
  const auto haystack = slkv::probes::Haystack::builtin();
  slkv::probes::ProbeConfig c;
  c.lengths_tokens = {600, 1400};
  c.depths = {0.0, 0.3, 0.6, 1.0};
  c.families = {NeedleFamily::kLogic};
  c.repeats = 12;
  c.n_distractors = 2;
  c.logic_templates = "v2";
  std::map<std::string, int> derived_seen;
  for (uint64_t seed : {0u, 1u, 2u}) {
    c.seed = seed;
    for (const auto& p : slkv::probes::build_probe_set(c, haystack, enc)) {
      ASSERT_EQ(p.family, NeedleFamily::kLogic);
      if (p.answer_form != "derived" && p.answer_form != "yesno") continue;
      ++derived_seen[p.template_name];
      EXPECT_FALSE(has_word(p.text, p.answer))
          << p.template_name << " probe " << p.index << " states its answer " << p.answer;
    }
  }
  // The four derived templates were all exercised.
  EXPECT_EQ(derived_seen.size(), 4u);
  for (const auto& [name, n] : derived_seen) EXPECT_GE(n, 10) << name;
}

TEST(LogicTemplateSets, ConfigRecordsTheSetAndOldConfigsMeanV1) {
  slkv::test::ByteEncoder enc;
  const auto haystack = slkv::probes::Haystack::builtin();
  slkv::probes::ProbeConfig c;
  c.lengths_tokens = {600};
  c.depths = {0.5};
  c.families = {NeedleFamily::kLogic};
  c.repeats = 40;
  for (const char* set_name : {"v1", "v2", "v3"}) {
    c.logic_templates = set_name;
    const auto set = slkv::probes::logic_template_set(set_name);
    for (int64_t i = 0; i < c.n_probes(); ++i) {
      const auto blocks = slkv::probes::probe_blocks(c, i);
      EXPECT_GE(blocks.needle.template_index, set.begin);
      EXPECT_LT(blocks.needle.template_index, set.end);
    }
    const auto j = slkv::probes::probe_config_json(c, haystack, enc);
    EXPECT_EQ(j.at("logic_templates"), set_name);
    EXPECT_EQ(slkv::probes::probe_config_from_json(j).logic_templates, set_name);
  }
  // A configuration recorded before the field existed is v1.
  auto j = slkv::probes::probe_config_json(c, haystack, enc);
  j.erase("logic_templates");
  EXPECT_EQ(slkv::probes::probe_config_from_json(j).logic_templates, "v1");
  c.logic_templates = "v9";
  EXPECT_THROW(c.validate(), slkv::Error);
}

// v1 draws are those of the code before v2 existed: the committed SmolLM2 probe dump (made
// before v2, default grid, seed 0) gives every probe's template, answer and distractor blocks.
TEST(LogicTemplateSets, V1DrawsMatchTheCommittedProbes) {
  std::ifstream in(std::string(SLKV_SOURCE_DIR) + "/profiles/smollm2-135m/legacy-v1/probes.jsonl");
  ASSERT_TRUE(in) << "profiles/smollm2-135m/legacy-v1/probes.jsonl is missing";
  slkv::probes::ProbeConfig c;
  c.lengths_tokens = {512, 1024};
  c.depths = {0.0, 0.25, 0.5, 0.75, 1.0};
  c.surface_span = slkv::probes::SurfaceSpan::kFact;
  c.logic_templates = "v1";
  int64_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const auto j = nlohmann::json::parse(line);
    const auto b = slkv::probes::probe_blocks(c, j.at("index").get<int64_t>());
    EXPECT_EQ(b.needle.template_name, j.at("template").get<std::string>());
    EXPECT_EQ(b.needle.answer, j.at("answer").get<std::string>());
    const std::string text = j.at("text").get<std::string>();
    EXPECT_NE(text.find(slkv::probes::block_text(b.needle.pieces)), std::string::npos);
    for (const auto& d : b.distractors) {
      EXPECT_NE(text.find(slkv::probes::block_text(d)), std::string::npos);
    }
  }
  EXPECT_EQ(n, c.n_probes());
}

}  // namespace
