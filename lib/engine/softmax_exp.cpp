#include "engine/softmax_exp.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SLKV_SOFTMAX_AVX2 1  // and the AVX-512F variants
#endif
// GCC 12 reports its own AVX-512 headers (the undefined pass-through operand of the reductions)
// as maybe uninitialized: a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace slkv {
namespace {

// x = n ln2 + r, |r| <= ln2/2: n rounded with the 1.5 * 2^23 trick, ln2 split into a part
// exact in f32 (kLn2Hi has 9 significant bits, so n * kLn2Hi is exact for |n| < 2^15) and a
// remainder. e^r by a degree-5 polynomial fitted for the least largest relative error on
// [-ln2/2, ln2/2] (9.2e-8 in exact arithmetic; scripts/fit_exp_poly.py prints the table below;
// f32 rounding adds about an ulp, and tests/engine/softmax_exp_test.cpp holds every form to 4e-7
// over [-87, 0]). It replaced a degree-7 Taylor polynomial (5e-9): two FMAs fewer per vector,
// AVX2 exp_shift_sum 0.59 -> 0.52 ns per element on the AMD EPYC VM (slkv_bench_softmax_exp,
// docs/benchmarks.md). 2^n is built in the exponent bits (n >= -126 for x >= -87, a normal
// number).
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kMinArg = -87.0f;
// Highest power first: e^r ~ ((((kC[0] r + kC[1]) r + kC[2]) r + kC[3]) r + kC[4]) r + kC[5].
constexpr int kDegree = 5;
constexpr float kC[kDegree + 1] = {0.008290285244584084f, 0.041897889226675034f,
                                   0.1666763573884964f,   0.4999915063381195f,
                                   0.9999997019767761f,   1.0f};
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

#if defined(SLKV_SOFTMAX_AVX2)
__attribute__((target("avx2,fma"))) float exp_shift_sum_avx2(float* s, int64_t n, float m) {
  const __m256 vm = _mm256_set1_ps(m);
  const __m256 min_arg = _mm256_set1_ps(kMinArg);
  __m256 acc = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 x = _mm256_sub_ps(_mm256_loadu_ps(s + j), vm);
    const __m256 under = _mm256_cmp_ps(x, min_arg, _CMP_LT_OQ);
    // max returns its second operand when either is NaN: a NaN score stays NaN, as it did.
    const __m256 xc = _mm256_max_ps(min_arg, x);
    const __m256 t = _mm256_fmadd_ps(xc, _mm256_set1_ps(kLog2e), _mm256_set1_ps(kRoundMagic));
    const __m256 nf = _mm256_sub_ps(t, _mm256_set1_ps(kRoundMagic));
    __m256 r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(kLn2Hi), xc);
    r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(kLn2Lo), r);
    __m256 poly = _mm256_set1_ps(kC[0]);
    for (int k = 1; k <= kDegree; ++k) poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(kC[k]));
    const __m256i bits =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(nf), _mm256_set1_epi32(127)), 23);
    const __m256 e = _mm256_andnot_ps(under, _mm256_mul_ps(poly, _mm256_castsi256_ps(bits)));
    _mm256_storeu_ps(s + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  float sum = 0.0f;
  for (float v : lanes) sum += v;
  for (; j < n; ++j) {
    s[j] = exp_nonpositive(s[j] - m);
    sum += s[j];
  }
  return sum;
}

__attribute__((target("avx2"))) float row_max_avx2(const float* s, int64_t n) {
  __m256 mx = _mm256_set1_ps(kNegInf);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(s + j));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, mx);
  float m = kNegInf;
  for (float v : lanes) m = std::max(m, v);
  for (; j < n; ++j) m = std::max(m, s[j]);
  return m;
}

// The same computation in 16 lanes (AVX-512F): each element's exponential is bitwise the AVX2
// one; only the order of the sum differs.
__attribute__((target("avx512f"))) float exp_shift_sum_avx512(float* s, int64_t n, float m) {
  const __m512 vm = _mm512_set1_ps(m);
  const __m512 min_arg = _mm512_set1_ps(kMinArg);
  __m512 acc = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m512 x = _mm512_sub_ps(_mm512_loadu_ps(s + j), vm);
    const __mmask16 under = _mm512_cmp_ps_mask(x, min_arg, _CMP_LT_OQ);
    const __m512 xc = _mm512_max_ps(min_arg, x);  // NaN stays NaN, as in AVX2
    const __m512 t = _mm512_fmadd_ps(xc, _mm512_set1_ps(kLog2e), _mm512_set1_ps(kRoundMagic));
    const __m512 nf = _mm512_sub_ps(t, _mm512_set1_ps(kRoundMagic));
    __m512 r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(kLn2Hi), xc);
    r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(kLn2Lo), r);
    __m512 poly = _mm512_set1_ps(kC[0]);
    for (int k = 1; k <= kDegree; ++k) poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(kC[k]));
    const __m512i bits =
        _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(nf), _mm512_set1_epi32(127)), 23);
    const __m512 e =
        _mm512_maskz_mul_ps(static_cast<__mmask16>(~under), poly, _mm512_castsi512_ps(bits));
    _mm512_storeu_ps(s + j, e);
    acc = _mm512_add_ps(acc, e);
  }
  float sum = _mm512_reduce_add_ps(acc);
  for (; j < n; ++j) {
    s[j] = exp_nonpositive(s[j] - m);
    sum += s[j];
  }
  return sum;
}

__attribute__((target("avx512f"))) float row_max_avx512(const float* s, int64_t n) {
  __m512 mx = _mm512_set1_ps(kNegInf);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(s + j));
  float m = _mm512_reduce_max_ps(mx);
  for (; j < n; ++j) m = std::max(m, s[j]);
  return m;
}

bool has_avx512f() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

bool has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#endif

}  // namespace

float exp_nonpositive(float x) {
  if (x != x) return x;  // NaN propagates (and never reaches the float-to-int conversion)
  const bool underflow = x < kMinArg;  // also -inf
  const float xc = underflow ? kMinArg : x;
  const float nf = (xc * kLog2e + kRoundMagic) - kRoundMagic;
  float r = xc - nf * kLn2Hi;
  r = r - nf * kLn2Lo;
  float poly = kC[0];
  for (int k = 1; k <= kDegree; ++k) poly = poly * r + kC[k];
  const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(nf) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return underflow ? 0.0f : poly * scale;
}

namespace detail {

bool softmax_isa_supported(SoftmaxIsa isa) {
  switch (isa) {
    case SoftmaxIsa::kPortable:
      return true;
#if defined(SLKV_SOFTMAX_AVX2)
    case SoftmaxIsa::kAvx2:
      return has_avx2_fma();
    case SoftmaxIsa::kAvx512:
      return has_avx512f();
#else
    default:
      return false;
#endif
  }
  return false;
}

float softmax_row_max_isa(SoftmaxIsa isa, const float* s, int64_t n) {
#if defined(SLKV_SOFTMAX_AVX2)
  if (isa == SoftmaxIsa::kAvx512) return row_max_avx512(s, n);
  if (isa == SoftmaxIsa::kAvx2) return row_max_avx2(s, n);
#endif
  float m = kNegInf;
  for (int64_t j = 0; j < n; ++j) m = std::max(m, s[j]);
  return m;
}

float exp_shift_sum_isa(SoftmaxIsa isa, float* s, int64_t n, float m) {
#if defined(SLKV_SOFTMAX_AVX2)
  if (isa == SoftmaxIsa::kAvx512) return exp_shift_sum_avx512(s, n, m);
  if (isa == SoftmaxIsa::kAvx2) return exp_shift_sum_avx2(s, n, m);
#endif
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    s[j] = exp_nonpositive(s[j] - m);
    sum += s[j];
  }
  return sum;
}

SoftmaxIsa best_softmax_isa() {
  static const SoftmaxIsa best = softmax_isa_supported(SoftmaxIsa::kAvx512) ? SoftmaxIsa::kAvx512
                                 : softmax_isa_supported(SoftmaxIsa::kAvx2) ? SoftmaxIsa::kAvx2
                                                                            : SoftmaxIsa::kPortable;
  return best;
}

}  // namespace detail

float softmax_row_max(const float* s, int64_t n) {
  return detail::softmax_row_max_isa(detail::best_softmax_isa(), s, n);
}

float exp_shift_sum(float* s, int64_t n, float m) {
  return detail::exp_shift_sum_isa(detail::best_softmax_isa(), s, n, m);
}

}  // namespace slkv
