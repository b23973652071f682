// Logic template sets v4 and v4-bare: composition. Each needle states two parts of one answer
// in two facts ("The pilot's first name is Leona." / "The pilot's family name is Okafor."), and
// the question asks for the whole ("Leona Okafor"), so the answer is read from both facts and
// exists nowhere in the prompt as one string (answer form "composed", judged by the whole answer
// appearing as a run of words in the output: one part alone fails). The "_swapped" templates
// state the family name first, so copying the facts in reading order gives a wrong answer: they
// test that the parts are put in the order the question asks for, not only found.
// v4 puts two worked examples of the same form (and order) before the question, as v3 does;
// v4-bare ("_bare" templates) has none. The examples show Gemma 3 270M the two-part answer
// shape (without them it mostly answers one part), while SmolLM2-135M answers with the
// examples' own names (docs/profile-report.md has the calibration).
// This is the weakest form of logic construction (joining, no comparison or arithmetic). Codes
// joined from two stated two-digit parts and passphrases joined from two stated words were
// calibrated too and dropped: neither model joined a single one.

#include <string>
#include <vector>

#include "core/error.hpp"
#include "probes/logic_draw.hpp"
#include "probes/needle_pools.hpp"
#include "probes/needles_logic.hpp"

namespace slkv::probes {
namespace {

using logic_draw::fresh;
using logic_draw::start;

constexpr int kDemos = 2;
constexpr const char* kRoles[] = {"pilot",   "captain",   "courier",  "chemist",     "librarian",
                                  "surgeon", "architect", "jeweller", "navigator",   "curator",
                                  "ranger",  "baker",     "glazier",  "cartographer"};

// "The pilot's first name is Leona. The pilot's family name is Okafor." / "Leona Okafor".
Needle compose_name(Rng& r, bool swapped, bool with_demos) {
  const std::string name =
      std::string(swapped ? "compose_name_swapped" : "compose_name") + (with_demos ? "" : "_bare");
  Needle n = start(name.c_str(), "name", "composed");
  std::vector<std::string> roles, firsts, lasts;
  const std::string role = fresh(r, kRoles, roles);
  const std::string given = fresh(r, pools::first_names(), firsts);
  const std::string family = fresh(r, pools::last_names(), lasts);
  const std::string first = " The " + role + "'s first name is " + given + ".";
  const std::string second = " The " + role + "'s family name is " + family + ".";
  logic_draw::fact(n, swapped ? second : first);
  logic_draw::fact(n, swapped ? first : second);
  n.question = "What is the " + role + "'s full name?";
  n.answer = given + " " + family;
  n.subjects = {role, given, family};
  for (int i = 0; with_demos && i < kDemos; ++i) {
    const std::string other = fresh(r, kRoles, roles);
    const std::string g = fresh(r, pools::first_names(), firsts);
    const std::string f = fresh(r, pools::last_names(), lasts);
    const std::string gs = "first name is " + g, fs = "family name is " + f;
    n.demos.push_back({"The " + other + "'s " + (swapped ? fs : gs) + " and the " + other + "'s " +
                           (swapped ? gs : fs) + ". What is the " + other + "'s full name?",
                       g + " " + f});
  }
  return n;
}

Needle name_in_order(Rng& r) { return compose_name(r, false, true); }
Needle name_swapped(Rng& r) { return compose_name(r, true, true); }
Needle name_in_order_bare(Rng& r) { return compose_name(r, false, false); }
Needle name_swapped_bare(Rng& r) { return compose_name(r, true, false); }

using Maker = Needle (*)(Rng&);
// v4 is the first two, v4-bare the last two (needles_logic.cpp: logic_template_set).
constexpr Maker kTemplates[] = {name_in_order, name_swapped, name_in_order_bare, name_swapped_bare};

}  // namespace

int n_compose_logic_templates() { return static_cast<int>(std::size(kTemplates)); }

Needle make_compose_logic_needle(int index, Rng& rng) {
  SLKV_CHECK(index >= 0 && index < n_compose_logic_templates(),
             "v4 logic template index out of range");
  return kTemplates[index](rng);
}

}  // namespace slkv::probes
