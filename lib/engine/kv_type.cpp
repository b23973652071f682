#include "engine/kv_type.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cmath>
#include <cstring>
#include <string>

#include "core/cpu_features.hpp"
#include "core/error.hpp"
#include "model/quant_blocks.hpp"

namespace slkv {
namespace {

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// f32 -> binary16, round to nearest even, overflow to inf, NaN to a quiet NaN (the method of
// the FP16 library by M. Dukhan: the float adder does the rounding, subnormals included).
uint16_t f32_to_f16(float f) {
  const float scale_to_inf = 0x1.0p+112f;
  const float scale_to_zero = 0x1.0p-110f;
  float base = (std::fabs(f) * scale_to_inf) * scale_to_zero;
  const uint32_t w = bits_of(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = float_of((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = bits_of(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const uint32_t mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

// f32 -> bf16, round to nearest even; NaN stays a quiet NaN.
uint16_t f32_to_bf16(float f) {
  const uint32_t u = bits_of(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SLKV_KV_HAVE_F16C 1
__attribute__((target("avx2,f16c"))) void encode_f16_f16c(const float* src, uint16_t* dst,
                                                          int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h =
        _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

__attribute__((target("avx2,f16c"))) void decode_f16_f16c(const uint16_t* src, float* dst,
                                                          int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(dst + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  }
  for (; i < n; ++i) dst[i] = detail::half_to_float(src[i]);
}

__attribute__((target("avx2"))) void encode_bf16_avx2(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  const __m256i round = _mm256_set1_epi32(0x7fff), one = _mm256_set1_epi32(1);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  const __m256i quiet = _mm256_set1_epi32(0x00400000);
  for (; i + 8 <= n; i += 8) {
    const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(src + i));
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
    const __m256i rounded = _mm256_add_epi32(u, _mm256_add_epi32(round, lsb));
    const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
    const __m256i r =
        _mm256_srli_epi32(_mm256_blendv_epi8(rounded, _mm256_or_si256(u, quiet), is_nan), 16);
    // Pack 8 x u32 (each < 65536) into 8 x u16.
    const __m128i lo = _mm256_castsi256_si128(r), hi = _mm256_extracti128_si256(r, 1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_packus_epi32(lo, hi));
  }
  for (; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

__attribute__((target("avx2"))) void decode_bf16_avx2(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i w =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
  }
  for (; i < n; ++i) dst[i] = float_of(static_cast<uint32_t>(src[i]) << 16);
}

bool have_f16c() {
  static const bool has = __builtin_cpu_supports("avx2") && cpu_has_f16c();
  return has;
}
#endif

void check_half(KvType type) {
  SLKV_CHECK(type == KvType::kF16 || type == KvType::kBF16,
             "KV conversion needs a 2-byte element type (f16 or bf16)");
}

}  // namespace

const char* kv_type_name(KvType type) {
  switch (type) {
    case KvType::kF16:
      return "f16";
    case KvType::kBF16:
      return "bf16";
    default:
      return "f32";
  }
}

KvType parse_kv_type(std::string_view name) {
  if (name == "f32") return KvType::kF32;
  if (name == "f16") return KvType::kF16;
  if (name == "bf16") return KvType::kBF16;
  throw Error("unknown KV cache type '" + std::string(name) + "' (expected f32, f16 or bf16)");
}

int64_t kv_type_bytes(KvType type) { return type == KvType::kF32 ? 4 : 2; }

void kv_encode_portable(KvType type, const float* src, uint16_t* dst, int64_t n) {
  check_half(type);
  if (type == KvType::kF16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = f32_to_f16(src[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
  }
}

void kv_decode_portable(KvType type, const uint16_t* src, float* dst, int64_t n) {
  check_half(type);
  if (type == KvType::kF16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = detail::half_to_float(src[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = float_of(static_cast<uint32_t>(src[i]) << 16);
  }
}

void kv_encode(KvType type, const float* src, uint16_t* dst, int64_t n) {
#if defined(SLKV_KV_HAVE_F16C)
  if (have_f16c()) {
    check_half(type);
    if (type == KvType::kF16) {
      encode_f16_f16c(src, dst, n);
    } else {
      encode_bf16_avx2(src, dst, n);
    }
    return;
  }
#endif
  kv_encode_portable(type, src, dst, n);
}

void kv_decode(KvType type, const uint16_t* src, float* dst, int64_t n) {
#if defined(SLKV_KV_HAVE_F16C)
  if (have_f16c()) {
    check_half(type);
    if (type == KvType::kF16) {
      decode_f16_f16c(src, dst, n);
    } else {
      decode_bf16_avx2(src, dst, n);
    }
    return;
  }
#endif
  kv_decode_portable(type, src, dst, n);
}

}  // namespace slkv
