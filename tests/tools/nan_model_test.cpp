// Models whose weights overflow (issue 9, item 2): NaN or infinite activations must give an
// slkv::Error ("not finite"), never std::terminate from an exception inside an OpenMP region,
// and never a silent empty answer. Covers every architecture of the engine and every place
// that picks tokens (generation, the probe runner), plus the ParallelGuard the regions use.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/parallel_guard.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "engine/tiny_model.hpp"
#include "profile/probe_runner.hpp"

namespace slkv {
namespace {

using ::testing::HasSubstr;

TEST(ParallelGuard, FirstExceptionLeavesTheRegionAsAnErrorAfterIt) {
  for (int threads : {1, 4}) {
    ParallelGuard guard;
    std::vector<int> ran(1000, 0);
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (int i = 0; i < 1000; ++i) {
      guard.run([&] {
        ran[static_cast<size_t>(i)] = 1;
        if (i % 100 == 37) throw Error("bad row " + std::to_string(i));
      });
    }
    try {
      guard.rethrow();
      FAIL() << "expected the body's exception";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("bad row"));
    }
  }
  ParallelGuard quiet;
  quiet.run([] {});
  EXPECT_NO_THROW(quiet.rethrow());
}

TEST(NonFiniteLogits, ArgmaxRefusesNanAndInfinity) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    std::vector<float> logits = {0.5f, 2.0f, bad, 1.0f};
    try {
      argmax(logits);
      FAIL() << "argmax accepted " << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("not finite"));
      EXPECT_THAT(e.what(), HasSubstr("token id 2"));
    }
  }
  EXPECT_EQ(argmax(std::vector<float>{0.5f, 2.0f, 1.0f}), 1);
}

probes::Probe probe_of(int64_t n_prompt) {
  probes::Probe p;
  p.family = probes::NeedleFamily::kSurface;
  for (int64_t i = 0; i < n_prompt; ++i) p.tokens.push_back(static_cast<int32_t>(3 + i % 40));
  p.needle_spans = {{n_prompt / 3, n_prompt / 3 + 4}};
  p.answer_tokens = {5, 6};
  p.answer = "x";
  return p;
}

class NanModel : public ::testing::TestWithParam<std::tuple<std::string, float>> {};

TEST_P(NanModel, GenerationAndProbesFailWithAnError) {
  const auto& [variant, bad] = GetParam();
  // A bad final-norm weight: every logit is non-finite.
  auto m = test::make_tiny_model(variant, 31);
  m->weights.data("output_norm.weight")[3] = bad;
  Model model(m->config, m->weights);
  {
    Session session(model);
    GenerateOptions gen;
    gen.max_new = 4;
    const std::vector<int32_t> prompt = {1, 2, 3, 4, 5};
    EXPECT_THROW(
        {
          try {
            generate_greedy(session, prompt, gen, nullptr);
          } catch (const Error& e) {
            EXPECT_THAT(e.what(), HasSubstr("not finite"));
            throw;
          }
        },
        Error);
  }
  // A bad query weight: attention rows of that head are NaN (the statistics throw inside the
  // probe runner's OpenMP region) while the logits may stay finite.
  auto q = test::make_tiny_model(variant, 32);
  q->weights.data("blk.1.attn_q.weight")[3] = bad;
  Model q_model(q->config, q->weights);
  for (const Model* mm : {&model, &q_model}) {
    for (bool forced : {false, true}) {
      Session session(*mm);
      profile::ProbeRunnerOptions ro;
      ro.teacher_force = forced;
      ro.max_new_tokens = 3;
      profile::ProbeRunner runner(
          session, [](std::span<const int32_t>) { return std::string("x"); }, ro);
      EXPECT_THROW(runner.run(probe_of(24)), Error) << variant << " forced " << forced;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Archs, NanModel,
    ::testing::Combine(::testing::Values("llama", "qwen2", "gemma3", "mistral"),
                       ::testing::Values(std::numeric_limits<float>::quiet_NaN(),
                                         std::numeric_limits<float>::infinity())));

}  // namespace
}  // namespace slkv
