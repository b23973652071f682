#include "engine/attention_tile.hpp"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace slkv {
namespace {

#define SLKV_AVX512 __attribute__((target("avx512f,avx2,fma")))

std::atomic<bool> g_allowed{true};

// Register tiles: scores R query rows x 32 keys (2R accumulators, R <= 12); accumulation
// R rows x 16C dims (R*C accumulators, R <= 6, C <= 4). Both leave room for the operands in
// the 32 zmm registers.
constexpr int kScoreRows = 12;
constexpr int kAccRows = 6;
constexpr int64_t kAccKeys = 64;

template <int R>
SLKV_AVX512 void scores_block(const float* q, int64_t q_ld, const float* panel, int64_t hd,
                              float scale, float* s, int64_t s_ld, __mmask16 m0, __mmask16 m1) {
  __m512 a0[R], a1[R];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) a0[r] = a1[r] = _mm512_setzero_ps();
  for (int64_t d = 0; d < hd; ++d) {
    const __m512 k0 = _mm512_loadu_ps(panel + d * kKeyPanel);
    const __m512 k1 = _mm512_loadu_ps(panel + d * kKeyPanel + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512 qb = _mm512_set1_ps(q[r * q_ld + d]);
      a0[r] = _mm512_fmadd_ps(qb, k0, a0[r]);
      a1[r] = _mm512_fmadd_ps(qb, k1, a1[r]);
    }
  }
  const __m512 sc = _mm512_set1_ps(scale);
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    _mm512_mask_storeu_ps(s + r * s_ld, m0, _mm512_mul_ps(a0[r], sc));
    _mm512_mask_storeu_ps(s + r * s_ld + 16, m1, _mm512_mul_ps(a1[r], sc));
  }
}

template <int R, int C>
SLKV_AVX512 void accumulate_block(const float* p, int64_t p_ld, const float* v, int64_t nk,
                                  int64_t hd, float* acc) {
  __m512 a[R][C];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) a[r][c] = _mm512_loadu_ps(acc + r * hd + 16 * c);
  for (int64_t j = 0; j < nk; ++j) {
    __m512 vj[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) vj[c] = _mm512_loadu_ps(v + j * hd + 16 * c);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512 pb = _mm512_set1_ps(p[r * p_ld + j]);
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) a[r][c] = _mm512_fmadd_ps(pb, vj[c], a[r][c]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) _mm512_storeu_ps(acc + r * hd + 16 * c, a[r][c]);
}

using ScoresFn = void (*)(const float*, int64_t, const float*, int64_t, float, float*, int64_t,
                          __mmask16, __mmask16);
using AccumulateFn = void (*)(const float*, int64_t, const float*, int64_t, int64_t, float*);

template <int... R>
constexpr auto make_scores(std::integer_sequence<int, R...>) {
  return std::array<ScoresFn, sizeof...(R)>{&scores_block<R + 1>...};
}

template <int C, int... R>
constexpr auto make_accumulate_row(std::integer_sequence<int, R...>) {
  return std::array<AccumulateFn, sizeof...(R)>{&accumulate_block<R + 1, C>...};
}

}  // namespace

bool attention_tile_supported(int64_t head_dim) {
  static const bool cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  return cpu && head_dim > 0 && head_dim % 16 == 0 && g_allowed.load(std::memory_order_relaxed);
}

int64_t key_panels_size(int64_t n_keys, int64_t head_dim) {
  return (n_keys + kKeyPanel - 1) / kKeyPanel * kKeyPanel * head_dim;
}

void pack_key_panels(const KvStream& stream, int64_t first, int64_t n, int64_t head_dim,
                     float* panels) {
  SLKV_CHECK(first >= 0 && n >= 0 && first + n <= stream.length, "key panel range");
  std::vector<float> row(static_cast<size_t>(head_dim));
  const int64_t n_panels = (n + kKeyPanel - 1) / kKeyPanel;
  for (int64_t pnl = 0; pnl < n_panels; ++pnl) {
    float* dst = panels + pnl * kKeyPanel * head_dim;
    for (int64_t i = 0; i < kKeyPanel; ++i) {
      const int64_t j = pnl * kKeyPanel + i;
      if (j < n) {
        stream.key_row(first + j, head_dim, row.data());
        for (int64_t d = 0; d < head_dim; ++d) dst[d * kKeyPanel + i] = row[static_cast<size_t>(d)];
      } else {
        for (int64_t d = 0; d < head_dim; ++d) dst[d * kKeyPanel + i] = 0.0f;
      }
    }
  }
}

void tile_scores(const float* q, int64_t q_ld, int64_t rows, const float* panels, int64_t nk,
                 int64_t head_dim, float scale, float* s, int64_t s_ld) {
  static constexpr auto kernels = make_scores(std::make_integer_sequence<int, kScoreRows>{});
  for (int64_t j0 = 0; j0 < nk; j0 += kKeyPanel) {
    const int64_t w = std::min(kKeyPanel, nk - j0);
    const __mmask16 m0 = static_cast<__mmask16>(w >= 16 ? 0xffff : (1u << w) - 1);
    const __mmask16 m1 = static_cast<__mmask16>(w >= 32  ? 0xffff
                                                : w > 16 ? (1u << (w - 16)) - 1
                                                         : 0);
    const float* panel = panels + j0 * head_dim;  // panel j0 / 32
    for (int64_t r0 = 0; r0 < rows; r0 += kScoreRows) {
      const int64_t r = std::min<int64_t>(kScoreRows, rows - r0);
      kernels[static_cast<size_t>(r - 1)](q + r0 * q_ld, q_ld, panel, head_dim, scale,
                                          s + r0 * s_ld + j0, s_ld, m0, m1);
    }
  }
}

void tile_accumulate(const float* p, int64_t p_ld, int64_t rows, const float* v, int64_t nk,
                     int64_t head_dim, float* acc) {
  using Seq = std::make_integer_sequence<int, kAccRows>;
  static constexpr std::array<std::array<AccumulateFn, kAccRows>, 4> kernels = {
      make_accumulate_row<1>(Seq{}), make_accumulate_row<2>(Seq{}), make_accumulate_row<3>(Seq{}),
      make_accumulate_row<4>(Seq{})};
  // Keys in sub-blocks of kAccKeys, so the [kAccKeys, 64] slice of values that every row group
  // reads stays in L1 (16 KiB); the whole block's slice is 64 KiB. Each accumulator still sums
  // the keys in order, so the result is the same as without sub-blocks.
  for (int64_t j0 = 0; j0 < nk; j0 += kAccKeys) {
    const int64_t nj = std::min(kAccKeys, nk - j0);
    for (int64_t d0 = 0; d0 < head_dim; d0 += 64) {
      const int64_t c = std::min<int64_t>(4, (head_dim - d0) / 16);
      for (int64_t r0 = 0; r0 < rows; r0 += kAccRows) {
        const int64_t r = std::min<int64_t>(kAccRows, rows - r0);
        kernels[static_cast<size_t>(c - 1)][static_cast<size_t>(r - 1)](
            p + r0 * p_ld + j0, p_ld, v + j0 * head_dim + d0, nj, head_dim,
            acc + r0 * head_dim + d0);
      }
    }
  }
}

namespace detail {
bool set_attention_tile_allowed(bool allowed) { return g_allowed.exchange(allowed); }
}  // namespace detail

}  // namespace slkv
