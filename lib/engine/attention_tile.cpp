#include "engine/attention_tile.hpp"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "engine/fma_tile_avx2.hpp"

namespace slkv {
namespace {

#define SLKV_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define SLKV_AVX2 __attribute__((target("avx2,fma")))

using detail::TileIsa;

std::atomic<TileIsa> g_isa_limit{TileIsa::kAvx512};

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

// AVX2 tiles (16 ymm registers), the 6 x 16 shape of the usual AVX2 GEMM micro-kernels: scores
// R query rows x 16 keys (half a panel; 2R accumulators, R <= 6); accumulation R rows x 16 dims
// (2R accumulators). As those micro-kernels do, each reads its broadcast operand and its vector
// operand from packed, contiguous panels: the queries as [hd][6] micro-panels of 6 rows, the
// values as [nk][16] slices of 16 dimensions (read in place, 6 query rows or 16-float slices of
// value rows 1 KiB apart share L1 sets).
constexpr int kRows2 = 6;

// Lanes [0, n) of an 8-lane mask, n in [0, 8].
SLKV_AVX2 inline __m256i first_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// qp: one [hd][6] micro-panel (rows past R are zero and unused); `half` points at key 0 or 16
// of a key panel; keys [0, w) of the half are stored (w in [1, 16]).
template <int R>
SLKV_AVX2 void scores_half_avx2(const float* qp, const float* half, int64_t hd, float scale,
                                float* s, int64_t s_ld, int64_t w) {
  __m256 a0[R], a1[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
  static_assert(kRows2 == 6, "fma_tile_6x16 reads [hd][6] query micro-panels");
  detail::fma_tile_6x16<R>(qp, half, kKeyPanel, hd, a0, a1);
  const __m256 sc = _mm256_set1_ps(scale);
  if (w == 16) {  // plain stores; masked ones (many micro-ops on AMD) only at the edge
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      _mm256_storeu_ps(s + r * s_ld, _mm256_mul_ps(a0[r], sc));
      _mm256_storeu_ps(s + r * s_ld + 8, _mm256_mul_ps(a1[r], sc));
    }
    return;
  }
  const __m256i m0 = first_lanes(std::min<int64_t>(w, 8));
  const __m256i m1 = first_lanes(std::max<int64_t>(w - 8, 0));
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_maskstore_ps(s + r * s_ld, m0, _mm256_mul_ps(a0[r], sc));
    _mm256_maskstore_ps(s + r * s_ld + 8, m1, _mm256_mul_ps(a1[r], sc));
  }
}

// vs: a [nk][16] slice of the values; acc rows at stride hd.
template <int R>
SLKV_AVX2 void accumulate_block_avx2(const float* p, int64_t p_ld, const float* vs, int64_t nk,
                                     int64_t hd, float* acc) {
  __m256 a0[R], a1[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    a0[r] = _mm256_loadu_ps(acc + r * hd);
    a1[r] = _mm256_loadu_ps(acc + r * hd + 8);
  }
  for (int64_t j = 0; j < nk; ++j) {
    const __m256 v0 = _mm256_loadu_ps(vs + j * 16);
    const __m256 v1 = _mm256_loadu_ps(vs + j * 16 + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 pb = _mm256_broadcast_ss(p + r * p_ld + j);
      a0[r] = _mm256_fmadd_ps(pb, v0, a0[r]);
      a1[r] = _mm256_fmadd_ps(pb, v1, a1[r]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(acc + r * hd, a0[r]);
    _mm256_storeu_ps(acc + r * hd + 8, a1[r]);
  }
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

using HalfScoresFn = void (*)(const float*, const float*, int64_t, float, float*, int64_t, int64_t);

template <int... R>
constexpr auto make_scores_avx2(std::integer_sequence<int, R...>) {
  return std::array<HalfScoresFn, sizeof...(R)>{&scores_half_avx2<R + 1>...};
}

template <int... R>
constexpr auto make_accumulate_avx2(std::integer_sequence<int, R...>) {
  return std::array<AccumulateFn, sizeof...(R)>{&accumulate_block_avx2<R + 1>...};
}

// q: the 6-row micro-panels of prepare_tile_queries.
void tile_scores_avx2(const float* qp, int64_t rows, const float* panels, int64_t nk,
                      int64_t head_dim, float scale, float* s, int64_t s_ld) {
  static constexpr auto kernels = make_scores_avx2(std::make_integer_sequence<int, kRows2>{});
  const int64_t n_blocks = (rows + kRows2 - 1) / kRows2;
  for (int64_t j0 = 0; j0 < nk; j0 += kKeyPanel / 2) {
    const int64_t w = std::min(kKeyPanel / 2, nk - j0);
    // Half `j0 / 16 % 2` of panel `j0 / 32`.
    const float* half = panels + (j0 / kKeyPanel) * kKeyPanel * head_dim + j0 % kKeyPanel;
    for (int64_t b = 0; b < n_blocks; ++b) {
      const int64_t r = std::min<int64_t>(kRows2, rows - b * kRows2);
      kernels[static_cast<size_t>(r - 1)](qp + b * head_dim * kRows2, half, head_dim, scale,
                                          s + b * kRows2 * s_ld + j0, s_ld, w);
    }
  }
}

// slices: [head_dim / 16] slices of [nk][16] values, slice c at slices + c * slice_ld.
SLKV_AVX2 void accumulate_slices_avx2(const float* p, int64_t p_ld, int64_t rows,
                                      const float* slices, int64_t slice_ld, int64_t nk,
                                      int64_t head_dim, float* acc) {
  static constexpr auto kernels = make_accumulate_avx2(std::make_integer_sequence<int, kRows2>{});
  for (int64_t j0 = 0; j0 < nk; j0 += kAccKeys) {  // sub-blocks as in the AVX-512 version
    const int64_t nj = std::min(kAccKeys, nk - j0);
    // Row blocks outside: a block's probabilities (6 rows, 1 KiB apart) stay in L1 while the
    // contiguous value slices stream past them.
    for (int64_t r0 = 0; r0 < rows; r0 += kRows2) {
      const int64_t r = std::min<int64_t>(kRows2, rows - r0);
      for (int64_t d0 = 0; d0 < head_dim; d0 += 16) {
        kernels[static_cast<size_t>(r - 1)](p + r0 * p_ld + j0, p_ld,
                                            slices + d0 / 16 * slice_ld + j0 * 16, nj, head_dim,
                                            acc + r0 * head_dim + d0);
      }
    }
  }
}

// From value rows: packs them as slices first (a copy per call; prefill packs once per layer).
SLKV_AVX2 void tile_accumulate_avx2(const float* p, int64_t p_ld, int64_t rows, const float* v,
                                    int64_t nk, int64_t head_dim, float* acc) {
  thread_local std::vector<float> vs;  // [head_dim / 16][nk][16]
  vs.resize(static_cast<size_t>(nk * head_dim));
  for (int64_t j = 0; j < nk; ++j) {
    for (int64_t d0 = 0; d0 < head_dim; d0 += 16) {  // two vector moves, not a memmove call
      float* dst = &vs[static_cast<size_t>(d0 * nk + j * 16)];
      _mm256_storeu_ps(dst, _mm256_loadu_ps(v + j * head_dim + d0));
      _mm256_storeu_ps(dst + 8, _mm256_loadu_ps(v + j * head_dim + d0 + 8));
    }
  }
  accumulate_slices_avx2(p, p_ld, rows, vs.data(), nk * 16, nk, head_dim, acc);
}

}  // namespace

namespace detail {

bool tile_isa_supported(TileIsa isa, int64_t head_dim) {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  static const bool avx512 = avx2 && __builtin_cpu_supports("avx512f");
  const bool shape = head_dim > 0 && head_dim % 16 == 0;
  switch (isa) {
    case TileIsa::kNone:
      return true;
    case TileIsa::kAvx2:
      // Up to head_dim 128: at 256 (Gemma 3) OpenBLAS's sgemm was as fast or faster on the AMD
      // EPYC measured (docs/benchmarks.md, "AVX2 attention tiles"); at 64 the tiles were ahead.
      return avx2 && shape && head_dim <= 128;
    case TileIsa::kAvx512:
      return avx512 && shape;
  }
  return false;
}

TileIsa tile_isa(int64_t head_dim) {
  const TileIsa limit = g_isa_limit.load(std::memory_order_relaxed);
  for (TileIsa isa : {TileIsa::kAvx512, TileIsa::kAvx2})
    if (limit >= isa && tile_isa_supported(isa, head_dim)) return isa;
  return TileIsa::kNone;
}

TileIsa set_tile_isa_limit(TileIsa limit) { return g_isa_limit.exchange(limit); }

}  // namespace detail

bool attention_tile_supported(int64_t head_dim) {
  return detail::tile_isa(head_dim) != TileIsa::kNone;
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

bool tile_values_as_slices(int64_t head_dim) {
  return detail::tile_isa(head_dim) == TileIsa::kAvx2;
}

void pack_value_slices(const KvStream& stream, int64_t first, int64_t n, int64_t head_dim,
                       float* slices) {
  SLKV_CHECK(first >= 0 && n >= 0 && first + n <= stream.length, "value slice range");
  SLKV_CHECK(head_dim > 0 && head_dim % 16 == 0, "value slices need head_dim a multiple of 16");
  const int64_t n_pad = (n + kKeyPanel - 1) / kKeyPanel * kKeyPanel;
  std::vector<float> row(static_cast<size_t>(head_dim));
  for (int64_t j = 0; j < n_pad; ++j) {
    if (j < n) {
      stream.value_row(first + j, head_dim, row.data());
    } else {
      std::fill(row.begin(), row.end(), 0.0f);
    }
    for (int64_t c = 0; c < head_dim / 16; ++c) {
      std::copy_n(&row[static_cast<size_t>(c * 16)], 16, slices + (c * n_pad + j) * 16);
    }
  }
}

void tile_accumulate_slices(const float* p, int64_t p_ld, int64_t rows, const float* slices,
                            int64_t slice_ld, int64_t nk, int64_t head_dim, float* acc) {
  SLKV_CHECK(tile_values_as_slices(head_dim), "attention tile kernels: no value-slice kernels");
  accumulate_slices_avx2(p, p_ld, rows, slices, slice_ld, nk, head_dim, acc);
}

TileQueries prepare_tile_queries(const float* q, int64_t q_ld, int64_t rows, int64_t head_dim,
                                 std::vector<float>& buffer) {
  const TileIsa isa = detail::tile_isa(head_dim);
  SLKV_CHECK(isa != TileIsa::kNone, "attention tile kernels: none for this CPU and head_dim");
  if (isa == TileIsa::kAvx512) return {q, q_ld, rows, isa};
  const int64_t n_blocks = (rows + kRows2 - 1) / kRows2;
  buffer.assign(static_cast<size_t>(n_blocks * head_dim * kRows2), 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = &buffer[static_cast<size_t>(r / kRows2 * head_dim * kRows2 + r % kRows2)];
    for (int64_t d = 0; d < head_dim; ++d) dst[d * kRows2] = q[r * q_ld + d];
  }
  return {buffer.data(), kRows2, rows, isa};
}

void tile_scores(const TileQueries& tq, const float* panels, int64_t nk, int64_t head_dim,
                 float scale, float* s, int64_t s_ld) {
  if (tq.isa == TileIsa::kAvx2) {
    tile_scores_avx2(tq.q, tq.rows, panels, nk, head_dim, scale, s, s_ld);
    return;
  }
  SLKV_CHECK(tq.isa == TileIsa::kAvx512, "attention tile kernels: queries not prepared");
  const float* q = tq.q;
  const int64_t q_ld = tq.q_ld, rows = tq.rows;
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
  const TileIsa isa = detail::tile_isa(head_dim);
  if (isa == TileIsa::kAvx2) {
    tile_accumulate_avx2(p, p_ld, rows, v, nk, head_dim, acc);
    return;
  }
  SLKV_CHECK(isa == TileIsa::kAvx512, "attention tile kernels: none for this CPU and head_dim");
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

}  // namespace slkv
