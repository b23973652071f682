#pragma once
// The profiling run of slkv-profile (and the model and probe setup the ablation shares): load
// the checkpoint and its tokenizer, build the probe grid, run every probe through the engine
// with a checkpoint after each, score, label, write the profile atomically, print the summary.

#include <memory>
#include <string>
#include <vector>

#include "cli_options.hpp"
#include "dist/mpi_world.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/model.hpp"
#include "model/checkpoint.hpp"
#include "model/tokenizer.hpp"
#include "probes/haystack.hpp"
#include "probes/probe_set.hpp"
#include "profile/profile_h5.hpp"
#include "resume.hpp"
#include "tokenizer_encoder.hpp"

namespace slkv::tools {

struct LoadedModel {
  std::unique_ptr<Checkpoint> checkpoint;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<CheckpointWeights> weights;
  std::unique_ptr<Model> model;
  std::unique_ptr<TokenizerEncoder> encoder;
};

LoadedModel load_model(const std::string& path);

// The probe configuration the options describe for this model (defaults filled in).
probes::ProbeConfig make_probe_config(const ProfileCliOptions& opt, const ModelConfig& config,
                                      const Tokenizer& tokenizer);
probes::Haystack make_haystack(const ProfileCliOptions& opt);

// Sets OpenMP's (and OpenBLAS's, when present) thread count; 0 leaves the defaults.
void set_threads(int threads);

// Default --out for a model path: "<stem>.profile.h5" in the working directory.
std::string default_profile_path(const std::string& model_path);

// How scores and label confidence are computed (the defaults are slkv-profile's; merge uses
// them, so a merged profile equals a single-process one made with default scoring flags).
struct ScoringOptions {
  std::string logic_variant = "auto";
  int64_t min_logic_probes = 5;
  int bootstrap = 1000;
  uint64_t bootstrap_seed = 0;
};

// Builds the profile of these finished probes (in grid order): scores, labels, confidence, `meta`.
profile::Profile assemble_profile(const profile::ProfileMeta& meta, const std::string& label_mode,
                                  const std::vector<FinishedProbe>& done,
                                  const ScoringOptions& scoring = {});
// Writes the profile atomically and, when `lineage_dir` is set, the lineage score files.
void write_profile_outputs(const std::string& out_path, const profile::Profile& prof,
                           const std::string& lineage_dir);

// The whole grid, the --shard share (a part profile), or this MPI rank's share (rank 0 gathers
// and writes the profile).
int run_profile(const ProfileCliOptions& opt, const dist::MpiWorld& mpi);

}  // namespace slkv::tools
