#pragma once
// The end-of-run summary of a profile (also `slkv-profile --summary PROFILE.h5`): success rate
// per family and length, label counts and shares next to the paper's, thresholds, top heads per
// score.

#include <iosfwd>

#include "profile/profile_h5.hpp"

namespace slkv::tools {

void print_summary(const profile::Profile& profile, std::ostream& out, int n_top = 5);

}  // namespace slkv::tools
