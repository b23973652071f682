#pragma once
// Checks of slkv-profile's output paths before any model work (docs/reliability.md): each
// output must be writable by the output policy (lib/core/atomic_file.hpp; its directory must
// exist) and must not be one of the inputs (`slkv-profile m.gguf --out m.gguf` is refused).

#include "cli_options.hpp"

namespace slkv::tools {

// Throws slkv::Error naming the output and the problem.
void check_profile_outputs(const ProfileCliOptions& opt);

}  // namespace slkv::tools
