#pragma once
// Command-line options of slkv-profile: one struct, filled by setup_profile_options().

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace slkv::tools {

// Exit codes (documented in docs/cli.md and --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // bad input, model or probe error, write failure
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitInternal = 3;  // unexpected failure (a bug)
inline constexpr int kExitStopped = 4;   // --stop-after reached; the checkpoint is kept

struct ProfileCliOptions {
  std::string model_path;
  std::string out_path;  // default: <model stem>.profile.h5
  std::vector<int64_t> lengths_tokens;
  std::vector<double> depths;
  uint64_t seed = 0;
  std::vector<std::string> families{"surface", "logic", "distractor"};
  int n_distractors = 2;  // per probe, when "distractor" is among --families
  int repeats = 1;
  std::vector<std::string> haystack_files;
  int max_new_tokens = 16;
  bool teacher_force = false;
  bool chat = false;
  std::string surface_span = "answer";  // N of a surface needle: the answer value or the fact  //
                                        // wrap probes in the model's chat turn markers
  std::string label_mode = "quantile";
  std::string logic_templates = "v2";  // logic needle template set (v1: the original seven)
  std::string logic_variant = "auto";  // S_logic: probe, token (teacher-forced) or auto
  int64_t min_logic_probes = 5;        // auto: successful logic probes for the probe variant
  int bootstrap = 1000;                // label-confidence resamples (0: none)
  uint64_t bootstrap_seed = 0;
  int top_k = 10;
  std::string dump_probes_path;
  std::string export_lineage_dir;
  int threads = 0;  // 0: OpenMP's default
  bool resume = false;
  std::string shard;       // --shard I/N: run share I of N, write a part profile (shard.hpp)
  int64_t stop_after = 0;  // testing: stop after this many new probes (exit 4)
  bool quiet = false;
  std::string summary_path;  // --summary PROFILE.h5: print and exit

  // --ablate PROFILE.h5: needle accuracy with top-K surface+logic heads masked vs random heads.
  std::string ablate_profile;
  std::vector<int64_t> ablate_k{1, 2, 4, 8, 16};
  int ablate_draws = 3;
  std::string ablate_rank = "combined";  // combined | surface | logic
  bool judge_options = false;            // --judge-options mode (option_judge.hpp)
  std::string ablate_out;                // JSON results
};

void setup_profile_options(CLI::App& app, ProfileCliOptions& opt);

// The default grid for a model with this context: lengths 512 and 1024 (those that fit),
// depths 0, 0.25, 0.5, 0.75, 1.
std::vector<int64_t> default_profile_lengths(int64_t context_tokens);
std::vector<double> default_profile_depths();

}  // namespace slkv::tools
