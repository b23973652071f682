// slkv.hpp: RAII plan and exceptions carrying the status.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan_fixture.hpp"
#include "runtime/plan_json.hpp"
#include "slkv/slkv.hpp"

namespace {

slkv_model_desc model(int64_t n_kv_heads) {
  slkv_model_desc m;
  slkv_model_desc_init(&m);
  m.n_layers = 3;
  m.n_heads = 8;
  m.n_kv_heads = n_kv_heads;
  m.head_dim = 16;
  return m;
}

TEST(RuntimeCppWrapper, LoadsQueriesAndThrowsWithStatus) {
  std::string text = slkv::runtime::plan_to_json(slkv::test::sample_plan());
  slkv::Plan plan = slkv::Plan::load_memory(text, "plan.json", model(2));
  EXPECT_EQ(plan.info().n_plan_heads, 2);
  EXPECT_EQ(plan.caps(0, 29), (std::vector<int64_t>{25, 15}));
  slkv::Plan moved = std::move(plan);
  EXPECT_EQ(moved.caps(2, 1000), (std::vector<int64_t>{20, 20}));
  try {
    slkv::Plan::load_memory(text, "plan.json", model(4));
    FAIL() << "expected a model mismatch";
  } catch (const slkv::RuntimeError& e) {
    EXPECT_EQ(e.status(), SLKV_ERROR_MODEL_MISMATCH);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("n_kv_heads 2, the model has 4"));
  }
  EXPECT_THROW(moved.caps(7, 10), slkv::RuntimeError);
}

}  // namespace
