// prompt_gemm (the engine's own blocked product over stored weights) against a double-precision
// product of the dequantized weights, for every stored type, with row counts, output counts and
// inner dimensions that end inside a register tile, a 16-row panel and a K chunk, on one and
// two threads. Any f32 summation of K products obeys |ŷ - y| <= γ_K Σ_k |x_k||w_k| with
// γ_K = K u / (1 - K u), u = 2^-24 (FMA only removes roundings), and that is the bound checked.
// Sharing the activations between targets must not change a single bit, and linear() must route
// many-row products through it when asked.

#include "engine/prompt_gemm.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/ops.hpp"
#include "model/quant.hpp"
#include "random_blocks.hpp"

// Weak: a non-OpenBLAS BLAS still links (the OpenBLAS test then skips).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace slkv {
namespace {

using namespace test_blocks;

struct StoredWeight {
  std::vector<uint8_t> bytes;
  TensorInfo info;
  std::vector<float> dense;  // dequantized [out, in]
};

StoredWeight make_weight(const TypeCase& c, int64_t out, int64_t in, std::mt19937& rng) {
  StoredWeight w;
  w.bytes = random_weight(c, out, in, rng);
  w.info.name = "random." + std::string(ggml_type_name(c.type));
  w.info.type = c.type;
  w.info.shape = {out, in};
  w.info.n_bytes = w.bytes.size();
  w.info.data = w.bytes.data();
  w.dense.resize(static_cast<size_t>(out * in));
  dequantize_rows(w.info, 0, out, w.dense.data());
  return w;
}

std::vector<float> random_rows(int64_t n, int64_t in, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n * in));
  for (float& v : x) v = u(rng);
  return x;
}

// Every y[t, j] against the double product of x row t and dense row out_begin + j.
void expect_within_bound(const std::vector<float>& x, const StoredWeight& w, int64_t out_begin,
                         int64_t n_out, int64_t n_rows, const std::vector<float>& y,
                         const std::string& label) {
  const int64_t in = w.info.shape[1];
  const double u = 0x1p-24, gamma = in * u / (1 - in * u);
  int failures = 0;
  for (int64_t t = 0; t < n_rows; ++t) {
    for (int64_t j = 0; j < n_out; ++j) {
      double exact = 0, magnitude = 0;
      for (int64_t k = 0; k < in; ++k) {
        const double p = double(x[t * in + k]) * w.dense[(out_begin + j) * in + k];
        exact += p;
        magnitude += std::fabs(p);
      }
      const double got = y[t * n_out + j];
      if (!(std::fabs(got - exact) <= gamma * magnitude) && ++failures <= 3) {
        ADD_FAILURE() << label << " row " << t << " col " << j << ": " << got << " vs " << exact
                      << " (bound " << gamma * magnitude << ")";
      }
    }
  }
  EXPECT_EQ(failures, 0) << label;
}

class PromptGemm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!prompt_gemm_supported()) GTEST_SKIP() << "CPU lacks AVX2/FMA";
  }
  void TearDown() override {
    detail::set_prompt_gemm(detail::PromptGemmChoice::kAuto);
    detail::set_prompt_gemm_avx512(true);
    omp_set_num_threads(saved_threads_);
  }
  int saved_threads_ = omp_get_max_threads();
};

TEST_F(PromptGemm, EveryTypeWithinTheSummationBound) {
  std::mt19937 rng(77);
  PromptGemmScratch scratch;
  for (const TypeCase& c : all_cases()) {
    const int64_t in = row_length(c.type);  // 300 (tail past the 8-wide transposes), 352, 768
    const int64_t out = 50;                 // three full 16-row panels and a partial one
    const StoredWeight w = make_weight(c, out, in, rng);
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      for (int64_t n_rows : {1, 7, 100}) {  // a partial 6-row tile; past one 96-row block
        const std::vector<float> x = random_rows(n_rows, in, rng);
        std::vector<float> y(static_cast<size_t>(n_rows * out), NAN);
        const GemmTarget target{&w.info, 0, out, y.data()};
        prompt_gemm(x.data(), n_rows, in, {&target, 1}, scratch);
        expect_within_bound(x, w, 0, out, n_rows, y,
                            w.info.name + " threads " + std::to_string(threads) + " rows " +
                                std::to_string(n_rows));
      }
    }
  }
}

TEST_F(PromptGemm, SharedActivationsGiveTheSameBitsAsSeparateCalls) {
  std::mt19937 rng(5);
  const TypeCase q4_1{GgmlType::Q4_1, {0, 2}};
  const int64_t in = 576, n_rows = 131;
  const StoredWeight a = make_weight(q4_1, 96, in, rng), b = make_weight(q4_1, 40, in, rng);
  const std::vector<float> x = random_rows(n_rows, in, rng);
  // a's rows [16, 96) (a range, as linear_range asks) and all of b, in one call and in two.
  std::vector<float> ya(static_cast<size_t>(n_rows * 80)), yb(static_cast<size_t>(n_rows * 40));
  std::vector<float> ya1(ya.size()), yb1(yb.size());
  const GemmTarget both[] = {{&a.info, 16, 96, ya.data()}, {&b.info, 0, 40, yb.data()}};
  PromptGemmScratch scratch;
  prompt_gemm(x.data(), n_rows, in, both, scratch);
  const GemmTarget first{&a.info, 16, 96, ya1.data()}, second{&b.info, 0, 40, yb1.data()};
  prompt_gemm(x.data(), n_rows, in, {&first, 1}, scratch);
  prompt_gemm(x.data(), n_rows, in, {&second, 1}, scratch);
  EXPECT_EQ(ya, ya1);
  EXPECT_EQ(yb, yb1);
  expect_within_bound(x, a, 16, 80, n_rows, ya, "a[16:96]");
}

// With more than one thread the blocks handed out last are cut into single 16-row panels; every
// output element still sums its K chunks in the same order, so one and two threads must agree
// bit for bit, whatever the split.
TEST_F(PromptGemm, TwoThreadsWithTailPanelsGiveTheBitsOfOne) {
  std::mt19937 rng(23);
  const TypeCase q4_1{GgmlType::Q4_1, {0, 2}};
  const int64_t in = 576;
  for (const int64_t out : {40, 200}) {  // a partial last panel; a 48-row tail block
    const StoredWeight w = make_weight(q4_1, out, in, rng);
    for (const int64_t n_rows : {7, 200, 517}) {  // a partial tile; past several 96-row chunks
      const std::vector<float> x = random_rows(n_rows, in, rng);
      std::vector<float> one(static_cast<size_t>(n_rows * out), NAN), two(one.size(), NAN);
      PromptGemmScratch scratch;
      omp_set_num_threads(1);
      const GemmTarget t1{&w.info, 0, out, one.data()};
      prompt_gemm(x.data(), n_rows, in, {&t1, 1}, scratch);
      omp_set_num_threads(2);
      const GemmTarget t2{&w.info, 0, out, two.data()};
      prompt_gemm(x.data(), n_rows, in, {&t2, 1}, scratch);
      const std::string label = "out " + std::to_string(out) + " rows " + std::to_string(n_rows);
      EXPECT_EQ(one, two) << label;
      expect_within_bound(x, w, 0, out, n_rows, two, label);
    }
  }
}

// Where the CPU has AVX-512, pairs of full 6x16 tiles run as one 12x32 zmm tile: each output
// element is the same FMA chain from the same panels, so the bits must equal the AVX2 tiles',
// across full and partial tiles, K chunks and thread splits.
TEST_F(PromptGemm, Avx512TilesGiveTheBitsOfTheAvx2Tiles) {
  if (!detail::prompt_gemm_avx512_available()) GTEST_SKIP() << "CPU lacks AVX-512F";
  std::mt19937 rng(31);
  for (const TypeCase& c : {TypeCase{GgmlType::Q4_1, {0, 2}}, TypeCase{GgmlType::Q4_K, {0, 2}}}) {
    for (const int64_t in : {int64_t{256}, int64_t{768}}) {  // one and three K chunks
      for (const int64_t out : {40, 200}) {  // odd panel count and a partial panel; many pairs
        const StoredWeight w = make_weight(c, out, in, rng);
        for (const int64_t n_rows : {7, 12, 200, 517}) {
          const std::vector<float> x = random_rows(n_rows, in, rng);
          for (int threads : {1, 2}) {
            omp_set_num_threads(threads);
            std::vector<float> zmm(static_cast<size_t>(n_rows * out), NAN), ymm(zmm.size(), NAN);
            PromptGemmScratch scratch;
            const GemmTarget tz{&w.info, 0, out, zmm.data()}, ty{&w.info, 0, out, ymm.data()};
            detail::set_prompt_gemm_avx512(true);
            prompt_gemm(x.data(), n_rows, in, {&tz, 1}, scratch);
            detail::set_prompt_gemm_avx512(false);
            prompt_gemm(x.data(), n_rows, in, {&ty, 1}, scratch);
            const std::string label = w.info.name + " in " + std::to_string(in) + " out " +
                                      std::to_string(out) + " rows " + std::to_string(n_rows) +
                                      " threads " + std::to_string(threads);
            EXPECT_EQ(zmm, ymm) << label;
            expect_within_bound(x, w, 0, out, n_rows, zmm, label);
          }
        }
      }
    }
  }
}

TEST_F(PromptGemm, LinearRoutesManyRowsThroughIt) {
  std::mt19937 rng(9);
  const StoredWeight w = make_weight({GgmlType::Q8_0, {0}}, 70, 320, rng);
  const int64_t n_rows = 40;
  const std::vector<float> x = random_rows(n_rows, 320, rng);
  std::vector<float> direct(static_cast<size_t>(n_rows * 70)), own(direct.size()),
      sgemm(direct.size());
  PromptGemmScratch gs;
  const GemmTarget target{&w.info, 0, 70, direct.data()};
  prompt_gemm(x.data(), n_rows, 320, {&target, 1}, gs);
  LinearScratch ls;
  detail::set_prompt_gemm(detail::PromptGemmChoice::kOwn);
  linear(w.info, x.data(), n_rows, own.data(), nullptr, ls);
  detail::set_prompt_gemm(detail::PromptGemmChoice::kSgemm);
  linear(w.info, x.data(), n_rows, sgemm.data(), nullptr, ls);
  EXPECT_EQ(own, direct);
  EXPECT_NE(sgemm, direct) << "the sgemm path should sum in another order somewhere";
  expect_within_bound(x, w, 0, 70, n_rows, sgemm, "sgemm");
}

// The dequantize + sgemm path runs one sgemm per OpenMP thread: OpenBLAS must be
// single-threaded then, even when the host program set it otherwise since the Model was built.
TEST(LinearSgemm, KeepsOpenBlasSingleThreadedWhateverTheHostSet) {
  if (!openblas_get_num_threads) GTEST_SKIP() << "BLAS is not OpenBLAS";
  std::mt19937 rng(10);
  const StoredWeight w = make_weight({GgmlType::Q8_0, {0}}, 70, 320, rng);
  const int64_t n_rows = 40;
  const std::vector<float> x = random_rows(n_rows, 320, rng);
  std::vector<float> y(static_cast<size_t>(n_rows * 70));
  detail::set_prompt_gemm(detail::PromptGemmChoice::kSgemm);
  openblas_set_num_threads(2);
  LinearScratch ls;
  linear(w.info, x.data(), n_rows, y.data(), nullptr, ls);
  detail::set_prompt_gemm(detail::PromptGemmChoice::kAuto);
  EXPECT_EQ(openblas_get_num_threads(), 1);
  expect_within_bound(x, w, 0, 70, n_rows, y, "sgemm");
}

TEST_F(PromptGemm, LinearManyEqualsSeparateLinearCallsWithBiases) {
  std::mt19937 rng(12);
  const StoredWeight a = make_weight({GgmlType::Q4_K, {0, 2}}, 64, 512, rng);
  const StoredWeight b = make_weight({GgmlType::Q6_K, {208}}, 20, 512, rng);
  std::vector<float> bias(64);
  for (float& v : bias) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  LinearScratch ls;
  for (int64_t n_rows : {3, 8, 9, 200}) {  // matvec rows and prompt rows
    const std::vector<float> x = random_rows(n_rows, 512, rng);
    std::vector<float> ya(static_cast<size_t>(n_rows * 64)), yb(static_cast<size_t>(n_rows * 20));
    std::vector<float> ya1(ya.size()), yb1(yb.size());
    const LinearCall calls[] = {{&a.info, ya.data(), bias.data()}, {&b.info, yb.data()}};
    linear_many(calls, x.data(), n_rows, ls);
    linear(a.info, x.data(), n_rows, ya1.data(), bias.data(), ls);
    linear(b.info, x.data(), n_rows, yb1.data(), nullptr, ls);
    EXPECT_EQ(ya, ya1) << n_rows << " rows";
    EXPECT_EQ(yb, yb1) << n_rows << " rows";
  }
}

TEST_F(PromptGemm, RefusesMismatchedShapesAndReportsBrokenWeights) {
  std::mt19937 rng(3);
  StoredWeight w = make_weight({GgmlType::Q8_0, {0}}, 32, 64, rng);
  const std::vector<float> x = random_rows(20, 64, rng);
  std::vector<float> y(20 * 32);
  PromptGemmScratch scratch;
  const GemmTarget wrong_in{&w.info, 0, 32, y.data()};
  EXPECT_THROW(prompt_gemm(x.data(), 20, 96, {&wrong_in, 1}, scratch), Error);
  const GemmTarget wrong_range{&w.info, 0, 33, y.data()};
  EXPECT_THROW(prompt_gemm(x.data(), 20, 64, {&wrong_range, 1}, scratch), Error);
  w.info.n_bytes -= 34;  // one block short: dequantize_rows refuses inside the threads
  const GemmTarget truncated{&w.info, 0, 32, y.data()};
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    try {
      prompt_gemm(x.data(), 20, 64, {&truncated, 1}, scratch);
      ADD_FAILURE() << "a truncated weight was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(w.info.name), std::string::npos) << e.what();
    }
  }
}

// TeamWork after the products (ops.hpp): every thread of the team calls it once, it sees every
// output complete (an orphaned omp for copies y while the threads still share the region), and
// it is skipped after a failed product. The same through linear and linear_many, whose other
// routes (sgemm, biases, few rows) run it after the product instead.
TEST_F(PromptGemm, WorkAfterTheProductsSeesThemCompleteOnEveryThread) {
  std::mt19937 rng(31);
  StoredWeight w = make_weight({GgmlType::Q4_1, {0, 2}}, 200, 576, rng);
  const int64_t n_rows = 130;
  const std::vector<float> x = random_rows(n_rows, 576, rng);
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<float> y(static_cast<size_t>(n_rows * 200), NAN), seen(y.size(), NAN);
    int calls = 0;
    const TeamWork copy = [&] {
#pragma omp atomic
      ++calls;
#pragma omp for
      for (size_t i = 0; i < y.size(); ++i) seen[i] = y[i];
    };
    PromptGemmScratch scratch;
    const GemmTarget target{&w.info, 0, 200, y.data()};
    prompt_gemm(x.data(), n_rows, 576, {&target, 1}, scratch, &copy);
    EXPECT_EQ(calls, threads);
    EXPECT_EQ(seen, y) << threads << " threads";
    expect_within_bound(x, w, 0, 200, n_rows, y, "with work after");

    for (const auto choice : {detail::PromptGemmChoice::kOwn, detail::PromptGemmChoice::kSgemm}) {
      detail::set_prompt_gemm(choice);
      for (int64_t rows : {int64_t{3}, n_rows}) {  // a decode step's rows and a prompt's
        LinearScratch ls;
        std::fill(seen.begin(), seen.end(), NAN);
        std::vector<float> y2(static_cast<size_t>(rows * 200), NAN);
        const TeamWork copy2 = [&] {
#pragma omp for
          for (size_t i = 0; i < y2.size(); ++i) seen[i] = y2[i];
        };
        linear(w.info, x.data(), rows, y2.data(), nullptr, ls, nullptr, &copy2);
        EXPECT_TRUE(std::equal(y2.begin(), y2.end(), seen.begin())) << rows << " rows, linear";
        std::fill(seen.begin(), seen.end(), NAN);
        const LinearCall one[] = {{&w.info, y2.data()}};
        linear_many(one, x.data(), rows, ls, &copy2);
        EXPECT_TRUE(std::equal(y2.begin(), y2.end(), seen.begin())) << rows << " rows, many";
      }
    }
    detail::set_prompt_gemm(detail::PromptGemmChoice::kAuto);

    calls = 0;
    w.info.n_bytes -= 20;  // one Q4_1 block (20 bytes) short: the product fails in the threads
    EXPECT_THROW(prompt_gemm(x.data(), n_rows, 576, {&target, 1}, scratch, &copy), Error);
    EXPECT_EQ(calls, 0) << "work after a failed product";
    w.info.n_bytes += 20;
  }
}

// The split of weight rows into thread blocks: exact cover, whole panels, at most 128 rows,
// sizes within a panel of each other, and an even share per thread. Gemma 3's 640-row
// projections were five 128-row blocks, three for one of two threads (the other idle for a
// third of those products).
TEST(PromptGemmBlocks, CoverTheRowsInEqualSharesPerThread) {
  for (int64_t threads : {1, 2, 3, 4, 8}) {
    for (int64_t n : {1, 15, 16, 17, 100, 256, 576, 640, 1000, 1024, 1536, 2048, 6912}) {
      const std::vector<int64_t> rows = detail::weight_row_blocks(n, threads);
      const std::string where =
          std::to_string(n) + " rows, " + std::to_string(threads) + " threads";
      const int64_t panels = (n + 15) / 16;
      ASSERT_FALSE(rows.empty()) << where;
      int64_t sum = 0, most = 0, least = n;
      for (size_t b = 0; b < rows.size(); ++b) {
        sum += rows[b];
        EXPECT_GE(rows[b], 1) << where;
        EXPECT_LE(rows[b], 128) << where;
        if (b + 1 < rows.size()) {
          EXPECT_EQ(rows[b] % 16, 0) << where << ", block " << b;
        }
        most = std::max(most, (rows[b] + 15) / 16);
        least = std::min(least, (rows[b] + 15) / 16);
      }
      EXPECT_EQ(sum, n) << where;
      EXPECT_LE(most - least, 1) << where;
      const auto count = static_cast<int64_t>(rows.size());
      if (panels >= 2 * threads) {
        EXPECT_EQ(count % threads, 0) << where;
        EXPECT_GE(count, 2 * threads) << where;
      }
    }
  }
  EXPECT_EQ(detail::weight_row_blocks(640, 2), (std::vector<int64_t>{112, 112, 112, 112, 96, 96}));
  EXPECT_EQ(detail::weight_row_blocks(640, 1), (std::vector<int64_t>(5, 128)));
}
}  // namespace
}  // namespace slkv
