// Hostile inputs to the runtime's C ABI (issue 9, items 5, 6, 11): plans whose shares, kernels,
// labels or members are out of bounds, caps for extreme prompt lengths, and compaction layouts
// that would write outside dst. Every call must return a status, never write out of bounds,
// never hang.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "plan_fixture.hpp"
#include "runtime/plan_json.hpp"
#include "slkv/slkv.h"

namespace {

using slkv::runtime::Plan;
using ::testing::HasSubstr;

slkv_model_desc model_of(const Plan& p) {
  slkv_model_desc m;
  slkv_model_desc_init(&m);
  m.n_layers = p.model.n_layers;
  m.n_heads = p.model.n_heads;
  m.n_kv_heads = p.model.n_kv_heads;
  m.head_dim = p.model.head_dim;
  return m;
}

// The plan's JSON with its checksum, also for plans validate_plan refuses (so that a refusal
// comes from validation, not from the checksum).
std::string text_of(const Plan& p) {
  Plan valid = slkv::test::sample_plan(p.budget_mode);
  std::string text = slkv::runtime::plan_to_json(valid);
  nlohmann::json j = nlohmann::json::parse(text);
  j["caps"] = p.caps;
  j["labels"] = p.labels;
  j["pooling"]["kernel"] = p.pooling_kernel;
  j["model"]["n_layers"] = p.model.n_layers;
  j["model"]["n_heads"] = p.model.n_heads;
  j["model"]["n_kv_heads"] = p.model.n_kv_heads;
  j["checksum"] = slkv::runtime::plan_checksum(p);
  return j.dump();
}

slkv_status load_text(const std::string& text, const slkv_model_desc& m, slkv_plan** plan) {
  return slkv_plan_load_memory(text.data(), text.size(), "hostile.json", &m, plan);
}

TEST(RuntimeHostile, RefusesSharesThatAreHugeOrNotFinite) {
  for (double bad : {1e308, std::numeric_limits<double>::infinity(), 1e31}) {
    Plan p = slkv::test::sample_plan(slkv::runtime::BudgetMode::kRatio);
    p.caps[1][0] = bad;
    slkv_plan* plan = nullptr;
    const std::string text = text_of(p);
    // (JSON has no infinity: nlohmann writes null, which is "not a number".)
    EXPECT_EQ(load_text(text, model_of(p), &plan), SLKV_ERROR_INVALID_PLAN) << bad;
    EXPECT_THAT(slkv_last_error(), HasSubstr("caps[1][0]"));
    EXPECT_EQ(plan, nullptr);
  }
}

TEST(RuntimeHostile, RefusesHugeTokenCapsKernelsShapesAndUnknownLabels) {
  struct Case {
    const char* expect;
    void (*edit)(Plan&);
  };
  const Case cases[] = {
      {"caps[0][0] must be an integer", [](Plan& p) { p.caps[0][0] = 9.0e15; }},
      {"pooling.kernel must be odd and in [1, 255]", [](Plan& p) { p.pooling_kernel = 100001; }},
      {"pooling.kernel must be odd and in [1, 255]", [](Plan& p) { p.pooling_kernel = 257; }},
      {"labels[1][0] is \"Surface\"", [](Plan& p) { p.labels[1][0] = "Surface"; }},
      {"labels[2][1] is \"\"", [](Plan& p) { p.labels[2][1] = ""; }},
      {"model shape is too large", [](Plan& p) { p.model.n_layers = int64_t{1} << 40; }},
  };
  for (const Case& c : cases) {
    Plan p = slkv::test::sample_plan();
    c.edit(p);
    slkv_plan* plan = nullptr;
    slkv_model_desc m = model_of(slkv::test::sample_plan());
    m.n_layers = p.model.n_layers;
    EXPECT_EQ(load_text(text_of(p), m, &plan), SLKV_ERROR_INVALID_PLAN) << c.expect;
    EXPECT_THAT(slkv_last_error(), HasSubstr(c.expect));
    EXPECT_EQ(plan, nullptr);
  }
}

TEST(RuntimeHostile, RefusesDuplicateMembersAtAnyDepth) {
  const Plan p = slkv::test::sample_plan();
  const std::string text = slkv::runtime::plan_to_json(p);
  const std::string top = text.substr(0, text.rfind('}')) + ", \"window\": 5}\n";
  std::string nested = text;
  nested.replace(nested.find("\"kernel\": 7"), 11, "\"kernel\": 7, \"kernel\": 3");
  for (const std::string& t : {top, nested}) {
    slkv_plan* plan = nullptr;
    EXPECT_EQ(load_text(t, model_of(p), &plan), SLKV_ERROR_PARSE);
    EXPECT_THAT(slkv_last_error(), HasSubstr("appears twice"));
    EXPECT_EQ(plan, nullptr);
  }
  // The same key in two different objects is fine ("kind" in source and pooling).
  slkv_plan* plan = nullptr;
  EXPECT_EQ(load_text(text, model_of(p), &plan), SLKV_OK) << slkv_last_error();
  slkv_plan_free(plan);
}

// Caps for any prompt length up to INT32_MAX come back quickly and sum to the pool; longer
// prompts are refused; shares across 300 orders of magnitude behave.
TEST(RuntimeHostile, CapsAreExactAndFastForExtremeLengthsAndShares) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> exponent(-300.0, 30.0);
  for (int trial = 0; trial < 20; ++trial) {
    Plan p = slkv::test::sample_plan(slkv::runtime::BudgetMode::kRatio);
    for (auto& row : p.caps)
      for (auto& c : row) c = trial % 2 ? std::pow(10.0, exponent(rng)) : 1e30;
    slkv_plan* plan = nullptr;
    ASSERT_EQ(load_text(text_of(p), model_of(p), &plan), SLKV_OK) << slkv_last_error();
    for (int64_t T : {int64_t{0}, int64_t{5}, int64_t{1000}, int64_t{INT32_MAX}}) {
      const auto t0 = std::chrono::steady_clock::now();
      int64_t total = 0;
      for (int64_t layer = 0; layer < 3; ++layer) {
        std::vector<int64_t> caps(2, -1);
        ASSERT_EQ(slkv_plan_caps(plan, layer, T, caps.data(), caps.size()), SLKV_OK)
            << slkv_last_error();
        for (int64_t c : caps) {
          EXPECT_GE(c, 0);
          EXPECT_LE(c, std::max<int64_t>(0, T - p.window));
        }
        total += std::accumulate(caps.begin(), caps.end(), int64_t{0});
      }
      const double per_head = std::max(0.0, p.budget_value * static_cast<double>(T) - 4.0);
      EXPECT_EQ(total, static_cast<int64_t>(std::floor(6 * per_head))) << "T " << T;
      EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
    }
    std::vector<int64_t> caps(2);
    for (int64_t T : {int64_t{INT32_MAX} + 1, INT64_MAX, int64_t{-1}}) {
      EXPECT_EQ(slkv_plan_caps(plan, 0, T, caps.data(), caps.size()), SLKV_ERROR_INVALID_ARGUMENT);
    }
    slkv_plan_free(plan);
  }
}

TEST(RuntimeHostile, CompactLayoutRefusesOverflowAndWritesNothing) {
  const int32_t n_kept[3] = {INT32_MAX, INT32_MAX, 1};
  std::vector<int64_t> offsets(4, -7);
  std::vector<int32_t> lengths(3, -7);
  EXPECT_EQ(slkv_compact_layout(n_kept, 3, INT64_MAX / 2, offsets.data(), lengths.data()),
            SLKV_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(slkv_last_error(), HasSubstr("overflow"));
  const int32_t negative[2] = {3, -1};
  EXPECT_EQ(slkv_compact_layout(negative, 2, 0, offsets.data(), lengths.data()),
            SLKV_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(slkv_compact_layout(n_kept, 2, -1, offsets.data(), lengths.data()),
            SLKV_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(offsets, std::vector<int64_t>(4, -7));
  EXPECT_EQ(lengths, std::vector<int32_t>(3, -7));
}

// Every kind of layout that points outside dst: refused before any byte is written. dst is
// surrounded by canaries; a write outside it would also trip ASan in the sanitizer pass.
TEST(RuntimeHostile, GatherAndAppendRefuseIndicesOutsideDst) {
  constexpr int kHeads = 2, kDim = 4, kT = 6;
  std::vector<float> src(kT * kHeads * kDim, 1.0f);
  std::vector<int32_t> kept = {0, 1, 2, 3, 4, 5};  // [2, 3]
  std::vector<float> rows(kHeads * kDim, 2.0f);
  struct Case {
    const char* name;
    std::vector<int64_t> offsets;
    std::vector<int32_t> lengths;
  };
  const Case cases[] = {
      {"negative first offset", {-2, 2, 4}, {2, 2}},
      {"decreasing offsets", {0, 4, 2}, {2, 0}},
      {"negative length", {0, 3, 6}, {-1, 2}},
      {"length beyond the head's rows", {0, 1, 6}, {3, 2}},
      {"offsets near INT64_MAX", {0, INT64_MAX / 2, INT64_MAX}, {1, 1}},
  };
  for (const Case& c : cases) {
    std::vector<float> buffer(3 * 8 * kDim, -5.0f);  // canary, dst, canary: 8 rows each
    float* dst = buffer.data() + 8 * kDim;
    std::vector<int64_t> offsets = c.offsets;
    std::vector<int32_t> lengths = c.lengths;
    slkv_compact_params cp;
    slkv_compact_params_init(&cp);
    cp.n_tokens = kT;
    cp.n_kv_heads = kHeads;
    cp.n_plan_heads = kHeads;
    cp.head_dim = kDim;
    cp.src = src.data();
    cp.kept = kept.data();
    cp.kept_stride = 3;
    cp.offsets = offsets.data();
    cp.lengths = lengths.data();
    cp.dst = dst;
    EXPECT_EQ(slkv_compact_gather(&cp), SLKV_ERROR_INVALID_ARGUMENT) << c.name;
    EXPECT_EQ(slkv_compact_append(&cp, rows.data()), SLKV_ERROR_INVALID_ARGUMENT) << c.name;
    EXPECT_EQ(buffer, std::vector<float>(3 * 8 * kDim, -5.0f)) << c.name;
    EXPECT_EQ(lengths, c.lengths) << c.name;
  }
  // A negative kept_stride is refused too.
  std::vector<int64_t> offsets = {0, 3, 6};
  std::vector<int32_t> lengths = {0, 0};
  std::vector<float> dst(6 * kDim, -5.0f);
  slkv_compact_params cp;
  slkv_compact_params_init(&cp);
  cp.n_tokens = kT;
  cp.n_kv_heads = kHeads;
  cp.n_plan_heads = kHeads;
  cp.head_dim = kDim;
  cp.src = src.data();
  cp.kept = kept.data();
  cp.kept_stride = -3;
  cp.offsets = offsets.data();
  cp.lengths = lengths.data();
  cp.dst = dst.data();
  EXPECT_EQ(slkv_compact_gather(&cp), SLKV_ERROR_INVALID_ARGUMENT);
}

// Found by fuzz_plan: a number too large for a double threw nlohmann's out_of_range, which the
// loader did not map to a status.
TEST(RuntimeHostile, NumbersBeyondDoubleAreAParseError) {
  const Plan p = slkv::test::sample_plan();
  std::string text = slkv::runtime::plan_to_json(p);
  text.replace(text.find("\"window\": 4"), 11, "\"window\": 5e57686");
  slkv_plan* plan = nullptr;
  EXPECT_EQ(load_text(text, model_of(p), &plan), SLKV_ERROR_PARSE);
  EXPECT_THAT(slkv_last_error(), HasSubstr("not valid JSON"));
  EXPECT_EQ(plan, nullptr);
}

TEST(RuntimeHostile, PlanPathThatIsADirectoryIsRefusedByName) {
  const slkv_model_desc m = model_of(slkv::test::sample_plan());
  slkv_plan* plan = nullptr;
  EXPECT_EQ(slkv_plan_load_file("/tmp", &m, &plan), SLKV_ERROR_IO);
  EXPECT_THAT(slkv_last_error(), HasSubstr("/tmp: is a directory"));
  EXPECT_EQ(plan, nullptr);
}

}  // namespace
