// slkv-compile: per-head KV budgets from head scores. See docs/cli.md and --help.

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "cli_options.hpp"
#include "common/tool_main.hpp"
#include "compile/compiler.hpp"
#include "compile/lineage_scores.hpp"
#include "compile/plan_writer.hpp"
#include "compile/profile_input.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace {

int run(const slkv::tools::CompileCliOptions& opt) {
  using namespace slkv;
  if (opt.out_path.empty() && !opt.explain) {
    throw UsageError("nothing to do: give --out PLAN.json and/or --explain");
  }
  const bool is_profile = compile::looks_like_profile(opt.scores_path);
  if (!is_profile && opt.shape.empty() && opt.model_path.empty()) {
    throw UsageError("give the model with --model MODEL or its shape with --shape L,H,KVH,D");
  }
  if (!opt.out_path.empty()) {  // before any work: writable, and not one of the inputs
    check_output_path(opt.out_path, OutputKind::kText);
    check_output_not_input(opt.out_path, "--out", {opt.scores_path, opt.model_path});
  }
  std::optional<compile::ModelShape> given;  // from --shape or --model
  std::string given_what;
  if (!opt.model_path.empty()) {
    given = compile::shape_of_checkpoint(opt.model_path);
    given_what = "--model " + opt.model_path;
  } else if (!opt.shape.empty()) {
    given = compile::parse_shape(opt.shape);
    given_what = "--shape " + opt.shape;
  }
  compile::ModelShape shape;
  compile::ScoreInput scores;
  if (is_profile) {
    compile::ProfileInput in = compile::read_profile_input(opt.scores_path);
    if (given) compile::check_shape_matches(*given, given_what, in.shape, opt.scores_path);
    shape = std::move(in.shape);
    // --model may name a checkpoint of a profile made without a fingerprint: keep its identity.
    if (given && shape.fingerprint.empty()) shape.fingerprint = given->fingerprint;
    if (given && shape.arch.empty()) shape.arch = given->arch;
    scores = std::move(in.scores);
    compile::validate_options(opt.compile, shape);
  } else {
    shape = *given;
    compile::validate_options(opt.compile, shape);
    scores = compile::read_lineage_scores(opt.scores_path, shape.n_layers, shape.n_heads);
  }
  const runtime::Plan plan = compile::compile_plan(scores, shape, opt.compile);
  if (opt.explain) std::cout << compile::explain_plan(plan);
  if (!opt.out_path.empty()) compile::write_plan(plan, opt.out_path);
  return slkv::tools::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"slkv-compile"};
  slkv::tools::CompileCliOptions opt;
  slkv::tools::setup_compile_options(app, opt);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "slkv-compile: %s (see --help)\n", e.what());
    return slkv::tools::kExitUsage;
  }
  return slkv::tool_common::run_reporting_errors("slkv-compile", [&] {
    slkv::tools::finish_compile_options(app, opt);
    return run(opt);
  });
}
