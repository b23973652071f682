// `real`, `headkv` and `surfacelogic` against the independent NumPy implementation of
// METHOD.md's formulas (tests/reference/compile_reference.py), head by head, on the four
// lineage score files at budgets 64, 128, 512 and 2048: query-head granularity, and for
// surfacelogic also KV heads with sum aggregation. Integer caps compare exactly.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/test_env.hpp"
#include "compile/compiler.hpp"
#include "compile/lineage_scores.hpp"
#include "core/atomic_file.hpp"

namespace {

const char* const kLineageFiles[] = {
    "headkv-Meta-Llama-3-8B-Instruct_retrieval_heads",
    "headkv-Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads",
    "headkv-Mistral-7B-Instruct-v0.2_retrieval_heads",
    "headkv-Mistral-7B-Instruct-v0.2_retrieval_reasoning_heads",
};

class ReferenceGolden : public testing::TestWithParam<const char*> {};

TEST_P(ReferenceGolden, RealAndHeadKvMatchHeadByHead) {
  const std::string stem = GetParam();
  const auto lineage = slkv::test::shared_dir() / "data" / "lineage" / (stem + ".json");
  if (!std::filesystem::exists(lineage)) GTEST_SKIP() << lineage << " not present";
  const auto golden_path =
      slkv::test::source_dir() / "tests" / "data" / "compile" / (stem + ".golden.json");
  const auto golden = nlohmann::json::parse(slkv::read_file(golden_path.string()));

  const slkv::compile::ModelShape shape{32, 32, 8, 128, "", ""};
  const auto scores = slkv::compile::read_lineage_scores(lineage.string(), 32, 32);
  int compared = 0;
  for (const std::string method : {"headkv", "real"}) {
    for (const int64_t b_tot : {64, 128, 512, 2048}) {
      slkv::compile::CompileOptions o;
      o.method = method;
      o.budget_tokens = b_tot;
      o.granularity = "query";
      o.window = golden.at("window").get<int64_t>();
      o.beta1 = golden.at("beta").get<double>();
      o.tau = golden.at("tau").get<double>();
      const auto plan = slkv::compile::compile_plan(scores, shape, o);
      const auto& want = golden.at("caps").at(method).at(std::to_string(b_tot));
      ASSERT_EQ(want.size(), 32u);
      for (size_t l = 0; l < 32; ++l) {
        ASSERT_EQ(want[l].size(), 32u);
        for (size_t h = 0; h < 32; ++h) {
          EXPECT_EQ(plan.caps[l][h], want[l][h].get<double>())
              << method << " B_tot " << b_tot << " layer " << l << " query head " << h;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 2 * 4 * 32 * 32);
}

TEST_P(ReferenceGolden, SurfaceLogicMatchesHeadByHead) {
  const std::string stem = GetParam();
  const auto lineage = slkv::test::shared_dir() / "data" / "lineage" / (stem + ".json");
  if (!std::filesystem::exists(lineage)) GTEST_SKIP() << lineage << " not present";
  const auto golden_path =
      slkv::test::source_dir() / "tests" / "data" / "compile" / (stem + ".golden.json");
  const auto golden = nlohmann::json::parse(slkv::read_file(golden_path.string()));

  const slkv::compile::ModelShape shape{32, 32, 8, 128, "", ""};
  const auto scores = slkv::compile::read_lineage_scores(lineage.string(), 32, 32);
  int compared = 0;
  for (const std::string gran : {"query", "kv"}) {
    for (const int64_t b_tot : {64, 128, 512, 2048}) {
      slkv::compile::CompileOptions o;
      o.budget_tokens = b_tot;
      o.granularity = gran;
      o.gqa = "sum";
      o.window = golden.at("window").get<int64_t>();
      o.beta1 = o.beta2 = golden.at("beta").get<double>();
      o.tau = golden.at("tau").get<double>();
      const auto plan = slkv::compile::compile_plan(scores, shape, o);
      const std::string key = gran == "query" ? "surfacelogic_query" : "surfacelogic_kv_sum";
      const auto& want = golden.at("caps").at(key).at(std::to_string(b_tot));
      const size_t n_heads = gran == "query" ? 32 : 8;
      ASSERT_EQ(want.size(), 32u);
      for (size_t l = 0; l < 32; ++l) {
        ASSERT_EQ(want[l].size(), n_heads);
        for (size_t h = 0; h < n_heads; ++h) {
          EXPECT_EQ(plan.caps[l][h], want[l][h].get<double>())
              << gran << " B_tot " << b_tot << " layer " << l << " head " << h;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 4 * 32 * (32 + 8));
}

INSTANTIATE_TEST_SUITE_P(LineageFiles, ReferenceGolden, testing::ValuesIn(kLineageFiles));

}  // namespace
