#pragma once
// Logic ("structure") needles: several facts that must be combined (comparison, composition,
// arithmetic). N is every fact the derivation reads; sibling attributes it does not need are
// in-needle distractors (D). Questions name the entities they compare, so distractor blocks of
// the same form about other entities never make them ambiguous.

#include "probes/needle.hpp"
#include "probes/rng.hpp"

namespace slkv::probes {

int n_logic_templates();
Needle make_logic_needle(int template_index, Rng& rng);

}  // namespace slkv::probes
