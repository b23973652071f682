// Parity with HF transformers: goldens from tests/reference/engine_reference.py (see the file
// headers for the command and package versions). SmolLM2 and Gemma 3 from their GGUF files
// (skipped when not fetched) and small random llama / mistral / qwen2 / gemma3 checkpoints
// committed under tests/reference/models/.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "common/test_env.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "engine/prompt_gemm.hpp"
#include "h5_golden.hpp"
#include "model/checkpoint.hpp"

namespace slkv {
namespace {

// Tolerances (issue 3): logits absolute, argmax where the reference's top-two margin exceeds
// kArgmaxMargin, attention probabilities absolute (plus the goldens' u16 quantization step).
constexpr double kLogitAbs = 2e-3;
constexpr double kArgmaxMargin = 1e-3;
constexpr double kAttnAbs = 1e-4 + 0.5 / 65535.0;
// Packed prefill weights sum every projection in oneDNN's order, not OpenBLAS's: with the sgemm
// attention path (CPUs without AVX-512) Gemma 3's 2,100-token prompt then reaches 1.14e-4
// (streamed: 9.5e-5; with the AVX-512 tiles 5.4e-5), so those cases allow twice the
// probability error; logits, argmax and greedy tokens keep the same checks.
// The engine's own prompt GEMM (engine/prompt_gemm.hpp, the default on CPUs with AVX2 and FMA)
// sums the projections in yet another order, in K chunks: on the AMD EPYC it reached
// 1.350e-4 on that prompt, so it gets the same allowance.
constexpr double kAttnAbsPacked = 2 * kAttnAbs;
// Prompts of 2,000 tokens or more (Gemma 3's 2,100-token one) sum longer chains, and the
// rounding then depends on the CPU's BLAS and oneDNN kernels: on an AMD EPYC without AVX-512
// (OpenBLAS's AVX2 kernels, sgemm attention) Gemma 3's long prompt reached an attention error of
// 1.086e-4 streamed (1.61e-4 packed) and a logit error of 2.03e-3 packed, where the Intel VM with
// AVX-512 gave 9.5e-5 and under 2e-3. Those cases allow 1.25 times each bound; the argmax and
// greedy checks are the same.
constexpr double kLongPromptFactor = 1.25;
constexpr int64_t kLongPrompt = 2000;
constexpr int64_t kRows = 8;

// Records the softmax rows of the last kRows prompt positions: [layer][head][row][key].
class LastRows : public AttentionObserver {
 public:
  LastRows(int64_t n_prompt, int64_t n_layers, int64_t n_heads)
      : n_prompt_(n_prompt),
        n_heads_(n_heads),
        rows_(static_cast<size_t>(n_layers * n_heads * kRows * n_prompt), -1.0f) {}
  std::vector<int64_t> select_rows(int64_t, std::span<const int64_t> pos) override {
    std::vector<int64_t> r;
    for (size_t i = 0; i < pos.size(); ++i) {
      if (pos[i] >= n_prompt_ - kRows && pos[i] < n_prompt_) r.push_back(static_cast<int64_t>(i));
    }
    return r;
  }
  void on_attention(const AttentionRows& a) override {
    for (int64_t h = 0; h < a.n_heads; ++h)
      for (int64_t r = 0; r < a.n_rows(); ++r) {
        const int64_t row = a.query_positions[r] - (n_prompt_ - kRows);
        auto keys = a.key_positions[a.kv_head_of(h)];
        auto probs = a.row(h, r);
        float* dst =
            &rows_[static_cast<size_t>(((a.layer * n_heads_ + h) * kRows + row) * n_prompt_)];
        std::fill(dst, dst + n_prompt_, 0.0f);
        for (size_t j = 0; j < keys.size(); ++j) dst[keys[j]] = probs[j];
      }
  }
  const std::vector<float>& rows() const { return rows_; }

 private:
  int64_t n_prompt_, n_heads_;
  std::vector<float> rows_;
};

struct ParityCase {
  std::string name;     // golden prefix
  std::string prompt;   // short | long
  bool packed = false;  // prefill through Model::pack_prefill_weights (oneDNN), same tolerances
};

std::string case_name(const ::testing::TestParamInfo<ParityCase>& info) {
  return info.param.name + "_" + info.param.prompt + (info.param.packed ? "_packed" : "");
}

class HfParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(HfParity, LogitsAttentionAndGreedyMatchTransformers) {
  const ParityCase pc = GetParam();
  std::filesystem::path model_path;
  if (pc.name == "smollm2" || pc.name == "gemma3") {
    const std::filesystem::path p =
        test::model_path(pc.name == "smollm2" ? "smollm2-135m" : "gemma3-270m");
    if (p.empty()) GTEST_SKIP() << pc.name << " not fetched (scripts/get-model.sh)";
    model_path = p;
  } else {
    model_path = test::source_dir() / "tests" / "reference" / "models" / pc.name;
  }
  const std::filesystem::path golden_path = test::source_dir() / "tests" / "reference" / "golden" /
                                            "engine" / (pc.name + "_" + pc.prompt + ".h5");
  ASSERT_TRUE(std::filesystem::exists(golden_path)) << golden_path;
  test::H5Golden golden(golden_path.string());
  const auto prompt = golden.read<int32_t>("prompt_ids");
  const auto positions = golden.read<int32_t>("logit_positions");
  std::vector<int64_t> top_dims;
  const auto top_ids = golden.read<int32_t>("top_ids", &top_dims);
  const auto top_values = golden.read<float>("top_values");
  const auto margin = golden.read<float>("margin");
  const auto probe_ids = golden.read<int32_t>("probe_ids");
  const auto probe_values = golden.read<float>("probe_values");
  std::vector<int64_t> attn_dims;
  const auto attn = golden.read<uint16_t>("attn_rows_u16", &attn_dims);
  const auto greedy = golden.read<int32_t>("greedy_ids");

  auto checkpoint = Checkpoint::open(model_path.string());
  CheckpointWeights weights(*checkpoint);
  Model model(checkpoint->config(), weights);
  if (pc.packed) {
    if (!PackedLinear::available()) GTEST_SKIP() << "built without oneDNN";
    model.pack_prefill_weights();
  }
  const ModelConfig& c = model.config();
  const int64_t T = static_cast<int64_t>(prompt.size());
  ASSERT_EQ(attn_dims, (std::vector<int64_t>{c.n_layers, c.n_heads, kRows, T}));

  Session session(model);
  LastRows taps(T, c.n_layers, c.n_heads);
  session.set_observer(&taps);
  std::vector<int64_t> wanted(positions.begin(), positions.end());
  std::map<int64_t, std::vector<float>> logits;  // position -> [vocab]
  session.forward(prompt, wanted, [&](int64_t i, std::span<const float> l) {
    logits[i].assign(l.begin(), l.end());
  });
  session.set_observer(nullptr);

  const double scale = T >= kLongPrompt ? kLongPromptFactor : 1.0;
  const double logit_abs = kLogitAbs * scale;
  const double attn_abs =
      (pc.packed || prompt_gemm_preferred() ? kAttnAbsPacked : kAttnAbs) * scale;
  const int64_t k = top_dims[1];
  double max_logit_err = 0;
  int64_t argmax_checked = 0;
  for (size_t p = 0; p < positions.size(); ++p) {
    const std::vector<float>& l = logits.at(positions[p]);
    for (int64_t j = 0; j < k; ++j) {
      const double err = std::abs(l[top_ids[p * k + j]] - top_values[p * k + j]);
      max_logit_err = std::max(max_logit_err, err);
      ASSERT_LE(err, logit_abs) << "position " << positions[p] << " token " << top_ids[p * k + j];
    }
    for (size_t j = 0; j < probe_ids.size(); ++j) {
      const double err = std::abs(l[probe_ids[j]] - probe_values[p * probe_ids.size() + j]);
      max_logit_err = std::max(max_logit_err, err);
      ASSERT_LE(err, logit_abs) << "position " << positions[p] << " probe " << probe_ids[j];
    }
    if (margin[p] > kArgmaxMargin) {
      ++argmax_checked;
      ASSERT_EQ(argmax(l), top_ids[p * k]) << "position " << positions[p];
    }
  }
  double max_attn_err = 0;
  for (size_t i = 0; i < attn.size(); ++i) {
    const double err = std::abs(taps.rows()[i] - attn[i] / 65535.0);
    max_attn_err = std::max(max_attn_err, err);
    ASSERT_LE(err, attn_abs) << "flat index " << i << " of [layer, head, row, key]";
  }
  // Greedy continuation from the same session (no stop condition, as the reference).
  std::vector<int32_t> got;
  int32_t next = argmax(logits.at(T - 1));
  for (size_t step = 0; step < greedy.size(); ++step) {
    got.push_back(next);
    if (step + 1 == greedy.size()) break;
    const int32_t one[1] = {next};
    next = argmax(session.forward_last(one));
  }
  EXPECT_EQ(got, greedy);
  std::printf("%s_%s%s: T=%lld max|dlogit|=%.3g (argmax checked at %lld of %zu) max|dp|=%.3g\n",
              pc.name.c_str(), pc.prompt.c_str(), pc.packed ? " (packed prefill weights)" : "",
              static_cast<long long>(T), max_logit_err, static_cast<long long>(argmax_checked),
              positions.size(), max_attn_err);
}

INSTANTIATE_TEST_SUITE_P(
    Goldens, HfParity,
    ::testing::Values(ParityCase{"tiny_llama", "short"}, ParityCase{"tiny_llama", "long"},
                      ParityCase{"tiny_mistral", "short"}, ParityCase{"tiny_mistral", "long"},
                      ParityCase{"tiny_qwen2", "short"}, ParityCase{"tiny_qwen2", "long"},
                      ParityCase{"tiny_gemma3", "short"}, ParityCase{"tiny_gemma3", "long"},
                      ParityCase{"smollm2", "short"}, ParityCase{"smollm2", "long"},
                      ParityCase{"gemma3", "short"}, ParityCase{"gemma3", "long"},
                      ParityCase{"tiny_qwen2", "long", true},
                      ParityCase{"tiny_gemma3", "long", true}, ParityCase{"smollm2", "short", true},
                      ParityCase{"smollm2", "long", true}, ParityCase{"gemma3", "short", true},
                      ParityCase{"gemma3", "long", true}),
    case_name);

// KvCache::keep on a real model: decoding after keeping a subset of the prompt equals HF with
// the other prompt positions masked out for the decoded queries (golden smollm2_keep.h5).
TEST(HfParityKeep, SmolLM2DecodeAfterKeepEqualsMaskedAttention) {
  SLKV_REQUIRE_MODEL(path, "smollm2-135m");
  test::H5Golden golden(
      (test::source_dir() / "tests/reference/golden/engine/smollm2_keep.h5").string());
  const auto ids = golden.read<int32_t>("token_ids");
  const auto kept32 = golden.read<int32_t>("kept_positions");
  std::vector<int64_t> top_dims;
  const auto top_ids = golden.read<int32_t>("top_ids", &top_dims);
  const auto top_values = golden.read<float>("top_values");
  const int64_t n_decode = top_dims[0], k = top_dims[1];
  const int64_t n_prompt = static_cast<int64_t>(ids.size()) - n_decode;

  auto checkpoint = Checkpoint::open(path.string());
  CheckpointWeights weights(*checkpoint);
  Model model(checkpoint->config(), weights);
  Session session(model);
  session.forward(std::span(ids).first(static_cast<size_t>(n_prompt)), LogitsRows::kNone,
                  [](int64_t, std::span<const float>) {});
  const std::vector<int64_t> kept(kept32.begin(), kept32.end());
  for (int64_t il = 0; il < model.config().n_layers; ++il)
    for (int64_t g = 0; g < model.config().n_kv_heads; ++g) session.cache().keep(il, g, kept);
  EXPECT_EQ(session.cache().length(0, 0), static_cast<int64_t>(kept.size()));
  double max_err = 0;
  for (int64_t s = 0; s < n_decode; ++s) {
    const auto logits = session.forward_last(std::span(ids).subspan(n_prompt + s, 1));
    for (int64_t j = 0; j < k; ++j) {
      const double err = std::abs(logits[top_ids[s * k + j]] - top_values[s * k + j]);
      max_err = std::max(max_err, err);
      ASSERT_LE(err, kLogitAbs) << "step " << s << " token " << top_ids[s * k + j];
    }
    if (top_values[s * k] - top_values[s * k + 1] > kArgmaxMargin) {
      EXPECT_EQ(argmax(logits), top_ids[s * k]) << "step " << s;
    }
  }
  std::printf("smollm2_keep: %zu of %lld prompt positions kept, max|dlogit|=%.3g\n", kept.size(),
              static_cast<long long>(n_prompt), max_err);
}

}  // namespace
}  // namespace slkv
