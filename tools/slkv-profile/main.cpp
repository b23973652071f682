// slkv-profile: label every attention head of a checkpoint from needle probes. See
// docs/cli.md and `slkv-profile --help`.

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <new>

#include "ablation_job.hpp"
#include "cli_options.hpp"
#include "common/tool_main.hpp"
#include "core/error.hpp"
#include "dist/mpi_world.hpp"
#include "engine/thread_defaults.hpp"
#include "importance.hpp"
#include "merge.hpp"
#include "option_judge.hpp"
#include "output_checks.hpp"
#include "profile/bootstrap.hpp"
#include "profile/lineage_json.hpp"
#include "profile/profile_h5.hpp"
#include "profile/summary.hpp"
#include "profile_job.hpp"

namespace {

// The bootstrap of a profile that has none stored, with the thresholds' mode and shares and the
// recorded logic variant.
slkv::profile::LabelConfidence confidence_for(const slkv::profile::Profile& p,
                                              const slkv::tools::ProfileCliOptions& opt) {
  using namespace slkv::profile;
  const Thresholds& t = p.labels.thresholds;
  LabelOptions lo;
  lo.mode = t.mode;
  if (t.mode == LabelMode::kQuantile) {
    lo.share_surface = t.share_surface;
    lo.share_logic = t.share_logic;
    lo.share_ignoring = t.share_ignoring;
  } else {
    lo.tau_surface = t.tau_surface;
    lo.tau_logic = t.tau_logic;
    lo.tau_ignoring = t.tau_ignoring;
  }
  ScoreOptions so;
  so.logic_variant = p.scores.logic_variant;
  return bootstrap_labels(p.per_probe, so, lo, {opt.bootstrap, opt.bootstrap_seed, 0.95});
}

int run(int argc, char** argv, const slkv::dist::MpiWorld& mpi) {
  using namespace slkv::tools;
  CLI::App app{"slkv-profile"};
  ProfileCliOptions opt;
  setup_profile_options(app, opt);
  MergeOptions merge_opt;
  const CLI::App* merge = add_merge_command(app, merge_opt);
  if (const auto rc = slkv::tool_common::parse_command_line(app, argc, argv)) return *rc;
  // Not run_reporting_errors: here out of memory is a failure (exit 1), not a bug.
  try {
    if (*merge) return run_merge(merge_opt);
    if (!opt.summary_path.empty()) {
      slkv::profile::Profile prof = slkv::profile::read_profile(opt.summary_path);
      const bool computed = prof.confidence.empty() && opt.bootstrap > 0;
      if (computed) prof.confidence = confidence_for(prof, opt);
      std::cout << slkv::profile::profile_summary(prof);
      if (computed) std::cout << "(label confidence computed now, not stored in the profile)\n";
      if (!opt.export_lineage_dir.empty()) {  // the lineage files of an existing profile
        slkv::profile::export_lineage(opt.export_lineage_dir, prof.per_probe);
        slkv::tools::write_importance_json(opt.export_lineage_dir + "/importance.json", prof);
      }
      return kExitOk;
    }
    if (opt.model_path.empty()) {
      std::cerr << "slkv-profile: MODEL is required (or --summary PROFILE.h5); see --help\n";
      return kExitUsage;
    }
    check_profile_outputs(opt);  // before any model work
    if (opt.judge_options) return run_option_judge(opt);
    if (!opt.ablate_profile.empty()) {
      if (mpi.size() > 1) {
        std::cerr << "slkv-profile: --ablate runs in one process, not under mpirun\n";
        return kExitUsage;
      }
      return run_ablation(opt);
    }
    return run_profile(opt, mpi);
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

}  // namespace

int main(int argc, char** argv) {
  slkv::apply_thread_defaults(argv);  // before any OpenMP or MPI work (engine/thread_defaults.hpp)
  using slkv::tools::kExitError;
  try {
    const slkv::dist::MpiWorld mpi(&argc, &argv);
    const int rc = run(argc, argv, mpi);
    // Under MPI a failing rank ends the whole job (the others would wait for it forever); its
    // finished probes stay in its checkpoint for --resume.
    if (rc != slkv::tools::kExitOk && mpi.size() > 1) mpi.abort(rc);
    return rc;
  } catch (const slkv::Error& e) {
    std::cerr << "slkv-profile: " << e.what() << "\n";
    return kExitError;
  }
}
