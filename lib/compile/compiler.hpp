#pragma once
// Budget compilation: scores + model shape + options -> an immutable runtime::Plan.

#include <string>

#include "compile/head_scores.hpp"
#include "compile/options.hpp"
#include "runtime/plan.hpp"

namespace slkv::compile {

// Checks the options on their own (budget given once, ranges, names); throws slkv::Error with
// the flag's name and what is wrong.
void validate_options(const CompileOptions& options, const ModelShape& shape);

// Compiles a plan. Tokens mode: caps are whole tokens beyond the window, every cap in
// [min_cap, T - w] (T when --prompt-tokens is given), summing to exactly N (B_tot - w) for
// surfacelogic, uniform and adakv; real, headkv and pyramid reproduce their published
// formulas and keep those formulas' totals. Ratio mode: caps are shares of the model-wide pool
// N (r T - w), summing to 1 (see docs/method-notes.md). Throws slkv::Error when the scores do
// not fit the shape or the budget cannot be met.
runtime::Plan compile_plan(const HeadScores& scores, const ModelShape& shape,
                           const CompileOptions& options);

// The --explain table: per layer the total, min, median and max cap (tokens beyond the
// window; shares in ratio mode) and, when the scores carry flags, the label counts.
std::string explain_plan(const runtime::Plan& plan, const HeadScores& scores);

}  // namespace slkv::compile
