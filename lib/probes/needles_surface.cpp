#include "probes/needles_surface.hpp"

#include <cctype>
#include <string>

#include "core/error.hpp"
#include "probes/needle_pools.hpp"

namespace slkv::probes {
namespace {

constexpr const char* kDishes[] = {"fish stew",    "apple cake", "bean soup",    "lamb curry",
                                   "mushroom pie", "plum jam",   "lentil salad", "barley bread"};
constexpr const char* kPets[] = {"grey cat",         "old sheepdog", "green parrot",
                                 "lop-eared rabbit", "tabby kitten", "tortoise"};

std::string cap(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// One fact sentence: N = prefix + value + suffix, the value is the answer.
Needle fact(const char* name, const char* kind, std::string prefix, std::string value,
            std::string suffix, std::string question, std::vector<std::string> subjects) {
  Needle n;
  n.family = NeedleFamily::kSurface;
  n.template_name = std::string("surface.") + name;
  n.answer_kind = kind;
  n.answer = value;
  add_fact(n.pieces, PieceRole::kNeedle, std::move(prefix), " " + value, std::move(suffix), true);
  n.question = std::move(question);
  n.subjects = std::move(subjects);
  return n;
}

Needle access_code(Rng& r) {
  const std::string place = r.pick(pools::places());
  return fact("access_code", "number", " The access code for the " + place + " is",
              std::to_string(r.between(1000, 9999)), ".",
              "What is the access code for the " + place + "?", {place});
}

Needle spare_key(Rng& r) {
  const std::string who = pools::full_name(r);
  const std::string colour = r.pick(pools::colours());
  const std::string thing = r.pick(pools::nouns());
  return fact("spare_key", "phrase", " " + who + " keeps the spare key under the",
              colour + " " + thing, ".", "Under what does " + who + " keep the spare key?", {who});
}

Needle contest_winner(Rng& r) {
  const int64_t year = r.between(1960, 2023);
  const std::string contest = std::to_string(year) + " " + r.pick(pools::contests());
  const std::string winner = pools::full_name(r);
  return fact("contest_winner", "name", " The winner of the " + contest + " was", winner, ".",
              "Who won the " + contest + "?", {contest});
}

Needle favourite_colour(Rng& r) {
  const std::string who = pools::full_name(r);
  return fact("favourite_colour", "word", " " + who + "'s favourite colour is",
              r.pick(pools::colours()), ".", "What is " + who + "'s favourite colour?", {who});
}

Needle passphrase(Rng& r) {
  const std::string place = r.pick(pools::places());
  std::string phrase = r.pick(pools::nouns());
  for (int i = 0; i < 2; ++i) phrase += std::string(" ") + r.pick(pools::nouns());
  return fact("passphrase", "phrase", " The passphrase for the " + place + " vault is", phrase, ".",
              "What is the passphrase for the " + place + " vault?", {place});
}

Needle departure_gate(Rng& r) {
  std::string flight;
  flight += static_cast<char>('A' + r.below(26));
  flight += static_cast<char>('A' + r.below(26));
  flight += std::to_string(r.between(100, 989));
  const std::string city = r.pick(pools::cities());
  return fact("departure_gate", "word", " Flight " + flight + " to " + city + " departs from gate",
              pools::gate_code(r), ".", "From which gate does flight " + flight + " depart?",
              {flight});
}

Needle home_port(Rng& r) {
  const std::string ship = cap(r.pick(pools::nouns()));
  return fact("home_port", "name", " The research vessel " + ship + " is registered in the port of",
              r.pick(pools::cities()), ".",
              "In which port is the research vessel " + ship + " registered?", {ship});
}

Needle birth_year(Rng& r) {
  const std::string who = pools::full_name(r);
  return fact("birth_year", "number", " " + who + " was born in the year",
              std::to_string(r.between(1890, 2005)), ".", "In which year was " + who + " born?",
              {who});
}

Needle secret_ingredient(Rng& r) {
  const std::string who = r.pick(pools::first_names());
  const std::string dish = r.pick(kDishes);
  return fact("secret_ingredient", "phrase",
              " The secret ingredient in " + who + "'s " + dish + " is",
              r.pick(pools::ingredients()), ".",
              "What is the secret ingredient in " + who + "'s " + dish + "?", {who});
}

Needle room_assignment(Rng& r) {
  const int64_t number = r.between(2, 60);
  const std::string room = "room " + std::to_string(number) + " of the " + r.pick(pools::places());
  const std::string holder = pools::full_name(r);
  std::string intro = " ";
  intro += cap(room);
  intro += " is assigned to";
  return fact("room_assignment", "name", intro, holder, ".", "Who is " + room + " assigned to?",
              {room});
}

Needle pet_name(Rng& r) {
  const std::string who = r.pick(pools::first_names());
  const std::string pet = r.pick(kPets);
  return fact("pet_name", "word", " " + who + "'s " + pet + " is called",
              cap(r.pick(pools::nouns())), ".", "What is the name of " + who + "'s " + pet + "?",
              {who});
}

using Maker = Needle (*)(Rng&);
constexpr Maker kTemplates[] = {
    access_code, spare_key,  contest_winner,    favourite_colour, passphrase, departure_gate,
    home_port,   birth_year, secret_ingredient, room_assignment,  pet_name};

}  // namespace

int n_surface_templates() { return static_cast<int>(std::size(kTemplates)); }

Needle make_surface_needle(int template_index, Rng& rng) {
  SLKV_CHECK(template_index >= 0 && template_index < n_surface_templates(),
             "surface template index out of range");
  Needle n = kTemplates[template_index](rng);
  n.template_index = template_index;
  return n;
}

}  // namespace slkv::probes
