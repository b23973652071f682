// Methods decided at run time, through the C ABI: Ada-KV's split against the NumPy reference of
// the published rule (tests/reference/adakv_reference.py -> golden/adakv_caps.json), and the
// streaming (attention sinks + recent) selection.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/plan_json.hpp"
#include "slkv/slkv.hpp"

namespace slkv {
namespace {

runtime::Plan plan_of(const std::string& method, int64_t n_heads, int64_t window) {
  runtime::Plan p;
  p.model = {"llama", 1, n_heads, n_heads, 8, ""};
  p.source = {"profile", "test", "test", 0, "test"};
  p.window = window;
  p.method = method;
  p.budget_value = 16;
  p.caps = {std::vector<double>(static_cast<size_t>(n_heads), 8.0)};
  return p;
}

slkv_model_desc desc_of(int64_t n_heads) {
  slkv_model_desc d;
  slkv_model_desc_init(&d);
  d.n_layers = 1;
  d.n_heads = n_heads;
  d.n_kv_heads = n_heads;
  d.head_dim = 8;
  return d;
}

TEST(AdaKv, RunTimeSplitMatchesTheNumpyReferenceOfThePublishedRule) {
  std::ifstream in(std::string(SLKV_SOURCE_DIR) + "/tests/reference/golden/adakv_caps.json");
  ASSERT_TRUE(in) << "golden missing: run tests/reference/adakv_reference.py";
  const nlohmann::json golden = nlohmann::json::parse(in);
  ASSERT_GE(golden["cases"].size(), 10u);
  for (const auto& c : golden["cases"]) {
    const std::vector<int64_t> caps_in = c["caps_in"];
    const std::vector<int64_t> want = c["caps_out"];
    const std::vector<float> pooled = c["pooled"];
    const auto n_heads = static_cast<int64_t>(caps_in.size());
    const int64_t n_cand = c["n_candidates"];
    const int64_t window = 4;
    runtime::Plan p = plan_of("adakv", n_heads, window);
    p.method_params = {{"floor_fraction", 0.2}, {"adaptive_fraction", 0.8}};
    const Plan plan = Plan::load_memory(runtime::plan_to_json(p), "adakv", desc_of(n_heads));
    ASSERT_TRUE(slkv_plan_is_adaptive(plan.get()));
    std::vector<int64_t> caps = caps_in;
    check(slkv_plan_adaptive_caps(plan.get(), 0, n_cand + window, pooled.data(), caps.data(),
                                  caps.size()));
    EXPECT_EQ(caps, want);
  }
}

TEST(AdaKv, OtherPlansAreLeftAloneAndBadInputIsRefused) {
  const Plan plan =
      Plan::load_memory(runtime::plan_to_json(plan_of("uniform", 2, 4)), "u", desc_of(2));
  EXPECT_FALSE(slkv_plan_is_adaptive(plan.get()));
  std::vector<int64_t> caps = {3, 5};
  const std::vector<float> pooled(2 * 6, 0.5f);
  EXPECT_EQ(slkv_plan_adaptive_caps(plan.get(), 0, 10, pooled.data(), caps.data(), 2), SLKV_OK);
  EXPECT_EQ(caps, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(slkv_plan_adaptive_caps(plan.get(), 1, 10, pooled.data(), caps.data(), 2),
            SLKV_ERROR_INVALID_ARGUMENT);  // no layer 1
  EXPECT_EQ(slkv_plan_adaptive_caps(plan.get(), 0, 10, pooled.data(), caps.data(), 1),
            SLKV_ERROR_INVALID_ARGUMENT);  // caps too short
  runtime::Plan bad = plan_of("adakv", 2, 4);
  bad.method_params = {{"floor_fraction", 3.0}};
  EXPECT_THROW(runtime::plan_to_json(bad), runtime::PlanError);  // the loader's validation too
  runtime::Plan sinks = plan_of("streaming", 2, 4);
  sinks.method_params = {{"sink_tokens", -1}};
  EXPECT_THROW(runtime::plan_to_json(sinks), runtime::PlanError);
}

TEST(Streaming, KeepsSinksRecentTokensAndTheWindowWithoutScores) {
  runtime::Plan p = plan_of("streaming", 2, 4);
  p.method_params = {{"sink_tokens", 3}};
  const Plan plan = Plan::load_memory(runtime::plan_to_json(p), "s", desc_of(2));
  const int64_t T = 20;
  const std::vector<int64_t> caps = {5, 2};
  std::vector<int32_t> kept(2 * T), n_kept(2);
  slkv_select_params sel;
  slkv_select_params_init(&sel);
  sel.n_tokens = T;
  sel.caps = caps.data();
  sel.kept = kept.data();
  sel.kept_stride = T;
  sel.n_kept = n_kept.data();
  std::vector<unsigned char> ws(plan.select_workspace_size(sel));
  sel.workspace = ws.data();
  sel.workspace_bytes = ws.size();
  plan.select(sel);  // probs = q = NULL: streaming needs no scores
  ASSERT_EQ(n_kept[0], 9);
  EXPECT_EQ(std::vector<int32_t>(kept.begin(), kept.begin() + 9),
            (std::vector<int32_t>{0, 1, 2, 14, 15, 16, 17, 18, 19}));
  ASSERT_EQ(n_kept[1], 6);  // cap 2 < sinks: only sinks, then the window
  EXPECT_EQ(std::vector<int32_t>(kept.begin() + T, kept.begin() + T + 6),
            (std::vector<int32_t>{0, 1, 16, 17, 18, 19}));
}

}  // namespace
}  // namespace slkv
