// --model: the plan takes its shape, arch and fingerprint from a real checkpoint.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/test_env.hpp"
#include "compile/compiler.hpp"
#include "compile/lineage_scores.hpp"
#include "core/error.hpp"

namespace {

TEST(ModelShape, PlanCarriesTheCheckpointIdentity) {
  SLKV_REQUIRE_MODEL(path, "smollm2-135m");
  const auto shape = slkv::compile::shape_of_checkpoint(path.string());
  // SmolLM2-135M: 30 layers, 9 query heads, 3 KV heads, head dim 64 (FORMATS.md section 5.1).
  EXPECT_EQ(shape.n_layers, 30);
  EXPECT_EQ(shape.n_heads, 9);
  EXPECT_EQ(shape.n_kv_heads, 3);
  EXPECT_EQ(shape.head_dim, 64);
  EXPECT_EQ(shape.arch, "llama");
  EXPECT_EQ(shape.fingerprint.size(), 32u);

  nlohmann::json doc = nlohmann::json::object();  // 30 x 9 query heads, a few levels
  for (int l = 0; l < 30; ++l) {
    for (int h = 0; h < 9; ++h) {
      doc[std::to_string(l) + "-" + std::to_string(h)] = {(l + h) % 4 * 0.1};
    }
  }
  const std::string text = doc.dump();
  const auto scores = slkv::compile::parse_lineage_scores(text, "smol.json", 30, 9);
  slkv::compile::CompileOptions o;
  o.budget_tokens = 64;
  const auto plan = slkv::compile::compile_plan(scores, shape, o);
  EXPECT_EQ(plan.model.fingerprint, shape.fingerprint);
  EXPECT_EQ(plan.model.arch, "llama");
  ASSERT_EQ(plan.caps.size(), 30u);
  EXPECT_EQ(plan.caps[0].size(), 3u);  // KV-head granularity

  // Llama-3-8B scores do not fit this model.
  EXPECT_THROW(slkv::compile::parse_lineage_scores(R"({"31-31": [1]})", "llama.json",
                                                   shape.n_layers, shape.n_heads),
               slkv::Error);
}

TEST(ModelShape, UnreadableCheckpointNamesTheFile) {
  try {
    slkv::compile::shape_of_checkpoint("/nonexistent/model.gguf");
    ADD_FAILURE();
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.gguf"), std::string::npos);
  }
}

}  // namespace
