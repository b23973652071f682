// Logic template set v3: the v2 idea (short answers that need two facts of the needle) with two
// worked examples of the same form before the question (Needle::demos), and only answer forms
// that SmolLM2-135M and Gemma 3 270M produce in the asked shape (docs/probes.md has the
// calibration). The demos state their own facts and use entities of their own (distinct from
// the needle's; `subjects` lists only the needle's, as distractor blocks of the same template
// draw demos too and would run out of entities), and their numbers
// never equal a derived answer, so the gold string of a derived form stays out of the prompt.
// No yes/no form: its demos would state the gold "Yes" or "No".

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "probes/logic_draw.hpp"
#include "probes/needle_pools.hpp"
#include "probes/needles_logic.hpp"

namespace slkv::probes {
namespace {

using logic_draw::fact;
using logic_draw::fresh;
using logic_draw::start;
using logic_draw::two_values;

constexpr int kDemos = 2;
constexpr const char* kCountables[] = {"books", "coins", "stamps", "shells", "marbles", "pencils"};

// One-digit counts x, y; the answer is their sum (which > x, y, so the needle never states it).
Needle fewshot_sum(Rng& r) {
  Needle n = start("fewshot_sum", "number", "derived");
  std::vector<std::string> names;
  const std::string a = fresh(r, pools::first_names(), names);
  const std::string b = fresh(r, pools::first_names(), names);
  const std::string what = r.pick(kCountables);
  const int64_t x = r.between(2, 7), y = r.between(2, 7);
  fact(n, " " + a + " has " + std::to_string(x) + " " + what + ".");
  fact(n, " " + b + " has " + std::to_string(y) + " " + what + ".");
  n.question = "How many " + what + " do " + a + " and " + b + " have together?";
  n.answer = std::to_string(x + y);
  n.subjects = names;
  for (int i = 0; i < kDemos; ++i) {
    const std::string c = fresh(r, pools::first_names(), names);
    const std::string d = fresh(r, pools::first_names(), names);
    const std::string w = r.pick(kCountables);
    int64_t u = 0, v = 0;
    do {  // no demo number is the gold answer
      u = r.between(2, 7);
      v = r.between(2, 7);
    } while (u == x + y || v == x + y || u + v == x + y);
    n.demos.push_back({c + " has " + std::to_string(u) + " " + w + " and " + d + " has " +
                           std::to_string(v) + " " + w + ". How many " + w + " do " + c + " and " +
                           d + " have together?",
                       std::to_string(u + v)});
  }
  return n;
}

Needle fewshot_difference(Rng& r) {
  Needle n = start("fewshot_difference", "number", "derived");
  std::vector<std::string> names;
  const std::string a = fresh(r, pools::first_names(), names);
  const std::string b = fresh(r, pools::first_names(), names);
  const std::string what = r.pick(kCountables);
  int64_t x = 0, y = 0;
  do {  // the difference is neither count, so the needle never states it
    x = r.between(4, 9);
    y = r.between(1, x - 1);
  } while (x - y == y);
  const bool a_more = r.chance(0.5);
  fact(n, " " + a + " has " + std::to_string(a_more ? x : y) + " " + what + ".");
  fact(n, " " + b + " has " + std::to_string(a_more ? y : x) + " " + what + ".");
  n.question = "How many more " + what + " does " + (a_more ? a : b) + " have than " +
               (a_more ? b : a) + "?";
  n.answer = std::to_string(x - y);
  n.subjects = names;
  for (int i = 0; i < kDemos; ++i) {
    const std::string c = fresh(r, pools::first_names(), names);
    const std::string d = fresh(r, pools::first_names(), names);
    const std::string w = r.pick(kCountables);
    int64_t u = 0, v = 0;
    do {
      u = r.between(4, 9);
      v = r.between(2, u - 1);
    } while (u == x - y || v == x - y || u - v == x - y || u - v == v);
    n.demos.push_back({c + " has " + std::to_string(u) + " " + w + " and " + d + " has " +
                           std::to_string(v) + " " + w + ". How many more " + w + " does " + c +
                           " have than " + d + "?",
                       std::to_string(u - v)});
  }
  return n;
}

// Two stated scores; the answer is the higher (or lower) one: a comparison, answered by copying
// one of the two numbers (chance 1/2 for a model that copies either).
Needle fewshot_higher_score(Rng& r) {
  Needle n = start("fewshot_higher_score", "number", "lookup");
  std::vector<std::string> teams;
  const std::string a = fresh(r, pools::teams(), teams);
  const std::string b = fresh(r, pools::teams(), teams);
  const auto [sa, sb] = two_values(r, 11, 49, 4);
  const bool ask_higher = r.chance(0.5);
  const bool a_first = r.chance(0.5);
  n.pieces.push_back({" The " + a + " team scored", PieceRole::kNeedle});
  const bool a_wins = ask_higher ? sa > sb : sa < sb;
  n.pieces.push_back({" " + std::to_string(sa), PieceRole::kNeedle, a_wins});
  n.pieces.push_back({" points. The " + b + " team scored", PieceRole::kNeedle});
  n.pieces.push_back({" " + std::to_string(sb), PieceRole::kNeedle, !a_wins});
  n.pieces.push_back({" points.", PieceRole::kNeedle});
  const char* which = ask_higher ? "higher" : "lower";
  n.question = std::string("Which score is ") + which + ", the " + (a_first ? a : b) +
               " team's or the " + (a_first ? b : a) + " team's?";
  n.answer = std::to_string(a_wins ? sa : sb);
  n.choices = {std::to_string(sa), std::to_string(sb)};
  n.subjects = teams;
  for (int i = 0; i < kDemos; ++i) {
    const std::string c = fresh(r, pools::teams(), teams);
    const std::string d = fresh(r, pools::teams(), teams);
    int64_t u = 0, v = 0;
    do {
      u = r.between(11, 49);
      v = r.between(11, 49);
    } while (u == v || u == sa || u == sb || v == sa || v == sb);
    const bool higher = r.chance(0.5);
    n.demos.push_back({"The " + c + " team scored " + std::to_string(u) + " points and the " + d +
                           " team scored " + std::to_string(v) + " points. Which score is " +
                           (higher ? "higher" : "lower") + ", the " + c + " team's or the " + d +
                           " team's?",
                       std::to_string(higher ? std::max(u, v) : std::min(u, v))});
  }
  return n;
}

Needle fewshot_older_choice(Rng& r) {
  Needle n = start("fewshot_older_choice", "name", "choice");
  std::vector<std::string> names;
  const std::string a = fresh(r, pools::first_names(), names);
  const std::string b = fresh(r, pools::first_names(), names);
  const auto [age_a, age_b] = two_values(r, 19, 78, 5);
  fact(n, " " + a + " is " + std::to_string(age_a) + " years old.");
  fact(n, " " + b + " is " + std::to_string(age_b) + " years old.");
  const bool ask_older = r.chance(0.5);
  const bool a_first = r.chance(0.5);
  n.question = std::string("Who is ") + (ask_older ? "older" : "younger") + ", " +
               (a_first ? a : b) + " or " + (a_first ? b : a) + "?";
  n.answer = (ask_older ? age_a > age_b : age_a < age_b) ? a : b;
  n.choices = {a, b};
  n.subjects = names;
  for (int i = 0; i < kDemos; ++i) {
    const std::string c = fresh(r, pools::first_names(), names);
    const std::string d = fresh(r, pools::first_names(), names);
    const auto [u, v] = two_values(r, 19, 78, 5);
    const bool older = r.chance(0.5);
    n.demos.push_back({c + " is " + std::to_string(u) + " years old and " + d + " is " +
                           std::to_string(v) + " years old. Who is " +
                           (older ? "older" : "younger") + ", " + c + " or " + d + "?",
                       (older ? u > v : u < v) ? c : d});
  }
  return n;
}

// Two-hop lookup with a sibling chain: "Mara's mentor is Theo. Ines's mentor is Paulo. Theo
// lives in Lisbon. Paulo lives in Oslo." / "In which city does Mara's mentor live?" / Lisbon.
// The intermediate (Theo) is named in fact 1 and the answer in fact 2; chance 1/2.
Needle fewshot_mentor_city(Rng& r) {
  Needle n = start("fewshot_mentor_city", "name", "lookup");
  std::vector<std::string> names, cities;
  const std::string s1 = fresh(r, pools::first_names(), names);
  const std::string m1 = fresh(r, pools::first_names(), names);
  const std::string s2 = fresh(r, pools::first_names(), names);
  const std::string m2 = fresh(r, pools::first_names(), names);
  const std::string c1 = fresh(r, pools::cities(), cities);
  const std::string c2 = fresh(r, pools::cities(), cities);
  const bool first = r.chance(0.5);  // which chain the question follows
  logic_draw::add_two_chains(n, {" " + s1 + "'s mentor is " + m1 + ".", " " + m1 + " lives in", c1},
                             {" " + s2 + "'s mentor is " + m2 + ".", " " + m2 + " lives in", c2},
                             first);
  n.question = "In which city does " + (first ? s1 : s2) + "'s mentor live?";
  n.answer = first ? c1 : c2;
  n.choices = {c1, c2};
  n.subjects = names;
  n.subjects.insert(n.subjects.end(), cities.begin(), cities.end());
  for (int i = 0; i < kDemos; ++i) {
    const std::string s = fresh(r, pools::first_names(), names);
    const std::string m = fresh(r, pools::first_names(), names);
    const std::string c = fresh(r, pools::cities(), cities);
    n.demos.push_back({s + "'s mentor is " + m + ". " + m + " lives in " + c +
                           ". In which city does " + s + "'s mentor live?",
                       c});
  }
  return n;
}

using Maker = Needle (*)(Rng&);
constexpr Maker kTemplates[] = {fewshot_sum, fewshot_difference, fewshot_higher_score,
                                fewshot_older_choice, fewshot_mentor_city};

}  // namespace

int n_fewshot_logic_templates() { return static_cast<int>(std::size(kTemplates)); }

Needle make_fewshot_logic_needle(int index, Rng& rng) {
  SLKV_CHECK(index >= 0 && index < n_fewshot_logic_templates(),
             "v3 logic template index out of range");
  return kTemplates[index](rng);
}

}  // namespace slkv::probes
