#include "probes/needles_logic.hpp"

#include <cctype>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "probes/logic_draw.hpp"
#include "probes/needle_pools.hpp"

namespace slkv::probes {
namespace {

constexpr const char* kSystems[] = {"Linux", "Windows", "macOS", "FreeBSD", "ChromeOS", "Haiku"};
constexpr const char* kItems[] = {"toolbox",       "sewing kit", "photo album", "chess set",
                                  "first-aid kit", "tea caddy",  "music box",   "map case"};
constexpr const char* kFruits[] = {"apples", "pears",   "plums",    "lemons",
                                   "figs",   "quinces", "apricots", "oranges"};

std::string cap(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

using logic_draw::role_if;
using logic_draw::two_of;
using logic_draw::two_values;

// The v1 templates all answer by lookup.
Needle start(const char* name, const char* kind) { return logic_draw::start(name, kind, "lookup"); }

// Comparison template: two entities, a compared quantity (always read, N) and an attribute;
// only the winner's attribute is read (N), the other's is an in-needle distractor (D).
struct Side {
  std::string quantity_text;  // " The Vantor K7 laptop costs $450"
  std::string attr_prefix;    // " and runs"
  std::string attr_value;     // " Linux"
  std::string attr_suffix;    // "."
};

void add_comparison(Needle& n, const Side& a, const Side& b, bool a_wins) {
  n.pieces.push_back({a.quantity_text, PieceRole::kNeedle, false});
  add_fact(n.pieces, role_if(a_wins), a.attr_prefix, a.attr_value, a.attr_suffix, a_wins);
  n.pieces.push_back({b.quantity_text, PieceRole::kNeedle, false});
  add_fact(n.pieces, role_if(!a_wins), b.attr_prefix, b.attr_value, b.attr_suffix, !a_wins);
}

Needle cheaper_laptop(Rng& r) {
  Needle n = start("cheaper_laptop", "word");
  std::string m1 = pools::product_model(r), m2;
  do {
    m2 = pools::product_model(r);
  } while (m2 == m1);
  const auto [p1, p2] = two_values(r, 25, 180, 5);
  const auto [os1, os2] = two_of(r, kSystems);
  const bool cheaper = r.chance(0.5);
  const bool a_wins = cheaper ? p1 < p2 : p1 > p2;
  add_comparison(
      n, {" The " + m1 + " laptop costs $" + std::to_string(p1 * 10), " and runs", " " + os1, "."},
      {" The " + m2 + " laptop costs $" + std::to_string(p2 * 10), " and runs", " " + os2, "."},
      a_wins);
  n.question = "Of the " + m1 + " and the " + m2 + " laptops, which operating system does the " +
               (cheaper ? "cheaper" : "more expensive") + " one run?";
  n.answer = a_wins ? os1 : os2;
  n.subjects = {m1, m2};
  return n;
}

Needle younger_person(Rng& r) {
  Needle n = start("younger_person", "name");
  const auto [f1, f2] = two_of(r, pools::first_names());
  const auto [a1, a2] = two_values(r, 19, 78, 3);
  const auto [c1, c2] = two_of(r, pools::cities());
  const bool younger = r.chance(0.5);
  const bool a_wins = younger ? a1 < a2 : a1 > a2;
  add_comparison(
      n, {" " + f1 + " is " + std::to_string(a1) + " years old", " and lives in", " " + c1, "."},
      {" " + f2 + " is " + std::to_string(a2) + " years old", " and lives in", " " + c2, "."},
      a_wins);
  n.question = "Of " + f1 + " and " + f2 + ", in which city does the " +
               (younger ? "younger" : "older") + " one live?";
  n.answer = a_wins ? c1 : c2;
  n.subjects = {f1, f2};
  return n;
}

Needle shorter_trail(Rng& r) {
  Needle n = start("shorter_trail", "phrase");
  const auto [t1, t2] = two_of(r, pools::nouns());
  const auto [d1, d2] = two_values(r, 3, 40, 2);
  const auto [e1, e2] = two_of(r, pools::places());
  const bool shorter = r.chance(0.5);
  const bool a_wins = shorter ? d1 < d2 : d1 > d2;
  add_comparison(n,
                 {" The " + cap(t1) + " trail is " + std::to_string(d1) + " kilometres long",
                  " and ends at the", " " + e1, "."},
                 {" The " + cap(t2) + " trail is " + std::to_string(d2) + " kilometres long",
                  " and ends at the", " " + e2, "."},
                 a_wins);
  n.question = "Of the " + cap(t1) + " and " + cap(t2) + " trails, where does the " +
               (shorter ? "shorter" : "longer") + " one end?";
  n.answer = a_wins ? e1 : e2;
  n.subjects = {cap(t1), cap(t2)};
  return n;
}

Needle older_bridge(Rng& r) {
  Needle n = start("older_bridge", "name");
  const auto [b1, b2] = two_of(r, pools::cities());
  const auto [y1, y2] = two_values(r, 1820, 1990, 4);
  std::string d1 = pools::full_name(r), d2;
  do {
    d2 = pools::full_name(r);
  } while (d2 == d1);
  const bool older = r.chance(0.5);
  const bool a_wins = older ? y1 < y2 : y1 > y2;
  add_comparison(n,
                 {" The " + b1 + " bridge was completed in " + std::to_string(y1),
                  " and was designed by", " " + d1, "."},
                 {" The " + b2 + " bridge was completed in " + std::to_string(y2),
                  " and was designed by", " " + d2, "."},
                 a_wins);
  n.question = "Of the " + b1 + " and " + b2 + " bridges, who designed the " +
               (older ? "older" : "newer") + " one?";
  n.answer = a_wins ? d1 : d2;
  n.subjects = {b1, b2};
  return n;
}

Needle total_points(Rng& r) {
  Needle n = start("total_points", "number");
  const auto [team, rival] = two_of(r, pools::teams());
  const int64_t first = r.between(3, 45), second = r.between(3, 45);
  n.pieces.push_back({" Team " + team + " scored " + std::to_string(first) +
                          " points in the first half of the match against " + rival + ".",
                      PieceRole::kNeedle, false});
  n.pieces.push_back({" The match was played in " + std::string(r.pick(pools::cities())) + ".",
                      PieceRole::kDistractor, false});
  n.pieces.push_back(
      {" In the second half, Team " + team + " scored " + std::to_string(second) + " more points.",
       PieceRole::kNeedle, false});
  n.question =
      "How many points did Team " + team + " score in the whole match against " + rival + "?";
  n.answer = std::to_string(first + second);
  n.answer_form = "derived";
  n.subjects = {team, rival};
  return n;
}

Needle item_room(Rng& r) {
  Needle n = start("item_room", "word");
  const auto [c_item, c_chest] = two_of(r, pools::colours());
  const std::string item = std::string(c_item) + " " + r.pick(kItems);
  const std::string chest = c_chest + " chest";
  const std::string room = r.pick(pools::rooms());
  n.pieces.push_back({" The " + item + " is inside the " + chest + ".", PieceRole::kNeedle, false});
  n.pieces.push_back({" The " + chest + " is made of " +
                          (r.chance(0.5) ? std::string("oak") : std::string("pine")) + ".",
                      PieceRole::kDistractor, false});
  add_fact(n.pieces, PieceRole::kNeedle, " The " + chest + " is kept in the", " " + room, ".",
           false);
  n.question = "In which room is the " + item + "?";
  n.answer = room;
  n.subjects = {item, chest};
  return n;
}

Needle weight_difference(Rng& r) {
  Needle n = start("weight_difference", "number");
  const auto [f1, f2] = two_of(r, kFruits);
  const auto [w1, w2] = two_values(r, 8, 60, 2);
  n.pieces.push_back({" A crate of " + f1 + " weighs " + std::to_string(w1) + " kilograms.",
                      PieceRole::kNeedle, false});
  n.pieces.push_back({" It was shipped from " + std::string(r.pick(pools::cities())) + ".",
                      PieceRole::kDistractor, false});
  n.pieces.push_back({" A crate of " + f2 + " weighs " + std::to_string(w2) + " kilograms.",
                      PieceRole::kNeedle, false});
  const bool first_heavier = w1 > w2;
  n.question = "How many kilograms heavier is the crate of " + (first_heavier ? f1 : f2) +
               " than the crate of " + (first_heavier ? f2 : f1) + "?";
  n.answer = std::to_string(first_heavier ? w1 - w2 : w2 - w1);
  n.answer_form = "derived";
  n.subjects = {f1, f2};
  return n;
}

using Maker = Needle (*)(Rng&);
constexpr Maker kTemplates[] = {cheaper_laptop, younger_person, shorter_trail,    older_bridge,
                                total_points,   item_room,      weight_difference};

constexpr int kV1 = static_cast<int>(std::size(kTemplates));

}  // namespace

int n_logic_templates() {
  return kV1 + n_solvable_logic_templates() + n_fewshot_logic_templates() +
         n_compose_logic_templates();
}

Needle make_logic_needle(int template_index, Rng& rng) {
  SLKV_CHECK(template_index >= 0 && template_index < n_logic_templates(),
             "logic template index out of range");
  const int v3_begin = kV1 + n_solvable_logic_templates();
  const int v4_begin = v3_begin + n_fewshot_logic_templates();
  Needle n = template_index < kV1        ? kTemplates[template_index](rng)
             : template_index < v3_begin ? make_solvable_logic_needle(template_index - kV1, rng)
             : template_index < v4_begin
                 ? make_fewshot_logic_needle(template_index - v3_begin, rng)
                 : make_compose_logic_needle(template_index - v4_begin, rng);
  n.template_index = template_index;
  return n;
}

LogicTemplateSet logic_template_set(std::string_view name) {
  if (name == "v1") return {0, kV1};
  if (name == "v2") return {kV1, kV1 + n_solvable_logic_templates()};
  const int v3_begin = kV1 + n_solvable_logic_templates();
  if (name == "v3") return {v3_begin, v3_begin + n_fewshot_logic_templates()};
  const int v4_begin = v3_begin + n_fewshot_logic_templates();
  const int v4_size = n_compose_logic_templates() / 2;  // v4 first, then the same forms bare
  if (name == "v4") return {v4_begin, v4_begin + v4_size};
  if (name == "v4-bare") return {v4_begin + v4_size, n_logic_templates()};
  throw Error("unknown logic template set '" + std::string(name) +
              "' (expected v1, v2, v3, v4 or v4-bare)");
}

std::vector<std::string> logic_template_set_names() { return {"v1", "v2", "v3", "v4", "v4-bare"}; }

}  // namespace slkv::probes
