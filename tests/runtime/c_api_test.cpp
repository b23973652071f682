// The C ABI of libslkv_runtime.so: plan load checks and messages, caps, selection and
// compaction through the shared library, compared with the C++ implementation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "plan_fixture.hpp"
#include "runtime/plan_caps.hpp"
#include "runtime/plan_json.hpp"
#include "runtime/select.hpp"
#include "slkv/slkv.h"

namespace {

using slkv::runtime::plan_to_json;
using ::testing::HasSubstr;

slkv_model_desc sample_model() {
  slkv_model_desc m;
  slkv_model_desc_init(&m);
  m.arch = "llama";
  m.n_layers = 3;
  m.n_heads = 8;
  m.n_kv_heads = 2;
  m.head_dim = 16;
  m.fingerprint = "0123456789abcdef0123456789abcdef";
  return m;
}

slkv_status load(const std::string& text, const slkv_model_desc& m, slkv_plan** plan) {
  return slkv_plan_load_memory(text.data(), text.size(), "plan.json", &m, plan);
}

TEST(RuntimeCApi, StatusNamesAreStable) {
  EXPECT_STREQ(slkv_status_name(SLKV_OK), "SLKV_OK");
  EXPECT_STREQ(slkv_status_name(SLKV_ERROR_CHECKSUM), "SLKV_ERROR_CHECKSUM");
  EXPECT_STREQ(slkv_status_name(SLKV_ERROR_MODEL_MISMATCH), "SLKV_ERROR_MODEL_MISMATCH");
  EXPECT_STREQ(slkv_status_name(static_cast<slkv_status>(999)), "SLKV_UNKNOWN_STATUS");
  EXPECT_STREQ(slkv_version(), SLKV_TEST_VERSION);
}

TEST(RuntimeCApi, LoadsAndDescribesAPlan) {
  std::string text = plan_to_json(slkv::test::sample_plan());
  slkv_model_desc m = sample_model();
  slkv_plan* plan = nullptr;
  ASSERT_EQ(load(text, m, &plan), SLKV_OK) << slkv_last_error();
  slkv_plan_info info;
  slkv_plan_info_init(&info);
  ASSERT_EQ(slkv_plan_get_info(plan, &info), SLKV_OK);
  EXPECT_EQ(info.n_plan_heads, 2);
  EXPECT_EQ(info.granularity, SLKV_GRANULARITY_KV_HEAD);
  EXPECT_EQ(info.window, 4);
  EXPECT_EQ(info.pool_kernel, 7);
  EXPECT_STREQ(info.method, "surfacelogic");
  int64_t caps[2] = {-1, -1};
  ASSERT_EQ(slkv_plan_caps(plan, 1, 1000, caps, 2), SLKV_OK);
  EXPECT_EQ(caps[0], 2);
  EXPECT_EQ(caps[1], 38);
  EXPECT_EQ(slkv_plan_caps(plan, 3, 1000, caps, 2), SLKV_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(slkv_plan_last_error(plan), HasSubstr("layer 3"));
  EXPECT_EQ(slkv_plan_caps(plan, 0, 1000, caps, 1), SLKV_ERROR_BUFFER_TOO_SMALL);
  slkv_plan_free(plan);
}

TEST(RuntimeCApi, LoadsFromFileAndReportsMissingFile) {
  auto path = std::filesystem::temp_directory_path() / "slkv_c_api_test_plan.json";
  std::ofstream(path) << plan_to_json(slkv::test::sample_plan());
  slkv_model_desc m = sample_model();
  slkv_plan* plan = nullptr;
  ASSERT_EQ(slkv_plan_load_file(path.c_str(), &m, &plan), SLKV_OK) << slkv_last_error();
  slkv_plan_free(plan);
  std::filesystem::remove(path);
  EXPECT_EQ(slkv_plan_load_file(path.c_str(), &m, &plan), SLKV_ERROR_IO);
  EXPECT_EQ(plan, nullptr);
  EXPECT_THAT(slkv_last_error(), HasSubstr("slkv_c_api_test_plan.json: cannot open"));
}

TEST(RuntimeCApi, RefusesAPlanForAnotherModel) {
  std::string text = plan_to_json(slkv::test::sample_plan());
  struct Case {
    void (*edit)(slkv_model_desc&);
    const char* message;
  };
  const Case cases[] = {
      {[](slkv_model_desc& m) { m.n_layers = 4; }, "plan is for n_layers 3, the model has 4"},
      {[](slkv_model_desc& m) { m.n_heads = 16; }, "plan is for n_heads 8, the model has 16"},
      {[](slkv_model_desc& m) { m.n_kv_heads = 4; }, "plan is for n_kv_heads 2, the model has 4"},
      {[](slkv_model_desc& m) { m.head_dim = 64; }, "plan is for head_dim 16, the model has 64"},
      {[](slkv_model_desc& m) { m.arch = "gemma3"; }, "plan is for arch \"llama\""},
      {[](slkv_model_desc& m) { m.fingerprint = "ffffffffffffffffffffffffffffffff"; },
       "plan is for model fingerprint 0123456789abcdef0123456789abcdef"},
  };
  for (const Case& c : cases) {
    slkv_model_desc m = sample_model();
    c.edit(m);
    slkv_plan* plan = reinterpret_cast<slkv_plan*>(0x1);
    EXPECT_EQ(load(text, m, &plan), SLKV_ERROR_MODEL_MISMATCH) << c.message;
    EXPECT_EQ(plan, nullptr);
    EXPECT_THAT(slkv_last_error(), HasSubstr(std::string("plan.json: ") + c.message));
  }
  // A model description without fingerprint/arch is checked on shape only.
  slkv_model_desc m = sample_model();
  m.fingerprint = nullptr;
  m.arch = nullptr;
  slkv_plan* plan = nullptr;
  EXPECT_EQ(load(text, m, &plan), SLKV_OK);
  slkv_plan_free(plan);
}

TEST(RuntimeCApi, MapsPlanErrorsToStatuses) {
  std::string text = plan_to_json(slkv::test::sample_plan());
  slkv_model_desc m = sample_model();
  slkv_plan* plan = nullptr;
  std::string tampered = text;
  tampered.replace(tampered.find("[2, 38]"), 7, "[2, 39]");
  EXPECT_EQ(load(tampered, m, &plan), SLKV_ERROR_CHECKSUM);
  EXPECT_THAT(slkv_last_error(), HasSubstr("checksum mismatch"));
  std::string v2 = text;
  v2.replace(v2.find("\"version\": 1"), 12, "\"version\": 2");
  EXPECT_EQ(load(v2, m, &plan), SLKV_ERROR_SCHEMA);
  EXPECT_EQ(load("{not json", m, &plan), SLKV_ERROR_PARSE);
  std::string missing = text;
  missing.replace(missing.find("\"window\": 4,\n"), 13, "");
  EXPECT_EQ(load(missing, m, &plan), SLKV_ERROR_INVALID_PLAN);
  EXPECT_THAT(slkv_last_error(), HasSubstr("missing member 'window'"));
  EXPECT_EQ(slkv_plan_load_memory(text.data(), text.size(), "x", nullptr, &plan),
            SLKV_ERROR_INVALID_ARGUMENT);
  slkv_model_desc old = m;
  old.struct_size = 4;
  EXPECT_EQ(load(text, old, &plan), SLKV_ERROR_INVALID_ARGUMENT);
}

// Selection and compaction through the C ABI equal the C++ implementation.
TEST(RuntimeCApi, SelectAndCompactMatchCpp) {
  slkv::runtime::Plan p = slkv::test::sample_plan();
  std::string text = plan_to_json(p);
  slkv_model_desc m = sample_model();
  slkv_plan* plan = nullptr;
  ASSERT_EQ(load(text, m, &plan), SLKV_OK);
  const int64_t t = 60, rows = 4, hq = 8, hkv = 2, d = 16;
  std::mt19937 rng(3);
  std::vector<float> probs(hq * rows * t);
  for (auto& x : probs) x = static_cast<float>(rng() % 5) / 8.0f;
  std::vector<int64_t> caps(2);
  ASSERT_EQ(slkv_plan_caps(plan, 0, t, caps.data(), caps.size()), SLKV_OK);
  EXPECT_EQ(caps, (std::vector<int64_t>{30, 10}));

  slkv_select_params sp;
  slkv_select_params_init(&sp);
  sp.n_tokens = t;
  sp.probs = probs.data();
  sp.caps = caps.data();
  size_t ws_bytes = 0;
  ASSERT_EQ(slkv_select_workspace_size(plan, &sp, &ws_bytes), SLKV_OK);
  std::vector<float> ws(ws_bytes / sizeof(float));
  std::vector<int32_t> kept(hkv * t), n_kept(hkv);
  std::vector<float> pooled(hkv * (t - 4));
  sp.workspace = ws.data();
  sp.workspace_bytes = ws_bytes;
  sp.kept = kept.data();
  sp.kept_stride = t;
  sp.n_kept = n_kept.data();
  sp.pooled_scores = pooled.data();
  ASSERT_EQ(slkv_select(plan, &sp), SLKV_OK) << slkv_plan_last_error(plan);

  slkv::runtime::SelectConfig cfg{hq, hkv, t, rows, 4, slkv::runtime::PoolKind::kMax, 7, true};
  slkv::runtime::ScoreInput in;
  in.probs = probs.data();
  std::vector<float> ws2(static_cast<size_t>(slkv::runtime::select_workspace_floats(cfg, in)));
  std::vector<int32_t> kept2(hkv * t), n_kept2(hkv);
  const char* error = nullptr;
  ASSERT_TRUE(slkv::runtime::select_layer(cfg, in, caps, 0, hkv, ws2,
                                          {nullptr, kept2.data(), t, n_kept2.data()}, &error));
  EXPECT_EQ(n_kept, n_kept2);
  EXPECT_EQ(n_kept, (std::vector<int32_t>{34, 14}));
  EXPECT_EQ(kept, kept2);

  // Workspace too small and stride too small are reported, not overrun.
  sp.workspace_bytes = ws_bytes - 4;
  EXPECT_EQ(slkv_select(plan, &sp), SLKV_ERROR_BUFFER_TOO_SMALL);
  sp.workspace_bytes = ws_bytes;
  sp.kept_stride = 20;
  EXPECT_EQ(slkv_select(plan, &sp), SLKV_ERROR_BUFFER_TOO_SMALL);
  sp.kept_stride = t;
  sp.q = probs.data();  // two sources
  EXPECT_EQ(slkv_select(plan, &sp), SLKV_ERROR_INVALID_ARGUMENT);
  sp.q = nullptr;

  // Compaction of an HND K cache, then appends until the slack runs out.
  std::vector<float> k(hkv * t * d);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<float>(i);
  std::vector<int64_t> offsets(hkv + 1);
  std::vector<int32_t> lengths(hkv);
  ASSERT_EQ(slkv_compact_layout(n_kept.data(), hkv, 2, offsets.data(), lengths.data()), SLKV_OK);
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 36, 52}));
  std::vector<float> cache(offsets[hkv] * d, -1.0f);
  slkv_compact_params cp;
  slkv_compact_params_init(&cp);
  cp.n_tokens = t;
  cp.n_kv_heads = hkv;
  cp.n_plan_heads = hkv;
  cp.head_dim = d;
  cp.layout = SLKV_LAYOUT_HND;
  cp.src = k.data();
  cp.kept = kept.data();
  cp.kept_stride = t;
  cp.offsets = offsets.data();
  cp.lengths = lengths.data();
  cp.dst = cache.data();
  ASSERT_EQ(slkv_compact_gather(&cp), SLKV_OK) << slkv_last_error();
  for (int64_t h = 0; h < hkv; ++h)
    for (int32_t i = 0; i < lengths[h]; ++i)
      ASSERT_EQ(cache[(offsets[h] + i) * d + 3], k[(h * t + kept[h * t + i]) * d + 3]);
  std::vector<float> token(hkv * d, 7.0f);
  EXPECT_EQ(slkv_compact_append(&cp, token.data()), SLKV_OK);
  EXPECT_EQ(slkv_compact_append(&cp, token.data()), SLKV_OK);
  EXPECT_EQ(slkv_compact_append(&cp, token.data()), SLKV_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(lengths, (std::vector<int32_t>{36, 16}));
  EXPECT_EQ(cache[(offsets[1] + 15) * d], 7.0f);
  slkv_plan_free(plan);
}

TEST(RuntimeCApi, CudaEntryPointsFailCleanlyWithoutDevice) {
  if (slkv_cuda_available()) GTEST_SKIP() << "a CUDA device is present (see gpu tests)";
  slkv_compact_params cp;
  slkv_compact_params_init(&cp);
  slkv_status s = slkv_cuda_compact_gather(&cp);
  EXPECT_NE(s, SLKV_OK);
  EXPECT_STRNE(slkv_last_error(), "");
}

}  // namespace
