// Dequantization against gguf-py goldens (tests/reference/dequant_reference.py): hand-made
// blocks with extreme / subnormal / inf / NaN scales and long pseudo-random block streams must
// give bit-identical f32 (hashes of the raw bits, so NaN payloads count too). Plus the errors.

#include "model/quant.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "core/cpu_features.hpp"
#include "core/error.hpp"
#include "model/quant_blocks.hpp"
#include "model/quant_golden.hpp"

namespace slkv {
namespace {

using test::dequant_data_dir;
using test::f32_hash;
using test::from_hex;
using test::read_json;
using test::splitmix64_bytes;

GgmlType type_of(const nlohmann::json& doc) {
  return static_cast<GgmlType>(doc.at("type_id").get<uint32_t>());
}

TensorInfo flat_tensor(GgmlType type, const std::vector<uint8_t>& bytes, int64_t n_rows,
                       int64_t row_elements) {
  TensorInfo t;
  t.name = "synthetic";
  t.type = type;
  t.shape = {n_rows, row_elements};
  t.n_bytes = bytes.size();
  t.data = bytes.data();
  return t;
}

// Each golden type with the decoders dequantize_blocks picks on this CPU (AVX2 + F16C forms
// for the hot types where present) and with the portable ones only.
class GoldenTypeTest : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  void SetUp() override { previous_ = detail::set_dequant_portable_only(portable_only()); }
  void TearDown() override { detail::set_dequant_portable_only(previous_); }
  std::string type_name() const { return std::get<0>(GetParam()); }
  bool portable_only() const { return std::get<1>(GetParam()); }

 private:
  bool previous_ = false;
};

TEST_P(GoldenTypeTest, HandmadeBlocksMatchGgufPyBitForBit) {
  const auto doc = read_json(dequant_data_dir() / "synthetic" / (type_name() + ".json"));
  const GgmlType type = type_of(doc);
  const auto traits = *ggml_type_traits(static_cast<uint32_t>(type));
  const auto& hm = doc.at("handmade");
  const auto raw = from_hex(hm.at("raw_hex").get<std::string>());
  const int64_t n_blocks = hm.at("n_blocks").get<int64_t>();
  ASSERT_EQ(raw.size(), static_cast<size_t>(n_blocks) * traits.block_bytes);

  std::vector<float> y(n_blocks * traits.block_elements);  // [n_blocks, block_elements]
  dequantize_row(type, raw.data(), y.data(), static_cast<int64_t>(y.size()));
  const auto& block_hashes = hm.at("block_f32_xxh3_128");
  ASSERT_EQ(block_hashes.size(), static_cast<size_t>(n_blocks));
  for (int64_t b = 0; b < n_blocks; ++b) {
    EXPECT_EQ(f32_hash(y.data() + b * traits.block_elements, traits.block_elements),
              block_hashes[b].get<std::string>())
        << type_name() << " block " << b << " first value " << y[b * traits.block_elements];
  }
  EXPECT_EQ(f32_hash(y.data(), y.size()), hm.at("f32_xxh3_128").get<std::string>());
}

TEST_P(GoldenTypeTest, RandomStreamMatchesGgufPyAndThreadedPathAgrees) {
  const auto doc = read_json(dequant_data_dir() / "synthetic" / (type_name() + ".json"));
  const GgmlType type = type_of(doc);
  const auto traits = *ggml_type_traits(static_cast<uint32_t>(type));
  const auto& st = doc.at("stream");
  const int64_t n_blocks = st.at("n_blocks").get<int64_t>();
  const auto raw = splitmix64_bytes(st.at("seed").get<uint64_t>(), n_blocks * traits.block_bytes);
  const int64_t n = n_blocks * traits.block_elements;

  std::vector<float> serial(n);  // [n]
  dequantize_row(type, raw.data(), serial.data(), n);
  if (f32_hash(serial.data(), n) != st.at("f32_xxh3_128").get<std::string>()) {
    // Only allowed where d and m/dmin are both NaN/inf: IEEE 754 does not say which input
    // NaN's payload a + b or a - b returns, and numpy's lanes differ among themselves. The
    // NaN positions and every other value must still match bit for bit.
    ASSERT_GT(st.at("two_nan_blocks").get<int>(), 0) << type_name() << ": hash differs";
    std::vector<float> canonical = serial;
    const float quiet_nan = std::bit_cast<float>(0x7FC00000u);
    for (float& v : canonical) v = std::isnan(v) ? quiet_nan : v;
    EXPECT_EQ(f32_hash(canonical.data(), n), st.at("f32_nan_canonical_xxh3_128").get<std::string>())
        << type_name();
    std::printf("%s: stream matches gguf-py up to the payload of NaN + NaN results\n",
                type_name().c_str());
  }

  // The same bytes as a [rows, 1024] tensor go through the OpenMP path of dequantize_tensor.
  const int64_t row_elements = 1024;
  ASSERT_EQ(n % row_elements, 0);
  const TensorInfo t = flat_tensor(type, raw, n / row_elements, row_elements);
  std::vector<float> threaded(n, -1.0f);
  dequantize_tensor(t, threaded.data());
  EXPECT_EQ(std::memcmp(serial.data(), threaded.data(), n * sizeof(float)), 0);

  // A row range lands at the start of dst.
  std::vector<float> rows(3 * row_elements);
  dequantize_rows(t, 5, 8, rows.data());
  EXPECT_EQ(std::memcmp(serial.data() + 5 * row_elements, rows.data(), rows.size() * 4), 0);
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, GoldenTypeTest,
                         ::testing::Combine(::testing::ValuesIn(test::golden_block_types()),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param) +
                                  (std::get<1>(info.param) ? "_portable" : "_best");
                         });

// The parametrized tests above cover the AVX2 decoders only if dequantize_blocks picks them.
TEST(Dequant, HotTypesUseAvx2DecodersWhereTheCpuHasThem) {
#if !defined(__x86_64__) || defined(__clang__)
  GTEST_SKIP() << "the AVX2 decoders are built by GCC for x86-64 only";
#else
  if (!__builtin_cpu_supports("avx2") || !cpu_has_f16c()) GTEST_SKIP() << "no AVX2 + F16C";
  const GgmlType hot[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                          GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K};
  for (GgmlType type : hot) EXPECT_TRUE(detail::dequant_uses_avx2(type)) << ggml_type_name(type);
  EXPECT_FALSE(detail::dequant_uses_avx2(GgmlType::Q5_K));
  EXPECT_FALSE(detail::dequant_uses_avx2(GgmlType::F16));
  const bool previous = detail::set_dequant_portable_only(true);
  for (GgmlType type : hot) EXPECT_FALSE(detail::dequant_uses_avx2(type)) << ggml_type_name(type);
  detail::set_dequant_portable_only(previous);
#endif
}

TEST(Dequant, FloatTypesMatchGgufPyOnEveryBitPattern) {
  const auto doc = read_json(dequant_data_dir() / "synthetic" / "float.json");
  std::vector<uint8_t> all_u16(2 * 65536);
  for (uint32_t v = 0; v < 65536; ++v) {
    all_u16[2 * v] = static_cast<uint8_t>(v);
    all_u16[2 * v + 1] = static_cast<uint8_t>(v >> 8);
  }
  std::vector<float> y(65536);
  dequantize_row(GgmlType::F16, all_u16.data(), y.data(), 65536);
  EXPECT_EQ(f32_hash(y.data(), y.size()), doc["types"]["F16"]["f32_xxh3_128"]);
  dequantize_row(GgmlType::BF16, all_u16.data(), y.data(), 65536);
  EXPECT_EQ(f32_hash(y.data(), y.size()), doc["types"]["BF16"]["f32_xxh3_128"]);
  const auto f32 = splitmix64_bytes(doc["stream"]["seed"].get<uint64_t>(), 4 * 65536);
  dequantize_row(GgmlType::F32, f32.data(), y.data(), 65536);
  EXPECT_EQ(f32_hash(y.data(), y.size()), doc["types"]["F32"]["f32_xxh3_128"]);
}

TEST(Dequant, HalfToFloatSpecialValues) {
  EXPECT_EQ(detail::half_to_float(0x3C00), 1.0f);
  EXPECT_EQ(detail::half_to_float(0xC000), -2.0f);
  EXPECT_EQ(detail::half_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(detail::half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(detail::half_to_float(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_TRUE(std::signbit(detail::half_to_float(0x8000)));
  EXPECT_EQ(detail::half_to_float(0xFC00), -INFINITY);
  const float snan = detail::half_to_float(0x7C01);
  uint32_t bits;
  std::memcpy(&bits, &snan, 4);
  EXPECT_EQ(bits, 0x7F802000u);  // payload kept, not quieted
}

TEST(Dequant, UnsupportedTypesNameTheType) {
  const uint8_t buf[512] = {};
  float out[256];
  for (GgmlType type : {GgmlType::IQ2_XXS, GgmlType::IQ4_NL, GgmlType::TQ1_0, GgmlType::MXFP4,
                        GgmlType::Q8_1, GgmlType::Q8_K, GgmlType::I32}) {
    EXPECT_FALSE(dequant_supported(type));
    const std::string name(ggml_type_name(type));
    try {
      dequantize_row(type, buf, out, 256);
      ADD_FAILURE() << name << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos) << e.what();
    }
  }
  try {
    dequantize_row(static_cast<GgmlType>(99), buf, out, 32);
    ADD_FAILURE() << "type id 99 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown ggml type id 99"), std::string::npos);
  }
}

TEST(Dequant, MisalignedCountsAreRefused) {
  const uint8_t buf[512] = {};
  float out[512];
  EXPECT_THROW(dequantize_row(GgmlType::Q4_0, buf, out, 33), Error);
  EXPECT_THROW(dequantize_row(GgmlType::Q4_K, buf, out, 128), Error);
  EXPECT_THROW(dequantize_row(GgmlType::Q8_0, buf, out, -32), Error);
  EXPECT_NO_THROW(dequantize_row(GgmlType::Q4_0, buf, out, 0));
}

TEST(Dequant, TensorValidation) {
  std::vector<uint8_t> bytes(4 * 20);  // 4 blocks of Q4_1
  TensorInfo t = flat_tensor(GgmlType::Q4_1, bytes, 2, 64);
  t.name = "blk.0.attn_q.weight";
  t.file_path = "model.gguf";
  t.file_offset = 1234;
  std::vector<float> out(128);
  EXPECT_NO_THROW(dequantize_tensor(t, out.data()));

  auto expect_error = [&](const TensorInfo& bad, const std::string& needle) {
    try {
      dequantize_tensor(bad, out.data());
      ADD_FAILURE() << "accepted; wanted an error containing '" << needle << "'";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(needle), std::string::npos) << what;
      EXPECT_NE(what.find("blk.0.attn_q.weight"), std::string::npos) << what;
      EXPECT_NE(what.find("model.gguf"), std::string::npos) << what;
    }
  };
  TensorInfo wrong_bytes = t;
  wrong_bytes.n_bytes = 79;
  expect_error(wrong_bytes, "need 80");
  TensorInfo misaligned_row = t;
  misaligned_row.shape = {4, 16};
  expect_error(misaligned_row, "not a multiple");
  TensorInfo negative = t;
  negative.shape = {-2, 64};
  expect_error(negative, "invalid shape");
  TensorInfo overflow = t;
  overflow.shape = {int64_t{1} << 40, int64_t{1} << 40, 32};
  expect_error(overflow, "overflow");
  TensorInfo unsupported = t;
  unsupported.type = GgmlType::IQ3_S;
  expect_error(unsupported, "IQ3_S");

  EXPECT_THROW(dequantize_rows(t, 1, 3, out.data()), Error);
  EXPECT_THROW(dequantize_rows(t, -1, 1, out.data()), Error);
  EXPECT_THROW(dequantize_rows(t, 2, 1, out.data()), Error);
  EXPECT_NO_THROW(dequantize_rows(t, 1, 1, nullptr));
}

}  // namespace
}  // namespace slkv
