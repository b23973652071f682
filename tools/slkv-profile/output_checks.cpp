#include "output_checks.hpp"

#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "profile_job.hpp"

namespace slkv::tools {

void check_profile_outputs(const ProfileCliOptions& opt) {
  std::vector<std::string> inputs = opt.haystack_files;
  inputs.push_back(opt.model_path);
  inputs.push_back(opt.ablate_profile);
  auto check = [&](const std::string& path, const char* option, OutputKind kind) {
    if (path.empty()) return;
    check_output_path(path, kind);
    check_output_not_input(path, option, inputs);
    inputs.push_back(path);  // two outputs must not be one file either
  };
  if (!opt.ablate_profile.empty()) {
    check(opt.ablate_out, "--ablate-out", OutputKind::kText);
    return;
  }
  check(opt.out_path.empty() ? default_profile_path(opt.model_path) : opt.out_path, "--out",
        OutputKind::kBinary);
  check(opt.dump_probes_path, "--dump-probes", OutputKind::kText);
}

}  // namespace slkv::tools
