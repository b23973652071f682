// Block decoders for the ggml formats (FORMATS.md section 2), written to give the same f32 bits
// as gguf-py's numpy code: every product and sum is a separate f32 operation in gguf-py's
// order (dl = d * scale first, then dl * q - ml). In these formats every product is exact in
// f32 (an 11-bit f16 mantissa times a scale of at most 8 bits times a quant of at most 6 bits
// fits in 24 bits, and no product leaves the normal range), so only the final add/sub rounds
// and a fused multiply-add could not change a finite result; contraction is still switched off
// for this file (GCC leaves it off in ISO C++ mode, clang does not) so that the order stays
// the written one. The loops are plain fixed-length loops that GCC vectorizes.

#include "model/quant_blocks.hpp"

#include <atomic>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>

#include "core/cpu_features.hpp"
#define SLKV_QUANT_HAVE_AVX2 1
#endif

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

// The 32-element decoders stay out of line: inlined into the per-block loop, GCC unrolls
// their 16-iteration loops completely before it can vectorize them.
#if defined(__GNUC__)
#define SLKV_NOINLINE __attribute__((noinline))
#else
#define SLKV_NOINLINE
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

// Branch-free so that the F16 loop vectorizes. Normals rebias the exponent by 127 - 15,
// exponent 31 maps to 255 keeping the payload, and a subnormal m * 2^-24 is computed exactly
// as (0.5 + m * 2^-24) - 0.5: 0.5f has an ulp of 2^-24, so both steps are exact. Everything is
// evaluated unconditionally and selected with masks (a conditional float op blocks
// if-conversion under -ftrapping-math).
inline uint32_t half_to_float_bits(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;
  const uint32_t normal = (em << 13) + (112u << 23);
  const uint32_t inf_nan = (em << 13) | 0x7f800000u;
  const uint32_t sub = float_to_bits(bits_to_float(0x3f000000u | em) - 0.5f);
  const uint32_t e = em >> 10;
  const uint32_t is_sub = 0u - static_cast<uint32_t>(e == 0);
  const uint32_t is_top = 0u - static_cast<uint32_t>(e == 31);
  const uint32_t finite = (sub & is_sub) | (normal & ~is_sub);
  return sign | (inf_nan & is_top) | (finite & ~is_top);
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
SLKV_NOINLINE void decode_q4_0(const uint8_t* __restrict b, float* __restrict y) {
  const float d = load_half(b);
  const uint8_t* qs = b + 2;
  // Two loops rather than one with two stores: this shape is what GCC vectorizes.
  for (int j = 0; j < kQK / 2; ++j) y[j] = static_cast<float>((qs[j] & 0xF) - 8) * d;
  for (int j = 0; j < kQK / 2; ++j) y[j + kQK / 2] = static_cast<float>((qs[j] >> 4) - 8) * d;
}

// Q4_1: d:f16, m:f16, qs[16]; y = q*d + m.
SLKV_NOINLINE void decode_q4_1(const uint8_t* __restrict b, float* __restrict y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < kQK / 2; ++j) {
    const float p = d * static_cast<float>(qs[j] & 0xF);
    y[j] = p + m;
  }
  for (int j = 0; j < kQK / 2; ++j) {
    const float p = d * static_cast<float>(qs[j] >> 4);
    y[j + kQK / 2] = p + m;
  }
}

// Bit e of the little-endian u32 qh, moved to bit 4: the fifth bit of element e (Q5_0, Q5_1).
constexpr uint32_t kBit[32] = {1u << 0,  1u << 1,  1u << 2,  1u << 3,  1u << 4,  1u << 5,  1u << 6,
                               1u << 7,  1u << 8,  1u << 9,  1u << 10, 1u << 11, 1u << 12, 1u << 13,
                               1u << 14, 1u << 15, 1u << 16, 1u << 17, 1u << 18, 1u << 19, 1u << 20,
                               1u << 21, 1u << 22, 1u << 23, 1u << 24, 1u << 25, 1u << 26, 1u << 27,
                               1u << 28, 1u << 29, 1u << 30, 1u << 31};

// Q5_0: d:f16, qh[4] (u32 LE, bit e = high bit of element e), qs[16]; y = (q - 16)*d.
SLKV_NOINLINE void decode_q5_0(const uint8_t* __restrict b, float* __restrict y) {
  const float d = load_half(b);
  const uint32_t qh = load_u32(b + 2);
  const uint8_t* qs = b + 6;
  // Bit tests against a table of masks vectorize; variable shifts do not (SSE2).
  for (int j = 0; j < kQK / 2; ++j) {
    const int h = (qh & kBit[j]) ? 16 : 0;
    y[j] = static_cast<float>(((qs[j] & 0xF) | h) - 16) * d;
  }
  for (int j = 0; j < kQK / 2; ++j) {
    const int h = (qh & kBit[j + 16]) ? 16 : 0;
    y[j + kQK / 2] = static_cast<float>(((qs[j] >> 4) | h) - 16) * d;
  }
}

// Q5_1: d:f16, m:f16, qh[4], qs[16]; y = q*d + m.
SLKV_NOINLINE void decode_q5_1(const uint8_t* __restrict b, float* __restrict y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint32_t qh = load_u32(b + 4);
  const uint8_t* qs = b + 8;
  for (int j = 0; j < kQK / 2; ++j) {
    const int h = (qh & kBit[j]) ? 16 : 0;
    const float p = d * static_cast<float>((qs[j] & 0xF) | h);
    y[j] = p + m;
  }
  for (int j = 0; j < kQK / 2; ++j) {
    const int h = (qh & kBit[j + 16]) ? 16 : 0;
    const float p = d * static_cast<float>((qs[j] >> 4) | h);
    y[j + kQK / 2] = p + m;
  }
}

// Q8_0: d:f16, qs[32] int8; y = qs*d.
void decode_q8_0(const uint8_t* __restrict b, float* __restrict y) {
  const float d = load_half(b);
  const auto* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(qs[j]) * d;
}

// Q2_K: scales[16] @0, qs[64] @16, d @80, dmin @82. Sub-block i (16 elements) reads bits
// 2*((i%8)/2) of qs[32*(i/8) + 16*(i%2) + t].
void decode_q2_k(const uint8_t* __restrict b, float* __restrict y) {
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
void decode_q3_k(const uint8_t* __restrict b, float* __restrict y) {
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
void decode_q4_k(const uint8_t* __restrict b, float* __restrict y) {
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
void decode_q5_k(const uint8_t* __restrict b, float* __restrict y) {
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
void decode_q6_k(const uint8_t* __restrict b, float* __restrict y) {
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

std::atomic<bool> g_portable_only{false};

#if defined(SLKV_QUANT_HAVE_AVX2)
// The hot decoders again, compiled for AVX2 + F16C (GCC's target pragma; clang builds keep the
// portable ones) and chosen at run time. In the prompt GEMM, which dequantizes each weight once
// per 512-token batch, the portable Q4_1 decoder took 1.4-2.1 % of a SmolLM2 prefill
// (docs/benchmarks.md).
#pragma GCC push_options
#pragma GCC target("avx2,f16c")
namespace avx2 {
#include "model/quant_blocks_avx2.inc"

// decode_all's loop inside this target region, so that the AVX2 decoders inline into it.
template <void (*kDecode)(const uint8_t*, float*), int kBlockBytes, int kBlockElems>
void decode_run(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) kDecode(src + i * kBlockBytes, dst + i * kBlockElems);
}

using BlocksFn = void (*)(const uint8_t*, float*, int64_t);

// The AVX2 decoder of `type`, or nullptr for a type without one.
BlocksFn decoder(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0:
      return decode_run<dec_q4_0, 18, kQK>;
    case GgmlType::Q4_1:
      return decode_run<dec_q4_1, 20, kQK>;
    case GgmlType::Q5_0:
      return decode_run<dec_q5_0, 22, kQK>;
    case GgmlType::Q8_0:
      return decode_run<dec_q8_0, 34, kQK>;
    case GgmlType::Q4_K:
      return decode_run<dec_q4_k, 144, kQKK>;
    case GgmlType::Q6_K:
      return decode_run<dec_q6_k, 210, kQKK>;
    default:
      return nullptr;
  }
}
}  // namespace avx2
#pragma GCC pop_options

bool cpu_has_avx2_f16c() {
  static const bool ok = __builtin_cpu_supports("avx2") && cpu_has_f16c();
  return ok;
}

// The decoder dequantize_blocks uses for `type` here and now, or nullptr for the portable one.
avx2::BlocksFn avx2_decoder(GgmlType type) {
  if (!cpu_has_avx2_f16c() || g_portable_only.load(std::memory_order_relaxed)) return nullptr;
  return avx2::decoder(type);
}
#endif

}  // namespace

float half_to_float(uint16_t h) { return bits_to_float(half_to_float_bits(h)); }

bool set_dequant_portable_only(bool portable_only) {
  return g_portable_only.exchange(portable_only, std::memory_order_relaxed);
}

bool dequant_uses_avx2(GgmlType type) {
#if defined(SLKV_QUANT_HAVE_AVX2)
  return avx2_decoder(type) != nullptr;
#else
  (void)type;
  return false;
#endif
}

bool dequantize_blocks(GgmlType type, const uint8_t* src, float* dst, int64_t n_blocks) {
#if defined(SLKV_QUANT_HAVE_AVX2)
  if (const avx2::BlocksFn decode = avx2_decoder(type)) {
    decode(src, dst, n_blocks);
    return true;
  }
#endif
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
