#pragma once
// Irrelevant distractors (METHOD.md §2): facts of the same form as the needle about other
// entities, inserted elsewhere in the haystack. Every piece of a distractor block is in D.

#include <vector>

#include "probes/needle.hpp"
#include "probes/rng.hpp"

namespace slkv::probes {

// `count` blocks from the needle's own template with fresh entities and values: no block
// mentions a subject of the needle or of another block, states the needle's answer, or repeats
// another block's text. Throws slkv::Error if the template cannot produce that many.
std::vector<std::vector<Piece>> make_distractors(const Needle& needle, int count, Rng& rng);

}  // namespace slkv::probes
