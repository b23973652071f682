#include "compile/compiler.hpp"

#include <gtest/gtest.h>

#include "compile/method.hpp"
#include "compile/plan_writer.hpp"
#include "core/error.hpp"
#include "runtime/plan_caps.hpp"
#include "runtime/plan_json.hpp"

namespace {

using slkv::compile::compile_plan;
using slkv::compile::CompileOptions;
using slkv::compile::HeadScores;
using slkv::compile::ModelShape;

HeadScores scores_2x4() {
  HeadScores s;
  s.n_layers = 2;
  s.n_heads = 4;
  s.kind = "lineage";
  s.direct = {0, 0.5, 0, 0.25, 0, 0, 1, 0};
  s.source_path = "/data/s.json";
  s.source_hash = "abc";
  return s;
}

const ModelShape kShape{2, 4, 2, 64, "", ""};

void expect_error(const CompileOptions& o, const std::string& needle,
                  const ModelShape& shape = kShape) {
  try {
    compile_plan(scores_2x4(), shape, o);
    ADD_FAILURE() << "no error, expected: " << needle;
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

CompileOptions budget(int64_t b) {
  CompileOptions o;
  o.budget_tokens = b;
  return o;
}

TEST(Compiler, RejectsBadOptions) {
  expect_error(CompileOptions{}, "exactly one");
  auto both = budget(64);
  both.budget_ratio = 0.1;
  expect_error(both, "exactly one");
  expect_error(budget(7), "cannot be met");
  auto floor = budget(20);
  floor.min_cap = 13;
  expect_error(floor, "cannot be met");
  auto method = budget(64);
  method.method = "snap";
  expect_error(method, "unknown method \"snap\"");
  auto beta = budget(64);
  beta.beta1 = 0.5;
  expect_error(beta, "--beta1");
  auto tau = budget(64);
  tau.tau = 0;
  expect_error(tau, "--tau");
  auto prompt = budget(512);
  prompt.prompt_tokens = 300;
  expect_error(prompt, "exceeds the prompt length 300");
  CompileOptions ratio;
  ratio.budget_ratio = 1.5;
  expect_error(ratio, "--ratio");
  ratio.budget_ratio = 0.2;
  ratio.method = "real";
  expect_error(ratio, "token budgets only");
  auto kernel = budget(64);
  kernel.pooling_kernel = 4;
  expect_error(kernel, "--kernel");
}

TEST(Compiler, RejectsShapeMismatch) {
  expect_error(budget(64), "scores are for 2 layers x 4 query heads", {3, 4, 2, 64, "", ""});
  expect_error(budget(64), "not a multiple", {2, 4, 3, 64, "", ""});
}

TEST(Compiler, ParsesShape) {
  const auto s = slkv::compile::parse_shape("32,32,8,128");
  EXPECT_EQ(s.n_layers, 32);
  EXPECT_EQ(s.n_heads, 32);
  EXPECT_EQ(s.n_kv_heads, 8);
  EXPECT_EQ(s.head_dim, 128);
  for (const char* bad :
       {"32,32,8", "32,32,8,128,1", "32,x,8,128", "32,32,0,128", "", "32,32,8,"}) {
    EXPECT_THROW(slkv::compile::parse_shape(bad), slkv::Error) << bad;
  }
}

TEST(Compiler, RecordsEveryParameterInThePlan) {
  auto o = budget(64);
  o.granularity = "query";
  o.window = 4;
  o.beta1 = 2.0;
  const auto plan = compile_plan(scores_2x4(), kShape, o);
  EXPECT_EQ(plan.granularity, slkv::runtime::Granularity::kQueryHead);
  EXPECT_EQ(plan.window, 4);
  EXPECT_EQ(plan.budget_value, 64.0);
  EXPECT_EQ(plan.method, "surfacelogic");
  EXPECT_EQ(plan.method_params.at("beta1").get<double>(), 2.0);
  EXPECT_EQ(plan.method_params.at("beta2").get<double>(), 1.351);
  EXPECT_EQ(plan.method_params.at("tau").get<double>(), 0.98);
  EXPECT_EQ(plan.source.kind, "lineage");
  EXPECT_EQ(plan.source.probe_set, "s.json");
  EXPECT_EQ(plan.source.hash, "abc");
  ASSERT_EQ(plan.caps.size(), 2u);
  EXPECT_EQ(plan.caps[0].size(), 4u);
  EXPECT_EQ(plan.gqa_aggregation, "none");  // query heads: nothing aggregated

  auto pyramid = budget(64);
  pyramid.method = "pyramid";
  pyramid.pyramid_beta = 10;
  const auto p = compile_plan(scores_2x4(), kShape, pyramid);
  EXPECT_EQ(p.method_params.at("pyramid_beta").get<double>(), 10.0);
  EXPECT_FALSE(p.method_params.contains("importance"));  // scores play no part
  auto real = budget(64);
  real.method = "real";
  const auto r = compile_plan(scores_2x4(), kShape, real);
  EXPECT_EQ(r.method_params.at("beta").get<double>(), 1.351);
  EXPECT_EQ(r.method_params.at("alpha").get<double>(), 0.5);
  EXPECT_EQ(r.method_params.at("importance"), "lineage mean score per query head");
}

TEST(Compiler, SameInputsGiveTheSameBytes) {
  const auto a = slkv::compile::plan_text(compile_plan(scores_2x4(), kShape, budget(100)));
  const auto b = slkv::compile::plan_text(compile_plan(scores_2x4(), kShape, budget(100)));
  EXPECT_EQ(a, b);
  const auto c = slkv::compile::plan_text(compile_plan(scores_2x4(), kShape, budget(101)));
  EXPECT_NE(a, c);
}

TEST(Compiler, ExplainShowsEveryLayerAndTheTotal) {
  const auto plan = compile_plan(scores_2x4(), kShape, budget(128));
  const auto text = slkv::compile::explain_plan(plan, scores_2x4());
  EXPECT_NE(text.find("layer"), std::string::npos) << text;
  EXPECT_NE(text.find("median"), std::string::npos) << text;
  EXPECT_NE(text.find("# total 480 tokens"), std::string::npos) << text;
  // One row per layer.
  EXPECT_NE(text.find("\n    0 "), std::string::npos) << text;
  EXPECT_NE(text.find("\n    1 "), std::string::npos) << text;
}

TEST(Compiler, EveryMethodWritesAPlanTheRuntimeLoads) {
  for (const auto& method : slkv::compile::method_names()) {
    for (const bool ratio : {false, true}) {
      for (const std::string gran : {"kv", "query"}) {
        CompileOptions o;
        o.method = method;
        o.granularity = gran;
        if (ratio) {
          if (!slkv::compile::find_method(method)->supports_ratio()) continue;
          o.budget_ratio = 0.25;
        } else {
          o.budget_tokens = 40;
        }
        const auto plan = compile_plan(scores_2x4(), kShape, o);
        const std::string text = slkv::compile::plan_text(plan);
        const auto loaded = slkv::runtime::plan_from_json(text, "roundtrip");
        EXPECT_EQ(loaded.caps, plan.caps) << method << " ratio " << ratio << " " << gran;
        EXPECT_EQ(loaded.method_params, plan.method_params) << method;
        EXPECT_EQ(slkv::runtime::plan_to_json(loaded), text) << method;
      }
    }
  }
}

TEST(Compiler, RatioPlanGivesTheRuntimeTheRequestedPool) {
  // Ratio 0.25 of a 1000-token prompt: B_tot = 250, w = 8, so 242 tokens per KV head beyond
  // the window, 2 layers x 2 KV heads = 968 in all. The runtime's caps_for_length makes the
  // caps; they must add up to that pool and stay close to the token-mode plan for 250.
  CompileOptions o;
  o.budget_ratio = 0.25;
  const auto plan = compile_plan(scores_2x4(), kShape, o);
  const auto tokens_plan = compile_plan(scores_2x4(), kShape, budget(250));
  int64_t total = 0;
  for (int64_t l = 0; l < 2; ++l) {
    std::vector<int64_t> caps(2);
    slkv::runtime::caps_for_length(plan, l, 1000, caps);
    for (int64_t k = 0; k < 2; ++k) {
      total += caps[k];
      EXPECT_NEAR(static_cast<double>(caps[k]), tokens_plan.caps[l][k], 0.02 * 242) << l;
    }
  }
  EXPECT_EQ(total, 4 * 242);
}

}  // namespace
