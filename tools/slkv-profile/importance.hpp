#pragma once
// importance.json for --export-lineage: the default per-head importance of METHOD.md §5,
// s = norm(S_logic) + alpha * norm(S_surface) (norm = divide by the sum over heads), 0 for
// heads whose only flag is "ignoring" (computed by lib/compile, as slkv-compile does when it
// reads the profile), written as a lineage score file {"<layer>-<head>": [s]} for tools of
// the lineage.

#include <string>

#include "profile/profile_h5.hpp"

namespace slkv::tools {

inline constexpr double kDefaultSurfaceWeight = 0.5;  // alpha of METHOD.md §5

void write_importance_json(const std::string& path, const profile::Profile& profile,
                           double alpha = kDefaultSurfaceWeight);

}  // namespace slkv::tools
