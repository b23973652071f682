// slkv-compile: per-head KV budgets from head scores. See docs/cli.md and --help.

#include <cstdio>
#include <exception>
#include <iostream>

#include "cli_options.hpp"
#include "compile/compiler.hpp"
#include "compile/lineage_scores.hpp"
#include "compile/plan_writer.hpp"
#include "core/error.hpp"

namespace {

int run(const slkv::tools::CompileCliOptions& opt) {
  using namespace slkv;
  if (opt.out_path.empty() && !opt.explain) {
    throw Error("nothing to do: give --out PLAN.json and/or --explain");
  }
  if (opt.shape.empty() && opt.model_path.empty()) {
    throw Error("give the model with --model MODEL or its shape with --shape L,H,KVH,D");
  }
  const compile::ModelShape shape = opt.model_path.empty()
                                        ? compile::parse_shape(opt.shape)
                                        : compile::shape_of_checkpoint(opt.model_path);
  compile::validate_options(opt.compile, shape);
  const compile::HeadScores scores =
      compile::read_lineage_scores(opt.scores_path, shape.n_layers, shape.n_heads);
  const runtime::Plan plan = compile::compile_plan(scores, shape, opt.compile);
  if (opt.explain) std::cout << compile::explain_plan(plan, scores);
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
  try {
    slkv::tools::finish_compile_options(app, opt);
    return run(opt);
  } catch (const slkv::Error& e) {
    std::fprintf(stderr, "slkv-compile: %s\n", e.what());
    return slkv::tools::kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slkv-compile: internal error: %s\n", e.what());
    return slkv::tools::kExitInternal;
  }
}
