#include "model/quant.hpp"

#include <cstring>
#include <string>

#include "core/error.hpp"

// Interim: plain float types only. The block-quantized types land with the dequantization
// work (issue: foundation); until then they are refused with a clear error.

namespace slkv {
namespace {

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

bool dequant_supported(GgmlType type) {
  return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16;
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, p, static_cast<size_t>(n) * 4);
      return;
    case GgmlType::F16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        dst[i] = half_to_float(h);
      }
      return;
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&dst[i], &bits, 4);
      }
      return;
    default:
      throw Error("dequantization of type " + std::string(ggml_type_name(type)) +
                  " is not supported");
  }
}

void dequantize_rows(const TensorInfo& t, int64_t row_begin, int64_t row_end, float* dst) {
  auto traits = ggml_type_traits(static_cast<uint32_t>(t.type));
  SLKV_CHECK(traits.has_value(), "unknown tensor type");
  const int64_t row_elems = t.row_elements();
  const int64_t row_bytes = row_elems / traits->block_elements * traits->block_bytes;
  for (int64_t r = row_begin; r < row_end; ++r) {
    dequantize_row(t.type, t.data + r * row_bytes, dst + (r - row_begin) * row_elems, row_elems);
  }
}

void dequantize_tensor(const TensorInfo& t, float* dst) { dequantize_rows(t, 0, t.n_rows(), dst); }

}  // namespace slkv
