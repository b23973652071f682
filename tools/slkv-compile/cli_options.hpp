#pragma once
// Command-line options of slkv-compile: one struct, filled by setup_compile_options().

#include <CLI/CLI.hpp>
#include <string>

#include "compile/options.hpp"

namespace slkv::tools {

// Exit codes (documented in docs/cli.md and --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // bad input, budget that cannot be met, write failure
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitInternal = 3;  // unexpected failure (a bug)

struct CompileCliOptions {
  std::string scores_path;
  std::string shape;       // "L,H,KVH,D"
  std::string model_path;  // alternative to --shape
  std::string out_path;
  bool explain = false;
  int64_t budget_tokens = 0;
  double budget_ratio = 0.0;
  compile::CompileOptions compile;
  int64_t prompt_tokens = 0;
};

void setup_compile_options(CLI::App& app, CompileCliOptions& opt);

// Moves the flags that were given into opt.compile (optional budget fields).
void finish_compile_options(const CLI::App& app, CompileCliOptions& opt);

}  // namespace slkv::tools
