#pragma once
// The parts of the profile summary added with the logic half (issue 11): which variant made
// S_logic, success per needle template with its chance level and chance-corrected rate, and
// the label confidence (bootstrap) when the profile holds one.

#include <string>

#include "profile/profile_h5.hpp"

namespace slkv::profile {

std::string template_success_summary(const Profile& profile);
std::string confidence_summary(const Profile& profile, int top_n = 5);

}  // namespace slkv::profile
