#pragma once
// The methods one evaluation compares: FullKV, plan files, and plans compiled on the fly from a
// profile (every method x budget). Each plan is loaded through the runtime's C ABI, so a plan
// for another model is refused with the runtime's own message before any prompt runs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval_options.hpp"
#include "slkv/slkv.hpp"

namespace slkv::evaltool {

struct EvalMethod {
  std::string name;         // row name, e.g. "fullkv", "surfacelogic@64", "uniform@0.1"
  std::string method;       // "fullkv" or the plan's method
  std::string budget_mode;  // "full" | "tokens" | "ratio"
  double budget = 0;        // tokens per head (window included) or ratio; 0 for fullkv
  std::string source;       // plan path, or "profile" for compiled plans
  std::string plan_hash;    // XXH3-128 of the plan text; empty for fullkv
  int64_t window = 0;
  std::optional<Plan> plan;  // empty for fullkv
};

// fingerprint: the model's; plan loading checks it.
std::vector<EvalMethod> build_methods(const EvalOptions& options, const slkv_model_desc& model);

}  // namespace slkv::evaltool
