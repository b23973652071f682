#pragma once
// What identifies one evaluation run: the tool version, the model, the settings, the input
// hashes and the method list, and the settings hash over all of them that per-prompt
// checkpoints, part files and MPI ranks must share. The results file (results.hpp), a part file
// (part_file.hpp) and the merge of parts all carry these fields unchanged.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/eval_item.hpp"
#include "eval_options.hpp"
#include "method_set.hpp"
#include "model/model_config.hpp"

namespace slkv::evaltool {

struct RunHeader {
  std::string tool_version;  // "slkv-eval X.Y.Z"
  nlohmann::json model;      // path, arch, fingerprint
  nlohmann::json settings;   // chat, seed, tasks, lengths, ...
  nlohmann::json inputs;     // tasks_sha256, plans, profile
  nlohmann::json methods;    // name, method, budget_mode, budget, window per method
  std::string settings_hash;
};

RunHeader make_run_header(const EvalOptions& o, const ModelConfig& config,
                          const std::string& fingerprint, const std::vector<EvalMethod>& methods,
                          const std::vector<eval::EvalItem>& items);

// The methods as summarize() needs them (name, method, budget), from a header's method list.
std::vector<EvalMethod> methods_from_json(const nlohmann::json& method_list);

}  // namespace slkv::evaltool
