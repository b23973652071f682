#pragma once
// The human-readable summary slkv-profile prints at the end of a run and for --summary:
// label counts and shares next to the paper's, the thresholds, the top heads per score and the
// success rate per needle family and length.

#include <string>

#include "profile/profile_h5.hpp"

namespace slkv::profile {

std::string profile_summary(const Profile& profile, int top_n = 5);

}  // namespace slkv::profile
