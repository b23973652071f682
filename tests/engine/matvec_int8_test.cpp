// matvec_int8 (8-bit activations, integer dot products) on random blocks of every supported
// type, for the portable baseline and every instruction set this CPU has, against the f32
// dequantize-and-dot reference within the bound of engine/matvec_int8.hpp; the activation
// quantizer; the Session option's routing.

#include "engine/matvec_int8.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/model.hpp"
#include "engine/ops.hpp"
#include "int8_check.hpp"
#include "model/quant.hpp"
#include "tiny_model.hpp"

namespace slkv {
namespace {

struct TypeCase {
  GgmlType type;
  std::vector<int> half_offsets;  // byte offsets of f16 scales inside one block
};

const std::vector<TypeCase>& int8_cases() {
  static const std::vector<TypeCase> cases = {
      {GgmlType::Q4_0, {0}},   {GgmlType::Q4_1, {0, 2}}, {GgmlType::Q5_0, {0}},
      {GgmlType::Q8_0, {0}},   {GgmlType::Q4_K, {0, 2}}, {GgmlType::Q5_K, {0, 2}},
      {GgmlType::Q6_K, {208}},
  };
  return cases;
}

// Random bytes with finite f16 scales of modest size (about 2^-6 .. 2^1, either sign).
std::vector<uint8_t> random_blocks(const TypeCase& c, int64_t n_blocks, std::mt19937& rng) {
  const auto traits = *ggml_type_traits(static_cast<uint32_t>(c.type));
  std::vector<uint8_t> bytes(static_cast<size_t>(n_blocks * traits.block_bytes));
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  for (int64_t b = 0; b < n_blocks; ++b) {
    for (int off : c.half_offsets) {
      const uint16_t h =
          static_cast<uint16_t>(((rng() & 1u) << 15) | ((9 + rng() % 8) << 10) | (rng() & 0x3ffu));
      bytes[static_cast<size_t>(b * traits.block_bytes + off)] = static_cast<uint8_t>(h);
      bytes[static_cast<size_t>(b * traits.block_bytes + off + 1)] = static_cast<uint8_t>(h >> 8);
    }
  }
  return bytes;
}

TensorInfo view(GgmlType type, const std::vector<uint8_t>& bytes, int64_t out, int64_t in,
                const std::string& name) {
  TensorInfo w;
  w.name = name;
  w.type = type;
  w.shape = {out, in};
  w.n_bytes = bytes.size();
  w.data = bytes.data();
  return w;
}

TEST(MatvecInt8, QuantizerRoundsEachBlockToItsScale) {
  std::mt19937 rng(7);
  std::vector<float> x(96);
  for (auto& v : x) v = std::uniform_real_distribution<float>(-3.0f, 3.0f)(rng);
  std::fill_n(x.begin() + 32, 32, 0.0f);  // an all-zero block
  x[70] = -1e4f;                          // an outlier decides its block's scale
  Q8Row q;
  quantize_row_q8(x.data(), 96, q);
  ASSERT_EQ(q.q.size(), 96u);
  ASSERT_EQ(q.d.size(), 3u);
  ASSERT_EQ(q.sum16.size(), 6u);
  ASSERT_EQ(q.dsum.size(), 3u);
  EXPECT_EQ(q.d[1], 0.0f);
  EXPECT_EQ(q.q[70], -127);
  for (int b = 0; b < 3; ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[32 * b + i]));
    EXPECT_EQ(q.d[b], amax / 127.0f);
    for (int h = 0; h < 2; ++h) {
      int s = 0;
      for (int i = 16 * h; i < 16 * h + 16; ++i) s += q.q[32 * b + i];
      EXPECT_EQ(q.sum16[2 * b + h], s);
    }
    EXPECT_EQ(q.dsum[b], q.d[b] * static_cast<float>(q.sum16[2 * b] + q.sum16[2 * b + 1]));
    for (int i = 0; i < 32; ++i) {
      const double err = std::fabs(static_cast<double>(q.d[b]) * q.q[32 * b + i] - x[32 * b + i]);
      EXPECT_LE(err, (0.5 + 0x1p-15) * q.d[b]) << "element " << 32 * b + i;
    }
  }
  EXPECT_THROW(quantize_row_q8(x.data(), 40, q), Error);
}

// Every instruction set's quantizer gives the reference's bits: random blocks, blocks whose
// elements land exactly on .5 after scaling (round half to even), all-zero and negative-zero
// blocks, tiny and huge magnitudes, and blocks with inf or NaN (NaN scale, zero quants).
TEST(MatvecInt8, QuantizerSameBitsOnEveryIsa) {
  std::mt19937 rng(17);
  std::vector<float> x(32 * 40);
  for (auto& v : x) v = std::uniform_real_distribution<float>(-3.0f, 3.0f)(rng);
  // Block 1: amax 127 (scale 1), the other elements k / 2: every other one an exact .5 tie.
  for (int i = 0; i < 32; ++i) x[32 + i] = 0.5f * static_cast<float>(i - 16);
  x[32 + 31] = 127.0f;
  std::fill_n(x.begin() + 64, 32, 0.0f);
  std::fill_n(x.begin() + 96, 32, -0.0f);
  for (int i = 0; i < 32; ++i) x[128 + i] *= 1e-30f;
  for (int i = 0; i < 32; ++i) x[160 + i] *= 1e30f;
  x[200] = std::numeric_limits<float>::infinity();
  x[240] = -std::numeric_limits<float>::infinity();
  x[290] = std::numeric_limits<float>::quiet_NaN();
  x[31 * 32 + 5] = std::numeric_limits<float>::denorm_min();
  Q8Row ref;
  quantize_row_q8(x.data(), static_cast<int64_t>(x.size()), ref, MatvecIsa::baseline);
  EXPECT_TRUE(std::isnan(ref.d[6]) && std::isnan(ref.d[7]) && std::isnan(ref.d[9]));
  for (MatvecIsa isa : {MatvecIsa::avx2, MatvecIsa::avx512_vnni, MatvecIsa::best}) {
    if (!matvec_isa_available(isa)) continue;
    SCOPED_TRACE(static_cast<int>(isa));
    Q8Row q;
    quantize_row_q8(x.data(), static_cast<int64_t>(x.size()), q, isa);
    EXPECT_EQ(q.q, ref.q);
    EXPECT_EQ(q.sum16, ref.sum16);
    ASSERT_EQ(q.d.size(), ref.d.size());
    for (size_t b = 0; b < ref.d.size(); ++b) {
      // NaN != NaN: compare the bits.
      EXPECT_EQ(std::bit_cast<uint32_t>(q.d[b]), std::bit_cast<uint32_t>(ref.d[b])) << b;
      EXPECT_EQ(std::bit_cast<uint32_t>(q.dsum[b]), std::bit_cast<uint32_t>(ref.dsum[b])) << b;
    }
  }
}

TEST(MatvecInt8, MatchesDequantizedDotForEveryTypeRowCountAndIsa) {
  std::mt19937 rng(4321);
  for (const TypeCase& c : int8_cases()) {
    const std::string label(ggml_type_name(c.type));
    ASSERT_TRUE(matvec_int8_supported(c.type)) << label;
    const auto traits = *ggml_type_traits(static_cast<uint32_t>(c.type));
    const int64_t in = traits.block_elements == 32 ? 32 * 11 : 256 * 3;
    const int64_t out = 200;  // 200 x in elements: large enough for the OpenMP path
    const std::vector<uint8_t> bytes = random_blocks(c, out * in / traits.block_elements, rng);
    const TensorInfo w = view(c.type, bytes, out, in, "random." + label);
    std::vector<float> dense(static_cast<size_t>(out * in));  // [out, in]
    dequantize_row(c.type, bytes.data(), dense.data(), out * in);
    for (MatvecIsa isa : test::int8_isas()) {
      for (int64_t n_rows : {1, 3, 8}) test::check_int8_matvec(w, dense, isa, n_rows, rng, label);
    }
  }
}

TEST(MatvecInt8, IsasAgreeAndBestIsOneOfThem) {
  // All instruction sets compute the same integer sums; their f32 results differ only in
  // the order of the f32 scaling and summation.
  std::mt19937 rng(5);
  const TypeCase c{GgmlType::Q4_K, {0, 2}};
  const int64_t in = 512, out = 32;
  const std::vector<uint8_t> bytes = random_blocks(c, out * in / 256, rng);
  const TensorInfo w = view(c.type, bytes, out, in, "random.q4_k");
  std::vector<float> x(static_cast<size_t>(in));
  for (auto& v : x) v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
  std::vector<float> base(static_cast<size_t>(out)), best(static_cast<size_t>(out));
  matvec_int8(w, 0, out, x.data(), 1, base.data(), MatvecIsa::baseline);
  matvec_int8(w, 0, out, x.data(), 1, best.data(), MatvecIsa::best);
  for (int64_t j = 0; j < out; ++j) {
    EXPECT_NEAR(best[j], base[j], 1e-4 * (1.0 + std::fabs(base[j]))) << "row " << j;
  }
}

TEST(MatvecInt8, NonFiniteActivationsGiveNaNOutputs) {
  std::mt19937 rng(21);
  const TypeCase c{GgmlType::Q4_0, {0}};
  const std::vector<uint8_t> bytes = random_blocks(c, 4 * 2, rng);
  const TensorInfo w = view(c.type, bytes, 4, 64, "random.q4_0");
  for (float bad : {NAN, INFINITY}) {
    std::vector<float> x(64, 0.5f), y(4, 0.0f);
    x[40] = bad;
    for (MatvecIsa isa : test::int8_isas()) {
      matvec_int8(w, 0, 4, x.data(), 1, y.data(), isa);
      for (float v : y) EXPECT_TRUE(std::isnan(v)) << test::isa_name(isa) << " " << bad;
    }
  }
}

TEST(MatvecInt8, RejectsBadShapesAndTypes) {
  std::mt19937 rng(3);
  const TypeCase c{GgmlType::Q8_0, {0}};
  const std::vector<uint8_t> bytes = random_blocks(c, 4, rng);
  std::vector<float> x(64), y(2);
  TensorInfo w = view(c.type, bytes, 2, 64, "blk.0.attn_q.weight");
  w.n_bytes -= 1;
  try {
    matvec_int8(w, 0, 2, x.data(), 1, y.data());
    FAIL() << "no error for a short tensor";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("blk.0.attn_q.weight"), std::string::npos) << e.what();
  }
  w = view(GgmlType::F16, bytes, 2, 34, "f16.weight");
  EXPECT_FALSE(matvec_int8_supported(GgmlType::F16));
  EXPECT_THROW(matvec_int8(w, 0, 2, x.data(), 1, y.data()), Error);
}

TEST(MatvecInt8, LinearRoutesFewRowsByPrecision) {
  // With kInt8, linear's few-row products are matvec_int8's (bit for bit); with kExact they
  // are matvec's; many rows stay on the exact sgemm path either way.
  std::mt19937 rng(11);
  const TypeCase c{GgmlType::Q4_1, {0, 2}};
  const int64_t in = 256, out = 48;
  const std::vector<uint8_t> bytes = random_blocks(c, out * in / 32, rng);
  const TensorInfo w = view(c.type, bytes, out, in, "random.q4_1");
  std::vector<float> x(static_cast<size_t>(16 * in));
  for (auto& v : x) v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
  std::vector<float> a(static_cast<size_t>(16 * out)), b(a.size());
  LinearScratch scratch;
  scratch.precision = MatvecPrecision::kInt8;
  linear(w, x.data(), 1, a.data(), nullptr, scratch);
  matvec_int8(w, 0, out, x.data(), 1, b.data());
  for (int64_t j = 0; j < out; ++j) EXPECT_EQ(a[j], b[j]) << j;
  scratch.precision = MatvecPrecision::kExact;
  linear(w, x.data(), 1, a.data(), nullptr, scratch);
  matvec(w, 0, out, x.data(), 1, b.data());
  for (int64_t j = 0; j < out; ++j) EXPECT_EQ(a[j], b[j]) << j;
  scratch.precision = MatvecPrecision::kInt8;
  linear(w, x.data(), 16, a.data(), nullptr, scratch);
  linear_range_gemm(w, 0, out, x.data(), 16, b.data(), scratch);
  for (int64_t j = 0; j < 16 * out; ++j) EXPECT_EQ(a[j], b[j]) << j;
}

TEST(MatvecInt8, ManyProductsGiveTheBitsOfSeparateCalls) {
  // Three weights of different types and row counts sharing x (q, k, v), together large enough
  // for an OpenMP team (1.16 M elements): matvec_int8_many and linear_many (which routes few
  // rows to it) against one matvec_int8 per weight, on one and two threads, for one and three
  // activation rows.
  std::mt19937 rng(17);
  const int64_t in = 1024;
  const TypeCase cases[] = {
      {GgmlType::Q4_1, {0, 2}}, {GgmlType::Q8_0, {0}}, {GgmlType::Q6_K, {208}}};
  const int64_t outs[] = {600, 200, 330};  // 330: a last task of 10 rows
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<TensorInfo> weights;
  for (int i = 0; i < 3; ++i) {
    const auto traits = *ggml_type_traits(static_cast<uint32_t>(cases[i].type));
    bytes.push_back(random_blocks(cases[i], outs[i] * in / traits.block_elements, rng));
  }
  for (int i = 0; i < 3; ++i) {
    weights.push_back(
        view(cases[i].type, bytes[static_cast<size_t>(i)], outs[i], in, "w" + std::to_string(i)));
  }
  std::vector<float> x(static_cast<size_t>(3 * in));
  for (auto& v : x) v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (int64_t rows : {int64_t{1}, int64_t{3}}) {
      std::vector<std::vector<float>> want(3), many(3), lin(3);
      std::vector<MatvecTarget> targets;
      std::vector<LinearCall> calls;
      for (size_t i = 0; i < 3; ++i) {
        want[i].assign(static_cast<size_t>(rows * outs[i]), 0.0f);
        many[i].assign(want[i].size(), -1.0f);
        lin[i].assign(want[i].size(), -1.0f);
        matvec_int8(weights[i], 0, outs[i], x.data(), rows, want[i].data());
        targets.push_back({&weights[i], many[i].data()});
        calls.push_back({&weights[i], lin[i].data()});
      }
      matvec_int8_many(targets, x.data(), rows);
      LinearScratch scratch;
      scratch.precision = MatvecPrecision::kInt8;
      linear_many(calls, x.data(), rows, scratch);
      for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(many[i], want[i]) << "weight " << i << ", " << rows << " rows, " << threads;
        EXPECT_EQ(lin[i], want[i]) << "weight " << i << ", " << rows << " rows, " << threads;
      }
    }
  }
  omp_set_num_threads(saved);
  // Different column counts: refused, naming the tensor.
  const TensorInfo narrow = view(GgmlType::Q8_0, bytes[1], 800, 256, "narrow.weight");
  std::vector<float> y0(600), y1(800);
  const MatvecTarget mixed[] = {{&weights[0], y0.data()}, {&narrow, y1.data()}};
  try {
    matvec_int8_many(mixed, x.data(), 1);
    FAIL() << "no error for products of different widths";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("narrow.weight"), std::string::npos) << e.what();
  }
}

TEST(MatvecInt8, SessionsDefaultToExactAndInt8FallsBackForOtherTypes) {
  // The profiler, probes and parity tests rely on the default; the tiny model's f32 weights
  // have no int8 kernel, so kInt8 must leave its logits bit-identical.
  auto m = test::make_tiny_model("llama", 5);
  Model model(m->config, m->weights);
  Session exact(model), fast(model);
  EXPECT_EQ(exact.matvec_precision(), MatvecPrecision::kExact);
  fast.set_matvec_precision(MatvecPrecision::kInt8);
  EXPECT_EQ(fast.matvec_precision(), MatvecPrecision::kInt8);
  const std::vector<int32_t> prompt = {3, 14, 15, 9};
  EXPECT_EQ(exact.forward_last(prompt), fast.forward_last(prompt));
  const int32_t one[1] = {7};
  EXPECT_EQ(exact.forward_last(one), fast.forward_last(one));
}

}  // namespace
}  // namespace slkv
