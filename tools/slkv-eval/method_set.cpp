#include "method_set.hpp"

#include <cstdio>
#include <filesystem>
#include <set>

#include "compile/compiler.hpp"
#include "compile/plan_writer.hpp"
#include "compile/profile_input.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace slkv::evaltool {
namespace {

std::string budget_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

EvalMethod from_text(const std::string& text, const std::string& source,
                     const slkv_model_desc& model) {
  EvalMethod m;
  m.plan = Plan::load_memory(text, source, model);
  const slkv_plan_info info = m.plan->info();
  m.method = info.method;
  m.budget_mode = info.budget_mode == SLKV_BUDGET_TOKENS ? "tokens" : "ratio";
  m.budget = info.budget_value;
  m.window = info.window;
  m.source = source;
  m.plan_hash = hash_hex(text);
  m.name = m.method + "@" + budget_label(m.budget);
  if (info.granularity == SLKV_GRANULARITY_QUERY_HEAD) m.name += "/q";
  return m;
}

}  // namespace

std::vector<EvalMethod> build_methods(const EvalOptions& o, const slkv_model_desc& model) {
  std::vector<EvalMethod> out;
  EvalMethod full;
  full.name = "fullkv";
  full.method = "fullkv";
  full.budget_mode = "full";
  out.push_back(std::move(full));

  for (const std::string& path : o.plans) {
    try {
      EvalMethod m = from_text(read_file(path), path, model);
      // A plan file's row is named after the file (plan-64.json -> plan-64).
      std::string stem = std::filesystem::path(path).stem().string();
      if (!stem.empty()) m.name = stem;
      out.push_back(std::move(m));
    } catch (const RuntimeError& e) {
      throw Error(path + ": " + e.what());
    }
  }
  if (!o.profile.empty()) {
    if (o.methods.empty()) throw Error("--profile needs --methods");
    if (o.budgets.empty() && o.ratios.empty())
      throw Error("--profile needs --budgets and/or --ratios");
    const compile::ProfileInput input = compile::read_profile_input(o.profile);
    if (!input.shape.fingerprint.empty() && model.fingerprint &&
        input.shape.fingerprint != model.fingerprint) {
      throw Error(o.profile + ": the profile was made for another model (fingerprint " +
                  input.shape.fingerprint + ", the model's is " + model.fingerprint + ")");
    }
    for (const std::string& method : o.methods) {
      auto compile_one = [&](std::optional<int64_t> tokens, std::optional<double> ratio) {
        compile::CompileOptions c;
        c.method = method;
        c.budget_tokens = tokens;
        c.budget_ratio = ratio;
        c.window = o.window;
        c.pooling_kernel = o.pool_kernel;
        c.granularity = o.granularity;
        c.seed = o.seed;
        c.sink_tokens = o.sink_tokens;
        c.adakv_floor_fraction = o.adakv_floor;
        c.beta1 = o.beta1;
        c.beta2 = o.beta2;
        c.importance = o.importance;
        c.uniform_mix = o.uniform_mix;
        compile::validate_options(c, input.shape);
        const std::string text =
            compile::plan_text(compile::compile_plan(input.scores, input.shape, c));
        EvalMethod m = from_text(text, o.profile + " (" + method + ")", model);
        m.source = "profile";
        out.push_back(std::move(m));
      };
      for (int64_t b : o.budgets) compile_one(b, std::nullopt);
      for (double r : o.ratios) compile_one(std::nullopt, r);
    }
  }
  std::set<std::string> names;
  for (EvalMethod& m : out) {
    std::string name = m.name;
    for (int i = 2; names.count(name); ++i) name = m.name + "#" + std::to_string(i);
    m.name = name;
    names.insert(name);
  }
  return out;
}

}  // namespace slkv::evaltool
