// The f16 and bf16 KV caches on the fetched models against the f32 cache, on the HF parity
// prompts: exact matvecs everywhere, the f32-cache session's greedy tokens fed to both, logits
// (the prefill's last and every decode step's) within the stated tolerance; where the greedy
// tokens would differ, the first diverging token and the f32 path's top-2 margin there are
// reported. Also checks that the cache holds half the bytes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/test_env.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "h5_golden.hpp"
#include "model/checkpoint.hpp"

namespace slkv {
namespace {

// Largest |logit(half cache) - logit(f32 cache)| allowed at any step, over the whole
// vocabulary (measured maxima in docs/benchmarks.md, "KV cache in f16/bf16").
constexpr double kF16LogitAbs = 0.25;
constexpr double kBF16LogitAbs = 1.5;

struct HalfCase {
  std::string model;   // test::model_path name
  std::string golden;  // tests/reference/golden/engine/<golden>.h5
};

class KvHalfGreedy : public ::testing::TestWithParam<HalfCase> {};

TEST_P(KvHalfGreedy, LogitsWithinToleranceHalfTheBytesAndDivergenceReported) {
  const HalfCase hc = GetParam();
  SLKV_REQUIRE_MODEL(path, hc.model);
  test::H5Golden golden(
      (test::source_dir() / "tests" / "reference" / "golden" / "engine" / (hc.golden + ".h5"))
          .string());
  const auto prompt = golden.read<int32_t>("prompt_ids");
  const int64_t n_new = static_cast<int64_t>(golden.read<int32_t>("greedy_ids").size());
  auto checkpoint = Checkpoint::open(path.string());
  CheckpointWeights weights(*checkpoint);
  Model model(checkpoint->config(), weights);

  // The f32 session and one per half type decode in lockstep on the f32 session's tokens.
  const KvType types[2] = {KvType::kF16, KvType::kBF16};
  Session ref(model), f16(model), bf16(model);
  Session* half[2] = {&f16, &bf16};
  f16.set_kv_type(KvType::kF16);
  bf16.set_kv_type(KvType::kBF16);
  std::vector<float> lr = ref.forward_last(prompt);
  std::vector<float> lh[2] = {f16.forward_last(prompt), bf16.forward_last(prompt)};
  double max_err[2] = {0, 0}, sum_sq[2] = {0, 0}, diverge_margin[2] = {0, 0};
  int64_t diverge[2] = {-1, -1}, n_compared = 0;
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(2 * half[k]->cache().bytes_held(), ref.cache().bytes_held());
    EXPECT_EQ(half[k]->cache().bytes_held(),
              ref.cache().total_entries() * 2 * model.config().head_dim * 2);
  }
  for (int64_t step = 0; step < n_new; ++step) {
    const int32_t token = argmax(lr);
    n_compared += static_cast<int64_t>(lr.size());
    for (int k = 0; k < 2; ++k) {
      for (size_t i = 0; i < lr.size(); ++i) {
        const double e = std::fabs(static_cast<double>(lr[i]) - lh[k][i]);
        max_err[k] = std::max(max_err[k], e);
        sum_sq[k] += e * e;
      }
      if (diverge[k] < 0 && argmax(lh[k]) != token) {
        std::vector<float> sorted = lr;
        std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<float>());
        diverge[k] = step;
        diverge_margin[k] = sorted[0] - sorted[1];
      }
    }
    if (step + 1 == n_new) break;
    const int32_t one[1] = {token};
    lr = ref.forward_last(one);
    for (int k = 0; k < 2; ++k) lh[k] = half[k]->forward_last(one);
  }
  for (int k = 0; k < 2; ++k) {
    const double rms = std::sqrt(sum_sq[k] / static_cast<double>(n_compared));
    const char* name = kv_type_name(types[k]);
    EXPECT_LE(max_err[k], types[k] == KvType::kF16 ? kF16LogitAbs : kBF16LogitAbs)
        << hc.golden << " " << name;
    if (diverge[k] < 0) {
      std::printf(
          "%s %s cache: greedy == f32 cache greedy (%lld tokens); logits max|d| %.3g, "
          "rms %.3g\n",
          hc.golden.c_str(), name, static_cast<long long>(n_new), max_err[k], rms);
    } else {
      std::printf(
          "%s %s cache: greedy leaves the f32 cache's at token %lld of %lld (f32 top-2 "
          "margin %.3g); logits max|d| %.3g, rms %.3g\n",
          hc.golden.c_str(), name, static_cast<long long>(diverge[k]),
          static_cast<long long>(n_new), diverge_margin[k], max_err[k], rms);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ParityPrompts, KvHalfGreedy,
                         ::testing::Values(HalfCase{"smollm2-135m", "smollm2_short"},
                                           HalfCase{"smollm2-135m", "smollm2_long"},
                                           HalfCase{"gemma3-270m", "gemma3_short"},
                                           HalfCase{"gemma3-270m", "gemma3_long"}),
                         [](const auto& info) { return info.param.golden; });

}  // namespace
}  // namespace slkv
