#pragma once
// Surface needles: one literal fact whose answer must be copied verbatim (a code, a name, a
// number, a word or a multi-word phrase). The whole fact sentence is the span N; the value
// piece inside it is also marked as the answer.

#include "probes/needle.hpp"
#include "probes/rng.hpp"

namespace slkv::probes {

int n_surface_templates();
Needle make_surface_needle(int template_index, Rng& rng);

}  // namespace slkv::probes
