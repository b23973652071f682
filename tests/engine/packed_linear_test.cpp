// PackedLinear (oneDNN matmul over weights packed once) against the streamed path
// (dequantize + OpenBLAS sgemm) and against a double-precision product, on F32 and Q8_0 weights
// and row counts that cross oneDNN's blocking. Both f32 products obey the classic summation
// bound |ŷ - y| <= γ_K Σ_k |x_k||w_k| with γ_K = K u / (1 - K u), u = 2^-24, so each is checked
// against the double product with that bound, and they differ from each other by at most twice
// it. Without oneDNN the type must refuse clearly.

#include "engine/packed_linear.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/ops.hpp"
#include "model/quant.hpp"

namespace slkv {
namespace {

constexpr double kUnitRoundoff = 1.0 / (1 << 24);

struct Weight {
  TensorInfo info;
  std::vector<uint8_t> bytes;
};

// [out, in] random weights: F32 uniform in [-1, 1), or Q8_0 blocks (f16 scale in [1/64, 1/32),
// random int8 values).
Weight make_weight(GgmlType type, int64_t out, int64_t in, std::mt19937& rng) {
  Weight w;
  w.info.name = "test.weight";
  w.info.type = type;
  w.info.shape = {out, in};
  if (type == GgmlType::F32) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(out * in));
    for (float& x : v) x = u(rng);
    w.bytes.resize(v.size() * sizeof(float));
    std::memcpy(w.bytes.data(), v.data(), w.bytes.size());
  } else {
    const int64_t n_blocks = out * in / 32;
    w.bytes.resize(static_cast<size_t>(n_blocks * 34));
    for (int64_t b = 0; b < n_blocks; ++b) {
      uint8_t* block = w.bytes.data() + b * 34;
      const uint16_t half = static_cast<uint16_t>((9u << 10) | (rng() & 0x3ffu));  // 2^-6..2^-5
      block[0] = static_cast<uint8_t>(half);
      block[1] = static_cast<uint8_t>(half >> 8);
      for (int i = 2; i < 34; ++i) block[i] = static_cast<uint8_t>(rng());
    }
  }
  w.info.n_bytes = w.bytes.size();
  w.info.data = w.bytes.data();
  return w;
}

std::vector<float> random_rows(int64_t n_rows, int64_t in, std::mt19937& rng) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n_rows * in));
  for (float& v : x) v = d(rng);
  return x;
}

TEST(PackedLinear, MatchesTheDoubleProductWithinTheSummationBound) {
  if (!PackedLinear::available()) GTEST_SKIP() << "built without oneDNN";
  std::mt19937 rng(5);
  struct Case {
    GgmlType type;
    int64_t out, in;
  };
  for (const Case& c : {Case{GgmlType::F32, 70, 96}, Case{GgmlType::Q8_0, 200, 576},
                        Case{GgmlType::F32, 33, 1536}}) {
    const Weight w = make_weight(c.type, c.out, c.in, rng);
    std::vector<float> wf(static_cast<size_t>(c.out * c.in));
    dequantize_rows(w.info, 0, c.out, wf.data());
    const PackedLinear packed(w.info);
    EXPECT_EQ(packed.out(), c.out);
    EXPECT_EQ(packed.in(), c.in);
    EXPECT_GE(packed.bytes(), c.out * c.in * 4);
    const double gamma = c.in * kUnitRoundoff / (1.0 - c.in * kUnitRoundoff);
    for (int64_t n_rows : {1, 9, 64, 517}) {  // one primitive, several row counts
      const std::vector<float> x = random_rows(n_rows, c.in, rng);
      std::vector<float> y_packed(static_cast<size_t>(n_rows * c.out), -7.0f);
      std::vector<float> y_streamed(y_packed.size(), -7.0f);
      packed.run(x.data(), n_rows, y_packed.data());
      LinearScratch scratch;
      linear_range_gemm(w.info, 0, c.out, x.data(), n_rows, y_streamed.data(), scratch);
      int64_t differing = 0;
      for (int64_t t = 0; t < n_rows; ++t) {
        for (int64_t j = 0; j < c.out; ++j) {
          double exact = 0, magnitude = 0;
          for (int64_t k = 0; k < c.in; ++k) {
            const double p = static_cast<double>(x[static_cast<size_t>(t * c.in + k)]) *
                             wf[static_cast<size_t>(j * c.in + k)];
            exact += p;
            magnitude += std::abs(p);
          }
          const size_t i = static_cast<size_t>(t * c.out + j);
          const double bound = gamma * magnitude;
          ASSERT_LE(std::abs(y_packed[i] - exact), bound)
              << "type " << ggml_type_name(c.type) << " rows " << n_rows << " [" << t << ", " << j
              << "]";
          ASSERT_LE(std::abs(y_streamed[i] - exact), bound);
          ASSERT_LE(std::abs(y_packed[i] - y_streamed[i]), 2 * bound);
          differing += y_packed[i] != y_streamed[i];
        }
      }
      // Not a tautology: the two paths are different code and agree only to rounding.
      RecordProperty("differing_" + std::to_string(n_rows), static_cast<int>(differing));
    }
  }
}

TEST(PackedLinear, LinearUsesThePackedCopyOnlyForManyRows) {
  if (!PackedLinear::available()) GTEST_SKIP() << "built without oneDNN";
  std::mt19937 rng(6);
  const Weight w = make_weight(GgmlType::F32, 40, 64, rng);
  const PackedLinear packed(w.info);
  std::vector<float> bias(40);
  for (size_t j = 0; j < bias.size(); ++j) bias[j] = static_cast<float>(j) * 0.5f;
  for (int64_t n_rows : {3, 30}) {
    const std::vector<float> x = random_rows(n_rows, 64, rng);
    std::vector<float> with(static_cast<size_t>(n_rows * 40)), without(with.size());
    LinearScratch scratch;
    linear(w.info, x.data(), n_rows, with.data(), bias.data(), scratch, &packed);
    linear(w.info, x.data(), n_rows, without.data(), bias.data(), scratch);
    for (size_t i = 0; i < with.size(); ++i) {
      ASSERT_NEAR(with[i], without[i], 1e-4) << "rows " << n_rows << " element " << i;
    }
  }
  const Weight other = make_weight(GgmlType::F32, 41, 64, rng);
  std::vector<float> x = random_rows(30, 64, rng), y(30 * 41);
  LinearScratch scratch;
  EXPECT_THROW(linear(other.info, x.data(), 30, y.data(), nullptr, scratch, &packed), Error);
}

TEST(PackedLinear, RefusesClearlyWithoutOneDnn) {
  if (PackedLinear::available()) GTEST_SKIP() << "built with oneDNN";
  std::mt19937 rng(7);
  const Weight w = make_weight(GgmlType::F32, 8, 32, rng);
  try {
    PackedLinear packed(w.info);
    FAIL() << "constructed without oneDNN";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("without oneDNN"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace slkv
