// matvec_int8 on the fetched models: real weight blocks of every supported type they hold
// (each instruction set, the bound of engine/matvec_int8.hpp), and greedy decoding with
// MatvecPrecision::kInt8 against kExact on the HF parity prompts: logits within the stated
// tolerance along the exact path's tokens; where the greedy tokens differ, the first diverging
// token and the exact path's top-2 margin there are reported.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/test_env.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/generate.hpp"
#include "engine/matvec_int8.hpp"
#include "engine/model.hpp"
#include "h5_golden.hpp"
#include "int8_check.hpp"
#include "model/checkpoint.hpp"
#include "model/quant.hpp"

namespace slkv {
namespace {

// Largest |logit(int8) - logit(exact)| allowed at any decode step, over the whole vocabulary.
// Measured maxima 0.47-1.36 on these prompts (docs/benchmarks.md, "Decode: int8 activations").
constexpr double kInt8LogitAbs = 2.0;

TEST(MatvecInt8Model, RealBlocksOfEveryTypeInBothModels) {
  std::mt19937 rng(17);
  for (const std::string name : {"smollm2-135m", "gemma3-270m"}) {
    const std::filesystem::path path = test::model_path(name);
    if (path.empty()) GTEST_SKIP() << "model " << name << " not fetched (scripts/get-model.sh)";
    auto checkpoint = Checkpoint::open(path.string());
    std::set<GgmlType> seen;
    for (const TensorInfo& t : checkpoint->tensors()) {
      if (t.shape.size() != 2 || !matvec_int8_supported(t.type) || t.shape[1] % 32 != 0) continue;
      const bool head = t.name == "output.weight" || t.name == "token_embd.weight";
      if (seen.count(t.type) && !head) continue;
      seen.insert(t.type);
      // 24 rows from the middle of the tensor.
      const auto traits = *ggml_type_traits(static_cast<uint32_t>(t.type));
      const int64_t in = t.shape[1];
      const int64_t row_bytes = in / traits.block_elements * traits.block_bytes;
      const int64_t rows = std::min<int64_t>(24, t.shape[0]);
      const int64_t first = (t.shape[0] - rows) / 2;
      TensorInfo part = t;
      part.shape = {rows, in};
      part.data = t.data + first * row_bytes;
      part.n_bytes = static_cast<uint64_t>(rows * row_bytes);
      std::vector<float> dense(static_cast<size_t>(rows * in));
      dequantize_row(t.type, part.data, dense.data(), rows * in);
      for (MatvecIsa isa : test::int8_isas()) {
        test::check_int8_matvec(part, dense, isa, 1, rng, name + " " + t.name);
      }
      std::printf("%s: %s (%s, in %lld) checked\n", name.c_str(), t.name.c_str(),
                  ggml_type_name(t.type).data(), static_cast<long long>(in));
    }
    EXPECT_FALSE(seen.empty()) << name;
  }
}

struct GreedyCase {
  std::string model;   // test::model_path name
  std::string golden;  // tests/reference/golden/engine/<golden>.h5
};

class MatvecInt8Greedy : public ::testing::TestWithParam<GreedyCase> {};

TEST_P(MatvecInt8Greedy, LogitsWithinToleranceAndGreedyDivergenceReported) {
  const GreedyCase gc = GetParam();
  SLKV_REQUIRE_MODEL(path, gc.model);
  test::H5Golden golden(
      (test::source_dir() / "tests" / "reference" / "golden" / "engine" / (gc.golden + ".h5"))
          .string());
  const auto prompt = golden.read<int32_t>("prompt_ids");
  const int64_t n_new = static_cast<int64_t>(golden.read<int32_t>("greedy_ids").size());
  auto checkpoint = Checkpoint::open(path.string());
  CheckpointWeights weights(*checkpoint);
  Model model(checkpoint->config(), weights);

  // Both sessions prefill exactly (as slkv-run), then decode in lockstep: the int8 session is
  // fed the exact path's tokens, so every step compares logits of the same inputs; the first
  // step where the argmaxes differ is where int8 greedy decoding leaves the exact one.
  Session exact(model), fast(model);
  std::vector<float> le = exact.forward_last(prompt);
  std::vector<float> lf = fast.forward_last(prompt);
  fast.set_matvec_precision(MatvecPrecision::kInt8);
  double max_err = 0, sum_sq = 0;
  int64_t n_compared = 0;
  int64_t diverge = -1;
  double diverge_margin = 0;
  for (int64_t step = 0; step < n_new; ++step) {
    if (step > 0) {  // step 0's logits come from the (exact) prefill of both
      for (size_t i = 0; i < le.size(); ++i) {
        const double e = std::fabs(static_cast<double>(le[i]) - lf[i]);
        max_err = std::max(max_err, e);
        sum_sq += e * e;
      }
      n_compared += static_cast<int64_t>(le.size());
    }
    const int32_t token = argmax(le);
    if (diverge < 0 && argmax(lf) != token) {
      std::vector<float> sorted = le;
      std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<float>());
      diverge = step;
      diverge_margin = sorted[0] - sorted[1];
    }
    if (step + 1 == n_new) break;
    const int32_t one[1] = {token};
    le = exact.forward_last(one);
    lf = fast.forward_last(one);
  }
  const double rms = n_compared ? std::sqrt(sum_sq / static_cast<double>(n_compared)) : 0.0;
  EXPECT_LE(max_err, kInt8LogitAbs) << gc.golden;
  if (diverge < 0) {
    std::printf("%s: int8 greedy == exact greedy (%lld tokens); logits max|d| %.3g, rms %.3g\n",
                gc.golden.c_str(), static_cast<long long>(n_new), max_err, rms);
  } else {
    std::printf(
        "%s: int8 greedy leaves exact greedy at token %lld of %lld (exact top-2 margin "
        "%.3g); logits max|d| %.3g, rms %.3g\n",
        gc.golden.c_str(), static_cast<long long>(diverge), static_cast<long long>(n_new),
        diverge_margin, max_err, rms);
  }
}

INSTANTIATE_TEST_SUITE_P(ParityPrompts, MatvecInt8Greedy,
                         ::testing::Values(GreedyCase{"smollm2-135m", "smollm2_short"},
                                           GreedyCase{"smollm2-135m", "smollm2_long"},
                                           GreedyCase{"gemma3-270m", "gemma3_short"},
                                           GreedyCase{"gemma3-270m", "gemma3_long"}),
                         [](const auto& info) { return info.param.golden; });

}  // namespace
}  // namespace slkv
