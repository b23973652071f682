#pragma once
// The AVX2 register tile that prefill attention's scores (engine/attention_tile.cpp) and the
// prompt GEMM (engine/prompt_gemm.cpp) both multiply with: R <= 6 rows x 16 columns in 2R ymm
// accumulators, the left operand read as a [k][6] micro-panel (one broadcast per row and k),
// the right one as 16 consecutive floats per k at stride b_ld. Callers compile it inside their
// own target("avx2,fma") functions, where it is inlined and the accumulators stay in registers.

#include <immintrin.h>

#include <cstdint>

namespace slkv::detail {

// c0[r] (columns 0-7) and c1[r] (columns 8-15) += Σ_{k < n} a[k * 6 + r] * b[k * b_ld + col].
template <int R>
__attribute__((target("avx2,fma"), always_inline)) inline void fma_tile_6x16(
    const float* a, const float* b, int64_t b_ld, int64_t n, __m256 (&c0)[R], __m256 (&c1)[R]) {
  static_assert(R >= 1 && R <= 6, "a [k][6] micro-panel holds at most 6 rows");
#pragma GCC unroll 2
  for (int64_t k = 0; k < n; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b + k * b_ld);
    const __m256 b1 = _mm256_loadu_ps(b + k * b_ld + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + k * 6 + r);
      c0[r] = _mm256_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(ar, b1, c1[r]);
    }
  }
}

}  // namespace slkv::detail
