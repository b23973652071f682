// GPU dequantization against the CPU oracle (model/quant.hpp) on the synthetic goldens, on the
// pseudo-random block streams and on every f16/bf16 bit pattern: finite values must be
// bit-identical, NaNs must be NaN at the same positions (the GPU writes its canonical NaN).

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "dequant.hpp"
#include "device.hpp"
#include "model/quant.hpp"
#include "model/quant_golden.hpp"

namespace slkv {
namespace {

// Runs the GPU kernel on `raw` and returns its output ([n_elements] f32).
std::vector<float> run_gpu(GgmlType type, const std::vector<uint8_t>& raw, int64_t n_elements) {
  void* d_src = nullptr;
  float* d_dst = nullptr;
  EXPECT_EQ(cudaMalloc(&d_src, raw.size()), cudaSuccess);
  EXPECT_EQ(cudaMalloc(reinterpret_cast<void**>(&d_dst), n_elements * sizeof(float)), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(d_src, raw.data(), raw.size(), cudaMemcpyHostToDevice), cudaSuccess);
  EXPECT_EQ(cuda::dequantize(type, d_src, d_dst, n_elements, nullptr), cudaSuccess);
  std::vector<float> out(n_elements);
  EXPECT_EQ(cudaMemcpy(out.data(), d_dst, out.size() * sizeof(float), cudaMemcpyDeviceToHost),
            cudaSuccess);
  cudaFree(d_src);
  cudaFree(d_dst);
  return out;
}

void expect_parity(GgmlType type, const std::vector<uint8_t>& raw, int64_t n_elements,
                   const std::string& what) {
  std::vector<float> cpu(n_elements);
  dequantize_row(type, raw.data(), cpu.data(), n_elements);
  const std::vector<float> gpu = run_gpu(type, raw, n_elements);
  int64_t n_bad = 0;
  for (int64_t i = 0; i < n_elements; ++i) {
    const bool same =
        std::isnan(cpu[i]) ? std::isnan(gpu[i]) : std::memcmp(&cpu[i], &gpu[i], sizeof(float)) == 0;
    if (!same && n_bad++ < 5) {
      ADD_FAILURE() << what << " element " << i << ": cpu " << cpu[i] << " gpu " << gpu[i];
    }
  }
  EXPECT_EQ(n_bad, 0) << what;
}

class DequantGpu : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  }
};

TEST_P(DequantGpu, MatchesCpuOnGoldensAndStreams) {
  const auto doc = test::read_json(test::dequant_data_dir() / "synthetic" / (GetParam() + ".json"));
  const auto type = static_cast<GgmlType>(doc.at("type_id").get<uint32_t>());
  const auto traits = *ggml_type_traits(static_cast<uint32_t>(type));
  const auto handmade = test::from_hex(doc["handmade"]["raw_hex"].get<std::string>());
  expect_parity(type, handmade, handmade.size() / traits.block_bytes * traits.block_elements,
                GetParam() + " handmade");
  const int64_t n_blocks = doc["stream"]["n_blocks"].get<int64_t>();
  const auto stream =
      test::splitmix64_bytes(doc["stream"]["seed"].get<uint64_t>(), n_blocks * traits.block_bytes);
  expect_parity(type, stream, n_blocks * traits.block_elements, GetParam() + " stream");
  // More elements (32 Mi) than one grid's threads (16 Mi), to exercise the grid-stride loop.
  const int64_t n_big = (int64_t{1} << 25) / traits.block_elements;
  const auto big = test::splitmix64_bytes(7, n_big * traits.block_bytes);
  expect_parity(type, big, n_big * traits.block_elements, GetParam() + " large stream");
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, DequantGpu, ::testing::ValuesIn(test::golden_block_types()),
                         [](const auto& info) { return info.param; });

TEST(DequantGpuFloat, EveryF16AndBF16BitPattern) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  std::vector<uint8_t> all_u16(2 * 65536);
  for (uint32_t v = 0; v < 65536; ++v) {
    all_u16[2 * v] = static_cast<uint8_t>(v);
    all_u16[2 * v + 1] = static_cast<uint8_t>(v >> 8);
  }
  expect_parity(GgmlType::F16, all_u16, 65536, "F16");
  expect_parity(GgmlType::BF16, all_u16, 65536, "BF16");
  expect_parity(GgmlType::F32, test::splitmix64_bytes(3, 4 * 65536), 65536, "F32");
}

TEST(DequantGpuFloat, BadArgumentsAreRefused) {
  // No device needed: the launcher validates before touching the GPU.
  float dummy = 0;
  EXPECT_EQ(cuda::dequantize(GgmlType::IQ2_XXS, &dummy, &dummy, 256, nullptr),
            cudaErrorInvalidValue);
  EXPECT_EQ(cuda::dequantize(GgmlType::Q4_0, &dummy, &dummy, -32, nullptr), cudaErrorInvalidValue);
  EXPECT_EQ(cuda::dequantize(GgmlType::Q4_0, &dummy, &dummy, 33, nullptr), cudaErrorInvalidValue);
  EXPECT_EQ(cuda::dequantize(GgmlType::Q4_0, nullptr, &dummy, 32, nullptr), cudaErrorInvalidValue);
  EXPECT_EQ(cuda::dequantize(GgmlType::Q8_0, &dummy, &dummy, 0, nullptr), cudaSuccess);
  EXPECT_FALSE(cuda::dequant_supported(GgmlType::MXFP4));
  EXPECT_TRUE(cuda::dequant_supported(GgmlType::Q6_K));
}

}  // namespace
}  // namespace slkv
