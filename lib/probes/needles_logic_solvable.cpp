// Logic template set v2: forms meant for small models (docs/probes.md has the calibration on
// SmolLM2-135M and Gemma 3 270M). Every answer needs two facts of the needle. The derived
// forms (yes/no, sums, differences) state their answer nowhere in the prompt; the choice forms
// name both options in the question (chance level 1/2, stated per needle); the two-hop and
// elimination forms state their answer in the needle beside one sibling candidate (chance 1/2
// for a model that picks one of the two), behind two facts.

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "probes/logic_draw.hpp"
#include "probes/needle_pools.hpp"
#include "probes/needles_logic.hpp"

namespace slkv::probes {
namespace {

constexpr const char* kCountables[] = {"books", "coins", "stamps", "shells", "marbles", "pencils"};
constexpr const char* kCrates[] = {"apples", "pears",   "plums",    "lemons",
                                   "figs",   "quinces", "apricots", "oranges"};
constexpr const char* kWrapped[] = {"parcel", "gift", "prize", "souvenir"};
constexpr const char* kKeptObjects[] = {"coin",  "ring",    "letter", "watch", "medal",
                                        "stone", "feather", "button", "spoon", "whistle"};

using logic_draw::fact;
using logic_draw::start;
using logic_draw::two_of;
using logic_draw::two_values;

void yes_no(Needle& n, bool yes) {
  n.answer_form = "yesno";
  n.choices = {"Yes", "No"};
  n.answer = yes ? "Yes" : "No";
}

// " Mara is 34 years old. Theo is 51 years old."
struct TwoAges {
  std::string a, b;
  int64_t age_a = 0, age_b = 0;
};
TwoAges two_ages(Needle& n, Rng& r) {
  TwoAges t;
  std::tie(t.a, t.b) = two_of(r, pools::first_names());
  std::tie(t.age_a, t.age_b) = two_values(r, 19, 78, 5);
  fact(n, " " + t.a + " is " + std::to_string(t.age_a) + " years old.");
  fact(n, " " + t.b + " is " + std::to_string(t.age_b) + " years old.");
  n.subjects = {t.a, t.b};
  return t;
}

Needle older_yesno(Rng& r) {
  Needle n = start("older_yesno", "word", "yesno");
  const TwoAges t = two_ages(n, r);
  const bool ask_older = r.chance(0.5);
  const bool first_asked = r.chance(0.5);  // "Is A older than B?" or "Is B older than A?"
  const std::string& x = first_asked ? t.a : t.b;
  const std::string& y = first_asked ? t.b : t.a;
  const int64_t ax = first_asked ? t.age_a : t.age_b, ay = first_asked ? t.age_b : t.age_a;
  n.question = "Is " + x + " " + (ask_older ? "older" : "younger") + " than " + y + "?";
  yes_no(n, ask_older ? ax > ay : ax < ay);
  return n;
}

Needle cheaper_yesno(Rng& r) {
  Needle n = start("cheaper_yesno", "word", "yesno");
  std::string m1 = pools::product_model(r), m2;
  do {
    m2 = pools::product_model(r);
  } while (m2 == m1);
  const auto [p1, p2] = two_values(r, 12, 95, 8);
  fact(n, " The " + m1 + " lamp costs " + std::to_string(p1 * 10) + " dollars.");
  fact(n, " The " + m2 + " lamp costs " + std::to_string(p2 * 10) + " dollars.");
  const bool ask_cheaper = r.chance(0.5);
  const bool first_asked = r.chance(0.5);
  const std::string& x = first_asked ? m1 : m2;
  const std::string& y = first_asked ? m2 : m1;
  const int64_t px = first_asked ? p1 : p2, py = first_asked ? p2 : p1;
  n.question = "Is the " + x + " lamp " + (ask_cheaper ? "cheaper" : "more expensive") +
               " than the " + y + " lamp?";
  yes_no(n, ask_cheaper ? px < py : px > py);
  n.subjects = {m1, m2};
  return n;
}

Needle older_choice(Rng& r) {
  Needle n = start("older_choice", "name", "choice");
  const TwoAges t = two_ages(n, r);
  const bool ask_older = r.chance(0.5);
  const bool a_first = r.chance(0.5);  // order of the options in the question
  n.question = std::string("Who is ") + (ask_older ? "older" : "younger") + ", " +
               (a_first ? t.a : t.b) + " or " + (a_first ? t.b : t.a) + "?";
  const bool a_wins = ask_older ? t.age_a > t.age_b : t.age_a < t.age_b;
  n.answer = a_wins ? t.a : t.b;
  n.choices = {t.a, t.b};
  return n;
}

Needle heavier_choice(Rng& r) {
  Needle n = start("heavier_choice", "word", "choice");
  const auto [f1, f2] = two_of(r, kCrates);
  const auto [w1, w2] = two_values(r, 8, 60, 6);
  fact(n, " The crate of " + f1 + " weighs " + std::to_string(w1) + " kilograms.");
  fact(n, " The crate of " + f2 + " weighs " + std::to_string(w2) + " kilograms.");
  const bool ask_heavier = r.chance(0.5);
  const bool first = r.chance(0.5);
  n.question = std::string("Which crate is ") + (ask_heavier ? "heavier" : "lighter") + ", the " +
               (first ? f1 : f2) + " or the " + (first ? f2 : f1) + "?";
  const bool one_wins = ask_heavier ? w1 > w2 : w1 < w2;
  n.answer = one_wins ? f1 : f2;
  n.choices = {f1, f2};
  n.subjects = {f1, f2};
  return n;
}

// " Mara has 3 books. Theo has 5 books." with one-digit counts.
Needle small_sum(Rng& r) {
  Needle n = start("small_sum", "number", "derived");
  const auto [a, b] = two_of(r, pools::first_names());
  const std::string what = r.pick(kCountables);
  const int64_t x = r.between(2, 7), y = r.between(2, 7);
  fact(n, " " + a + " has " + std::to_string(x) + " " + what + ".");
  fact(n, " " + b + " has " + std::to_string(y) + " " + what + ".");
  n.question = "How many " + what + " do " + a + " and " + b + " have together?";
  n.answer = std::to_string(x + y);  // > x and > y, so never stated in the needle
  n.subjects = {a, b};
  return n;
}

Needle small_difference(Rng& r) {
  Needle n = start("small_difference", "number", "derived");
  const auto [a, b] = two_of(r, pools::first_names());
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
  n.subjects = {a, b};
  return n;
}

// Two chains key -> box -> object; the question starts from one key.
Needle key_box(Rng& r) {
  Needle n = start("key_box", "word", "lookup");
  std::vector<std::string> colours;
  while (colours.size() < 4) {
    std::string c = r.pick(pools::colours());
    if (std::find(colours.begin(), colours.end(), c) == colours.end()) colours.push_back(c);
  }
  const auto [o1, o2] = two_of(r, kKeptObjects);
  const std::string k1 = colours[0] + " key", k2 = colours[1] + " key";
  const std::string b1 = colours[2] + " box", b2 = colours[3] + " box";
  const bool first = r.chance(0.5);  // which chain the question follows
  logic_draw::add_two_chains(
      n, {" The " + k1 + " opens the " + b1 + ".", " The " + b1 + " holds a", o1},
      {" The " + k2 + " opens the " + b2 + ".", " The " + b2 + " holds a", o2}, first);
  n.question = "What does the box that the " + (first ? k1 : k2) + " opens hold?";
  n.answer = first ? o1 : o2;
  n.choices = {o1, o2};  // the two objects the needle offers: guessing succeeds half the time
  n.subjects = {k1, k2, b1, b2};
  return n;
}

// Elimination: "Mara's parcel is either a lamp or a kettle. Mara's parcel is not the lamp."
Needle either_not(Rng& r) {
  Needle n = start("either_not", "word", "lookup");
  const std::string who = r.pick(pools::first_names());
  const std::string what = r.pick(kWrapped);
  const auto [a, b] = two_of(r, kKeptObjects);
  const bool first_excluded = r.chance(0.5);
  n.pieces.push_back({" " + who + "'s " + what + " is either a", PieceRole::kNeedle});
  n.pieces.push_back({" " + a, PieceRole::kNeedle, !first_excluded});
  n.pieces.push_back({" or a", PieceRole::kNeedle});
  n.pieces.push_back({" " + b, PieceRole::kNeedle, first_excluded});
  n.pieces.push_back({".", PieceRole::kNeedle});
  fact(n, " " + who + "'s " + what + " is not the " + (first_excluded ? a : b) + ".");
  n.question = "What is " + who + "'s " + what + "?";
  n.answer = first_excluded ? b : a;
  n.choices = {a, b};
  n.subjects = {who};
  return n;
}

using Maker = Needle (*)(Rng&);
constexpr Maker kTemplates[] = {older_yesno, cheaper_yesno,    older_choice, heavier_choice,
                                small_sum,   small_difference, key_box,      either_not};

}  // namespace

int n_solvable_logic_templates() { return static_cast<int>(std::size(kTemplates)); }

Needle make_solvable_logic_needle(int index, Rng& rng) {
  SLKV_CHECK(index >= 0 && index < n_solvable_logic_templates(),
             "v2 logic template index out of range");
  return kTemplates[index](rng);
}

}  // namespace slkv::probes
