// matvec (fused decode-and-dot from stored blocks) against dequantize_row followed by a dot
// product in double, for every supported type on random blocks, within the f32 summation
// error bound documented in engine/matvec.hpp.

#include "engine/matvec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/ops.hpp"
#include "model/quant.hpp"
#include "random_blocks.hpp"

namespace slkv {
namespace {

using namespace test_blocks;

TEST(Matvec, MatchesDequantizedDotForEveryTypeRowCountAndIsa) {
  constexpr double kU = 0x1p-24;  // f32 unit roundoff
  std::mt19937 rng(1234);
  for (const TypeCase& c : all_cases()) {
    const std::string label(ggml_type_name(c.type));
    ASSERT_TRUE(matvec_supported(c.type)) << label;
    const int64_t in = row_length(c.type);
    const int64_t out = 300;  // 300 x in elements: large enough for the OpenMP path
    std::vector<uint8_t> bytes = random_weight(c, out, in, rng);
    TensorInfo w;
    w.name = "random." + label;
    w.type = c.type;
    w.shape = {out, in};
    w.n_bytes = bytes.size();
    w.data = bytes.data();
    std::vector<float> dense(static_cast<size_t>(out * in));  // [out, in]
    dequantize_row(c.type, bytes.data(), dense.data(), out * in);
    for (MatvecIsa isa : {MatvecIsa::best, MatvecIsa::baseline}) {
      for (int64_t n_rows : {1, 2, 3, 5, 8}) {
        std::vector<float> x(static_cast<size_t>(n_rows * in));  // [n_rows, in]
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        for (auto& v : x) v = dist(rng);
        // A sub-range of output rows, not starting at a task boundary.
        const int64_t out_begin = 5;
        const int64_t out_end = out - 3;
        const int64_t n_out = out_end - out_begin;
        std::vector<float> y(static_cast<size_t>(n_rows * n_out), NAN);  // [n_rows, n_out]
        matvec(w, out_begin, out_end, x.data(), n_rows, y.data(), isa);
        const double gamma = in * kU / (1.0 - in * kU);
        for (int64_t t = 0; t < n_rows; ++t) {
          for (int64_t j = 0; j < n_out; ++j) {
            double exact = 0.0;
            double magnitude = 0.0;
            for (int64_t i = 0; i < in; ++i) {
              const double p = static_cast<double>(dense[(out_begin + j) * in + i]) * x[t * in + i];
              exact += p;
              magnitude += std::fabs(p);
            }
            const double got = y[t * n_out + j];
            ASSERT_LE(std::fabs(got - exact), gamma * magnitude + 1e-30)
                << label << " rows " << n_rows << " t " << t << " j " << j << " baseline "
                << (isa == MatvecIsa::baseline);
          }
        }
      }
    }
  }
}

TEST(Matvec, LinearRangeAgreesWithTheGemmPath) {
  // linear_range takes the matvec path for few rows; the dequantize + sgemm path must give the
  // same products up to f32 summation order (both within gamma_n of the exact value).
  std::mt19937 rng(99);
  const TypeCase c{GgmlType::Q4_K, {0, 2}};
  const int64_t in = 512, out = 64;
  std::vector<uint8_t> bytes = random_weight(c, out, in, rng);
  TensorInfo w;
  w.name = "random.q4_k";
  w.type = c.type;
  w.shape = {out, in};
  w.n_bytes = bytes.size();
  w.data = bytes.data();
  std::vector<float> x(static_cast<size_t>(2 * in));
  for (auto& v : x) v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
  std::vector<float> bias(static_cast<size_t>(out));
  for (auto& v : bias) v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
  LinearScratch scratch;
  std::vector<float> a(static_cast<size_t>(2 * out)), b(static_cast<size_t>(2 * out));
  linear(w, x.data(), 2, a.data(), bias.data(), scratch);
  linear_range_gemm(w, 0, out, x.data(), 2, b.data(), scratch);
  for (int64_t t = 0; t < 2; ++t) {
    for (int64_t j = 0; j < out; ++j) {
      const float ref = b[t * out + j] + bias[j];
      EXPECT_NEAR(a[t * out + j], ref, 1e-4f * (1.0f + std::fabs(ref))) << t << " " << j;
    }
  }
}

TEST(Matvec, RejectsAWrongByteSizeNamingTheTensor) {
  std::vector<uint8_t> bytes(20 * 4);
  TensorInfo w;
  w.name = "blk.0.attn_q.weight";
  w.type = GgmlType::Q4_1;
  w.shape = {4, 64};  // needs 4 * 2 * 20 = 160 bytes
  w.n_bytes = bytes.size();
  w.data = bytes.data();
  std::vector<float> x(64, 1.0f), y(4);
  try {
    matvec(w, 0, 4, x.data(), 1, y.data());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("blk.0.attn_q.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("160"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(matvec_supported(GgmlType::IQ2_XXS));
}

}  // namespace
}  // namespace slkv
