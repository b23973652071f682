#pragma once
// Random stored weights for kernel tests: random bytes in every quantized block with each f16 /
// bf16 scale forced finite and modest, for every type the engine reads.

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "model/quant.hpp"

namespace slkv::test_blocks {

struct TypeCase {
  GgmlType type;
  std::vector<int> half_offsets;  // byte offsets of f16 scales inside one block
};

// Random f16 with a modest exponent (about 2^-6 .. 2^1), either sign: finite scales.
inline uint16_t random_half(std::mt19937& rng) {
  const uint32_t sign = rng() & 1u;
  const uint32_t exponent = 9 + rng() % 8;
  const uint32_t mantissa = rng() & 0x3ffu;
  return static_cast<uint16_t>((sign << 15) | (exponent << 10) | mantissa);
}

// `n_rows` rows of `in` elements of `type`: random bytes with every scale finite.
inline std::vector<uint8_t> random_weight(const TypeCase& c, int64_t n_rows, int64_t in,
                                          std::mt19937& rng) {
  const auto traits = *ggml_type_traits(static_cast<uint32_t>(c.type));
  const int64_t n_blocks = n_rows * in / traits.block_elements;
  std::vector<uint8_t> bytes(static_cast<size_t>(n_blocks * traits.block_bytes));
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  for (int64_t b = 0; b < n_blocks; ++b) {
    uint8_t* block = bytes.data() + b * traits.block_bytes;
    if (c.type == GgmlType::F32) {
      const float v = std::uniform_real_distribution<float>(-2.0f, 2.0f)(rng);
      std::memcpy(block, &v, 4);
    } else if (c.type == GgmlType::BF16) {
      const uint32_t bits = ((rng() & 1u) << 15) | ((120 + rng() % 10) << 7) | (rng() & 0x7fu);
      block[0] = static_cast<uint8_t>(bits);
      block[1] = static_cast<uint8_t>(bits >> 8);
    }
    for (int off : c.half_offsets) {
      const uint16_t h = random_half(rng);
      block[off] = static_cast<uint8_t>(h);
      block[off + 1] = static_cast<uint8_t>(h >> 8);
    }
  }
  return bytes;
}

inline const std::vector<TypeCase>& all_cases() {
  static const std::vector<TypeCase> cases = {
      {GgmlType::F32, {}},      {GgmlType::F16, {0}},     {GgmlType::BF16, {}},
      {GgmlType::Q4_0, {0}},    {GgmlType::Q4_1, {0, 2}}, {GgmlType::Q5_0, {0}},
      {GgmlType::Q5_1, {0, 2}}, {GgmlType::Q8_0, {0}},    {GgmlType::Q2_K, {80, 82}},
      {GgmlType::Q3_K, {108}},  {GgmlType::Q4_K, {0, 2}}, {GgmlType::Q5_K, {0, 2}},
      {GgmlType::Q6_K, {208}},
  };
  return cases;
}

// Row length per block size: several 256-element groups plus a partial one, and for the
// one-element types a tail that is not a multiple of the 16 accumulation lanes.
inline int64_t row_length(GgmlType type) {
  const uint32_t block = ggml_type_traits(static_cast<uint32_t>(type))->block_elements;
  if (block == 1) return 300;
  if (block == 32) return 32 * 11;
  return 256 * 3;
}

}  // namespace slkv::test_blocks
