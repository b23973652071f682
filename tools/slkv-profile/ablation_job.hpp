#pragma once
// --ablate: does a profile's ranking mean something? Mask the top-K surface+logic heads (rank
// by norm(S_surface) + norm(S_logic), norm = divide by the sum over heads) through the
// engine's head mask and measure needle accuracy on the probe grid, against K heads drawn at
// random (several draws, seeded), for every K in --ablate-k. --ablate-rank dissociation masks
// the top and disjoint S_logic / S_surface sets instead (dissociation.hpp).

#include "cli_options.hpp"

namespace slkv::tools {

int run_ablation(const ProfileCliOptions& opt);

}  // namespace slkv::tools
