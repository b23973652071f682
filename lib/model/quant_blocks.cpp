// Block decoders for the ggml formats (FORMATS.md section 2), written to give the same f32 bits
// as gguf-py's numpy code: every product and sum is a separate f32 operation in gguf-py's
// order (dl = d * scale first, then dl * q - ml). A fused multiply-add would skip the rounding
// of dl * q, so contraction is switched off for this file (GCC already leaves it off in ISO
// C++ mode, clang does not). The loops are plain fixed-length loops that GCC vectorizes.

#include "model/quant_blocks.hpp"

#include <cstring>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace slkv::detail {
namespace {

constexpr int kQK = 32;    // elements per block of the 32-element formats
constexpr int kQKK = 256;  // elements per K-quant super-block

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

inline uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint32_t float_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

// Branch-free so that the F16 loop vectorizes: subnormals are mantissa * 2^-24 (both exact),
// normals rebias the exponent by 127 - 15, exponent 31 maps to 255 keeping the payload.
inline uint32_t half_to_float_bits(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;
  const uint32_t normal = (em << 13) + (112u << 23);
  const uint32_t inf_nan = (em << 13) | 0x7f800000u;
  const uint32_t sub = float_to_bits(static_cast<float>(static_cast<int32_t>(em)) * 0x1p-24f);
  const uint32_t e = em >> 10;
  return sign | (e == 0 ? sub : (e == 31 ? inf_nan : normal));
}

inline float load_half(const uint8_t* p) { return bits_to_float(half_to_float_bits(load_u16(p))); }

void decode_f16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);  // little-endian host assumed (x86-64, aarch64)
    const uint32_t bits = half_to_float_bits(h);
    std::memcpy(dst + i, &bits, 4);
  }
}

void decode_bf16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    std::memcpy(dst + i, &bits, 4);
  }
}

// Q4_0: d:f16, qs[16]; low nibbles are elements 0..15, high nibbles 16..31.
void decode_q4_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = static_cast<float>((qs[j] & 0xF) - 8) * d;
    y[j + kQK / 2] = static_cast<float>((qs[j] >> 4) - 8) * d;
  }
}

// Q4_1: d:f16, m:f16, qs[16]; y = q*d + m.
void decode_q4_1(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < kQK / 2; ++j) {
    const float p0 = d * static_cast<float>(qs[j] & 0xF);
    const float p1 = d * static_cast<float>(qs[j] >> 4);
    y[j] = p0 + m;
    y[j + kQK / 2] = p1 + m;
  }
}

// Q5_0: d:f16, qh[4] (u32 LE, bit e = high bit of element e), qs[16]; y = (q - 16)*d.
void decode_q5_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const uint32_t qh = load_u32(b + 2);
  const uint8_t* qs = b + 6;
  for (int j = 0; j < kQK / 2; ++j) {
    const int q0 = (qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4);
    const int q1 = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
    y[j] = static_cast<float>(q0 - 16) * d;
    y[j + kQK / 2] = static_cast<float>(q1 - 16) * d;
  }
}

// Q5_1: d:f16, m:f16, qh[4], qs[16]; y = q*d + m.
void decode_q5_1(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint32_t qh = load_u32(b + 4);
  const uint8_t* qs = b + 8;
  for (int j = 0; j < kQK / 2; ++j) {
    const int q0 = (qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4);
    const int q1 = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
    const float p0 = d * static_cast<float>(q0);
    const float p1 = d * static_cast<float>(q1);
    y[j] = p0 + m;
    y[j + kQK / 2] = p1 + m;
  }
}

// Q8_0: d:f16, qs[32] int8; y = qs*d.
void decode_q8_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const auto* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(qs[j]) * d;
}

// Q2_K: scales[16] @0, qs[64] @16, d @80, dmin @82. Sub-block i (16 elements) reads bits
// 2*((i%8)/2) of qs[32*(i/8) + 16*(i%2) + t].
void decode_q2_k(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* qs = b + 16;
  const float d = load_half(b + 80);
  const float dmin = load_half(b + 82);
  for (int i = 0; i < 16; ++i) {
    const float dl = d * static_cast<float>(scales[i] & 0xF);
    const float ml = dmin * static_cast<float>(scales[i] >> 4);
    const uint8_t* q = qs + 32 * (i / 8) + 16 * (i % 2);
    const int shift = 2 * ((i % 8) / 2);
    for (int t = 0; t < 16; ++t) {
      const float p = dl * static_cast<float>((q[t] >> shift) & 3);
      y[16 * i + t] = p - ml;
    }
  }
}

// Q3_K: hmask[32] @0, qs[64] @32, scales[12] @96 (16 signed 6-bit), d @108.
void decode_q3_k(const uint8_t* b, float* y) {
  const uint8_t* hmask = b;
  const uint8_t* qs = b + 32;
  const uint8_t* sc = b + 96;
  const float d = load_half(b + 108);
  for (int i = 0; i < 16; ++i) {
    const int low4 = i < 8 ? (sc[i] & 0xF) : (sc[i - 8] >> 4);
    const int high2 = (sc[8 + i % 4] >> (2 * (i / 4))) & 3;
    const float dl = d * static_cast<float>((low4 | (high2 << 4)) - 32);
    const uint8_t* q = qs + 32 * (i / 8) + 16 * (i % 2);
    const uint8_t* hm = hmask + 16 * (i % 2);
    const int shift = 2 * ((i % 8) / 2);
    const int hbit = i / 2;  // e/32 for the elements of this sub-block
    for (int t = 0; t < 16; ++t) {
      const int q2 = (q[t] >> shift) & 3;
      const int q3 = q2 - (((hm[t] >> hbit) & 1) ? 0 : 4);
      y[16 * i + t] = dl * static_cast<float>(q3);
    }
  }
}

// 6-bit scale and min of sub-block j (0..7) packed in 12 bytes (Q4_K, Q5_K).
inline void scale_min_k4(int j, const uint8_t* s, int* sc, int* m) {
  if (j < 4) {
    *sc = s[j] & 63;
    *m = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q4_K: d @0, dmin @2, scales[12] @4, qs[128] @16; sub-block j uses nibble j&1 of
// qs[32*(j/2) ...].
void decode_q4_k(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float dmin = load_half(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qs = b + 16;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    scale_min_k4(j, scales, &sc, &m);
    const float d1 = d * static_cast<float>(sc);
    const float m1 = dmin * static_cast<float>(m);
    const uint8_t* q = qs + 32 * (j / 2);
    const int shift = 4 * (j & 1);
    for (int t = 0; t < 32; ++t) {
      const float p = d1 * static_cast<float>((q[t] >> shift) & 0xF);
      y[32 * j + t] = p - m1;
    }
  }
}

// Q5_K: d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48; high bit j of qh[t].
void decode_q5_k(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float dmin = load_half(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* qs = b + 48;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    scale_min_k4(j, scales, &sc, &m);
    const float d1 = d * static_cast<float>(sc);
    const float m1 = dmin * static_cast<float>(m);
    const uint8_t* q = qs + 32 * (j / 2);
    const int shift = 4 * (j & 1);
    for (int t = 0; t < 32; ++t) {
      const int v = ((q[t] >> shift) & 0xF) | (((qh[t] >> j) & 1) << 4);
      const float p = d1 * static_cast<float>(v);
      y[32 * j + t] = p - m1;
    }
  }
}

// Q6_K: ql[128] @0, qh[64] @128, scales[16] int8 @192, d @208.
void decode_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const auto* scales = reinterpret_cast<const int8_t*>(b + 192);
  const float d = load_half(b + 208);
  for (int i = 0; i < 16; ++i) {
    const float dl = d * static_cast<float>(scales[i]);
    const int g = i / 8;         // 128-element half
    const int r = 16 * (i % 8);  // offset inside the half
    const uint8_t* lo = ql + 64 * g + r % 64;
    const uint8_t* hi = qh + 32 * g + r % 32;
    const int lo_shift = 4 * (r / 64);
    const int hi_shift = 2 * (r / 32);
    for (int t = 0; t < 16; ++t) {
      const int q = (((lo[t] >> lo_shift) & 0xF) | (((hi[t] >> hi_shift) & 3) << 4)) - 32;
      y[16 * i + t] = dl * static_cast<float>(q);
    }
  }
}

template <void (*kDecode)(const uint8_t*, float*), int kBlockBytes, int kBlockElems>
void decode_all(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) kDecode(src + i * kBlockBytes, dst + i * kBlockElems);
}

}  // namespace

float half_to_float(uint16_t h) { return bits_to_float(half_to_float_bits(h)); }

bool dequantize_blocks(GgmlType type, const uint8_t* src, float* dst, int64_t n_blocks) {
  switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n_blocks) * 4);
      return true;
    case GgmlType::F16:
      decode_f16(src, dst, n_blocks);
      return true;
    case GgmlType::BF16:
      decode_bf16(src, dst, n_blocks);
      return true;
    case GgmlType::Q4_0:
      decode_all<decode_q4_0, 18, kQK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q4_1:
      decode_all<decode_q4_1, 20, kQK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q5_0:
      decode_all<decode_q5_0, 22, kQK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q5_1:
      decode_all<decode_q5_1, 24, kQK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q8_0:
      decode_all<decode_q8_0, 34, kQK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q2_K:
      decode_all<decode_q2_k, 84, kQKK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q3_K:
      decode_all<decode_q3_k, 110, kQKK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q4_K:
      decode_all<decode_q4_k, 144, kQKK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q5_K:
      decode_all<decode_q5_k, 176, kQKK>(src, dst, n_blocks);
      return true;
    case GgmlType::Q6_K:
      decode_all<decode_q6_k, 210, kQKK>(src, dst, n_blocks);
      return true;
    default:
      return false;
  }
}

}  // namespace slkv::detail
