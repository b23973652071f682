// The CUDA element decoders (kernels/dequant_elem.cuh) compiled for the host and compared with
// the CPU decoders element by element on the goldens and the pseudo-random streams. This
// checks the GPU kernels' index and bit arithmetic on every build, GPU or not; the gpu-labelled
// dequant_gpu_test then checks the device itself.

#include "dequant_elem.cuh"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "model/quant.hpp"
#include "model/quant_golden.hpp"

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace slkv {
namespace {

using namespace cuda::elem;  // NOLINT

template <typename Elem>
std::vector<float> decode_with(const std::vector<uint8_t>& raw) {
  const int64_t n_blocks = static_cast<int64_t>(raw.size()) / Elem::kBytes;
  std::vector<float> out(n_blocks * Elem::kElems);  // [n_blocks, kElems]
  for (int64_t b = 0; b < n_blocks; ++b) {
    for (int e = 0; e < Elem::kElems; ++e) {
      out[b * Elem::kElems + e] = Elem::at(raw.data() + b * Elem::kBytes, e);
    }
  }
  return out;
}

std::vector<float> decode_elementwise(GgmlType type, const std::vector<uint8_t>& raw) {
  switch (type) {
    case GgmlType::F16:
      return decode_with<F16Elem>(raw);
    case GgmlType::BF16:
      return decode_with<BF16Elem>(raw);
    case GgmlType::Q4_0:
      return decode_with<Q4_0Elem>(raw);
    case GgmlType::Q4_1:
      return decode_with<Q4_1Elem>(raw);
    case GgmlType::Q5_0:
      return decode_with<Q5_0Elem>(raw);
    case GgmlType::Q5_1:
      return decode_with<Q5_1Elem>(raw);
    case GgmlType::Q8_0:
      return decode_with<Q8_0Elem>(raw);
    case GgmlType::Q2_K:
      return decode_with<Q2_KElem>(raw);
    case GgmlType::Q3_K:
      return decode_with<Q3_KElem>(raw);
    case GgmlType::Q4_K:
      return decode_with<Q4_KElem>(raw);
    case GgmlType::Q5_K:
      return decode_with<Q5_KElem>(raw);
    case GgmlType::Q6_K:
      return decode_with<Q6_KElem>(raw);
    default:
      ADD_FAILURE() << "no element decoder";
      return {};
  }
}

// Finite values bit for bit, NaN where the CPU has NaN (the GPU does not keep payloads).
void expect_same(GgmlType type, const std::vector<uint8_t>& raw, const std::string& what) {
  const std::vector<float> got = decode_elementwise(type, raw);
  std::vector<float> want(got.size());
  dequantize_row(type, raw.data(), want.data(), static_cast<int64_t>(want.size()));
  int64_t n_bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const bool same = std::isnan(want[i]) ? std::isnan(got[i])
                                          : std::memcmp(&want[i], &got[i], sizeof(float)) == 0;
    if (!same && n_bad++ < 5) {
      ADD_FAILURE() << what << " element " << i << ": cpu " << want[i] << " element decoder "
                    << got[i];
    }
  }
  EXPECT_EQ(n_bad, 0) << what;
}

class DequantElem : public ::testing::TestWithParam<std::string> {};

TEST_P(DequantElem, MatchesCpuDecoder) {
  const auto doc = test::read_json(test::dequant_data_dir() / "synthetic" / (GetParam() + ".json"));
  const auto type = static_cast<GgmlType>(doc.at("type_id").get<uint32_t>());
  const auto traits = *ggml_type_traits(static_cast<uint32_t>(type));
  expect_same(type, test::from_hex(doc["handmade"]["raw_hex"].get<std::string>()),
              GetParam() + " handmade");
  const int64_t n_blocks = doc["stream"]["n_blocks"].get<int64_t>();
  expect_same(
      type,
      test::splitmix64_bytes(doc["stream"]["seed"].get<uint64_t>(), n_blocks * traits.block_bytes),
      GetParam() + " stream");
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, DequantElem,
                         ::testing::ValuesIn(test::golden_block_types()),
                         [](const auto& info) { return info.param; });

TEST(DequantElemFloat, EveryF16AndBF16BitPattern) {
  std::vector<uint8_t> all_u16(2 * 65536);
  for (uint32_t v = 0; v < 65536; ++v) {
    all_u16[2 * v] = static_cast<uint8_t>(v);
    all_u16[2 * v + 1] = static_cast<uint8_t>(v >> 8);
  }
  expect_same(GgmlType::F16, all_u16, "F16");
  expect_same(GgmlType::BF16, all_u16, "BF16");
}

}  // namespace
}  // namespace slkv
