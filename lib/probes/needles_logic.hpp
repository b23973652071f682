#pragma once
// Logic ("structure") needles: several facts that must be combined (comparison, composition,
// arithmetic). N is every fact the derivation reads; sibling attributes it does not need are
// in-needle distractors (D). Questions name the entities they compare, so distractor blocks of
// the same form about other entities never make them ambiguous.
//
// Two template sets share one index space, so a Needle's template_index is unique:
//   v1 (indices 0-6): the original seven templates (comparison -> attribute lookups, sums,
//      differences, a two-hop chain), kept so committed profiles stay reproducible.
//   v2 (indices 7-14, needles_logic_solvable.cpp): forms meant for small models, calibrated
//      on SmolLM2-135M and Gemma 3 270M (docs/probes.md): yes/no and two-way choice
//      comparisons, one-digit sums and differences, a two-hop key -> box -> content lookup and
//      an either/or elimination.
//   v3 (indices 15-19, needles_logic_fewshot.cpp): sums, differences, the higher of two scores,
//      an age choice and a two-hop mentor -> city lookup, each with two worked examples of the
//      same form before the question (Needle::demos).
//   v4 (indices 20-21, needles_logic_compose.cpp): composition: a full name joined from a
//      stated first and family name, stated in that order or swapped, after two worked
//      examples; v4-bare (indices 22-23): the same two forms without worked examples.

#include <string>
#include <string_view>
#include <vector>

#include "probes/needle.hpp"
#include "probes/rng.hpp"

namespace slkv::probes {

int n_logic_templates();  // over all sets
Needle make_logic_needle(int template_index, Rng& rng);

// A set of logic templates: indices [begin, end) of make_logic_needle.
struct LogicTemplateSet {
  int begin = 0;
  int end = 0;
  int size() const { return end - begin; }
};
inline constexpr const char* kDefaultLogicTemplates = "v2";
// "v1", "v2", "v3", "v4" or "v4-bare"; throws slkv::Error naming the known sets on any other name.
LogicTemplateSet logic_template_set(std::string_view name);
std::vector<std::string> logic_template_set_names();

// v2 templates (needles_logic_solvable.cpp), indexed from 0.
int n_solvable_logic_templates();
Needle make_solvable_logic_needle(int index, Rng& rng);

// v3 templates (needles_logic_fewshot.cpp), indexed from 0.
int n_fewshot_logic_templates();
Needle make_fewshot_logic_needle(int index, Rng& rng);

// v4 and v4-bare templates (needles_logic_compose.cpp), indexed from 0 (v4 first).
int n_compose_logic_templates();
Needle make_compose_logic_needle(int index, Rng& rng);

}  // namespace slkv::probes
