// slkv-profile: label every attention head of a checkpoint from needle probes. See
// docs/cli.md and `slkv-profile --help`.

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <new>

#include "ablation_job.hpp"
#include "cli_options.hpp"
#include "core/error.hpp"
#include "output_checks.hpp"
#include "profile/profile_h5.hpp"
#include "profile/summary.hpp"
#include "profile_job.hpp"

int main(int argc, char** argv) {
  using namespace slkv::tools;
  CLI::App app{"slkv-profile"};
  ProfileCliOptions opt;
  setup_profile_options(app, opt);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (!opt.summary_path.empty()) {
      std::cout << slkv::profile::profile_summary(slkv::profile::read_profile(opt.summary_path));
      return kExitOk;
    }
    if (opt.model_path.empty()) {
      std::cerr << "slkv-profile: MODEL is required (or --summary PROFILE.h5); see --help\n";
      return kExitUsage;
    }
    check_profile_outputs(opt);  // before any model work
    if (!opt.ablate_profile.empty()) return run_ablation(opt);
    return run_profile(opt);
  } catch (const slkv::UsageError& e) {
    std::cerr << "slkv-profile: " << e.what() << " (see --help)\n";
    return kExitUsage;
  } catch (const slkv::Error& e) {
    std::cerr << "slkv-profile: " << e.what() << "\n";
    return kExitError;
  } catch (const std::bad_alloc&) {
    std::cerr << "slkv-profile: out of memory\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "slkv-profile: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}
