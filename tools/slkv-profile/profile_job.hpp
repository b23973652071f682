#pragma once
// The profiling run of slkv-profile (and the model and probe setup the ablation shares): load
// the checkpoint and its tokenizer, build the probe grid, run every probe through the engine
// with a checkpoint after each, score, label, write the profile atomically, print the summary.

#include <memory>
#include <string>
#include <vector>

#include "cli_options.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/model.hpp"
#include "model/checkpoint.hpp"
#include "model/tokenizer.hpp"
#include "probes/haystack.hpp"
#include "probes/probe_set.hpp"
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

int run_profile(const ProfileCliOptions& opt);

}  // namespace slkv::tools
