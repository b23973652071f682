// The fused per-row steps of a forward batch against the separate calls they replace, bit for
// bit, on one and two threads: add_rms_norm (post-norm, residual add, next norm) against
// rms_norm + add_in_place + rms_norm, and norm_rope_qk against rms_norm per head + apply_rope.
#include <gtest/gtest.h>
#include <omp.h>

#include <random>
#include <vector>

#include "engine/ops.hpp"
#include "engine/rope.hpp"

namespace slkv {
namespace {

std::vector<float> random_floats(size_t n, uint32_t seed, float mean = 0.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(mean, 1.5f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

class ThreadCounts : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    saved_ = omp_get_max_threads();
    omp_set_num_threads(GetParam());
  }
  void TearDown() override { omp_set_num_threads(saved_); }

 private:
  int saved_ = 1;
};

TEST_P(ThreadCounts, AddRmsNormEqualsTheSeparateSteps) {
  constexpr int64_t kDim = 72;
  constexpr double kEps = 1e-6;
  const std::vector<float> post = random_floats(kDim, 1, 1.0f), next = random_floats(kDim, 2, 1.0f);
  for (const int64_t rows : {int64_t{1}, int64_t{5}, int64_t{37}}) {
    for (const bool with_post : {false, true}) {
      for (const bool with_next : {false, true}) {
        const size_t n = static_cast<size_t>(rows * kDim);
        std::vector<float> x = random_floats(n, 3), delta = random_floats(n, 4);
        std::vector<float> want_x = x, want_delta = delta;
        if (with_post) {
          rms_norm(want_delta.data(), post.data(), rows, kDim, kEps, want_delta.data());
        }
        add_in_place(want_x.data(), want_delta.data(), rows * kDim);
        if (with_next) rms_norm(want_x.data(), next.data(), rows, kDim, kEps, want_delta.data());

        add_rms_norm(x.data(), delta.data(), with_post ? post.data() : nullptr,
                     with_next ? next.data() : nullptr, rows, kDim, kEps);
        EXPECT_EQ(x, want_x) << rows << " rows, post " << with_post << ", next " << with_next;
        EXPECT_EQ(delta, want_delta)
            << rows << " rows, post " << with_post << ", next " << with_next;
      }
    }
  }
}

TEST_P(ThreadCounts, NormRopeQkEqualsNormsThenRope) {
  constexpr int64_t kHeadDim = 32, kHeads = 6, kKvHeads = 2;
  constexpr double kEps = 1e-6;
  const std::vector<float> q_w = random_floats(kHeadDim, 5, 1.0f);
  const std::vector<float> k_w = random_floats(kHeadDim, 6, 1.0f);
  for (const RopeStyle style : {RopeStyle::kHalf, RopeStyle::kInterleaved}) {
    // A partial rotation (n_rot < head_dim) as some architectures have.
    const RopeParams rope = make_rope(style, 24, kHeadDim, 10000.0, RopeScaling{}, {});
    for (const int64_t tokens : {int64_t{1}, int64_t{9}, int64_t{40}}) {
      std::vector<int64_t> positions(static_cast<size_t>(tokens));
      for (int64_t t = 0; t < tokens; ++t) positions[static_cast<size_t>(t)] = 100 + 3 * t;
      RopeTable table;
      make_rope_table(rope, positions, table);
      for (const bool with_norms : {false, true}) {
        std::vector<float> q = random_floats(static_cast<size_t>(tokens * kHeads * kHeadDim), 7);
        std::vector<float> k = random_floats(static_cast<size_t>(tokens * kKvHeads * kHeadDim), 8);
        std::vector<float> want_q = q, want_k = k;
        if (with_norms) {
          rms_norm(want_q.data(), q_w.data(), tokens * kHeads, kHeadDim, kEps, want_q.data());
          rms_norm(want_k.data(), k_w.data(), tokens * kKvHeads, kHeadDim, kEps, want_k.data());
        }
        apply_rope(rope, table, kHeads, want_q.data());
        apply_rope(rope, table, kKvHeads, want_k.data());

        const QkNorms norms{with_norms ? q_w.data() : nullptr, with_norms ? k_w.data() : nullptr,
                            kEps};
        norm_rope_qk(rope, table, norms, q.data(), kHeads, k.data(), kKvHeads);
        EXPECT_EQ(q, want_q) << tokens << " tokens, norms " << with_norms;
        EXPECT_EQ(k, want_k) << tokens << " tokens, norms " << with_norms;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(FusedOps, ThreadCounts, ::testing::Values(1, 2));

}  // namespace
}  // namespace slkv
