#include "engine/attention_decode.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/cpu_features.hpp"
#include "core/error.hpp"
#include "engine/kv_type.hpp"
#include "engine/softmax_exp.hpp"

namespace slkv {
namespace {

constexpr int64_t kChunk = 256;  // keys per task
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// GCC 12 reports its own AVX-512 headers (the undefined pass-through operand of
// _mm512_cvtph_ps and _mm512_extractf64x4_pd) as maybe uninitialized: a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define SLKV_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx2,fma,f16c")))

// 16 elements of a cache row from element i, widened to f32.
template <KvType T>
SLKV_AVX512 inline __m512 load16(const void* row, int64_t i) {
  if constexpr (T == KvType::kF32) {
    return _mm512_loadu_ps(static_cast<const float*>(row) + i);
  } else {
    const __m256i h =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(row) + i));
    if constexpr (T == KvType::kF16) {
      return _mm512_cvtph_ps(h);
    } else {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
  }
}

// Rows read ahead of the one being used: a step streams the whole cache once (SmolLM2's f32
// cache at 2,048 tokens is 94 MB), and the hardware prefetcher alone left the loads stalling.
// Reading past the chunk is harmless (prefetches do not fault) and warms the next chunk; the
// address is formed as an integer, so no pointer past the cache's storage is ever computed.
constexpr int64_t kPrefetchRows = 8;

inline void prefetch_row(const char* base, int64_t row, int64_t bytes) {
  const uintptr_t at = reinterpret_cast<uintptr_t>(base) + static_cast<uintptr_t>(row * bytes);
  for (int64_t b = 0; b < bytes; b += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(at + static_cast<uintptr_t>(b)), _MM_HINT_T0);
  }
}

// Each of the G score rows s[g * n .. g * n + n) becomes exp(s - m[g]) with m[g] its maximum and
// l[g] its sum (a row with no visible key: m = -inf, l = 0, zeros).
void chunk_softmax(int G, int64_t n, float* s, float* m, float* l) {
  for (int g = 0; g < G; ++g) {
    float* sg = s + g * n;
    m[g] = softmax_row_max(sg, n);
    l[g] = 0.0f;
    if (m[g] == kNegInf) {
      std::fill(sg, sg + n, 0.0f);
    } else {
      l[g] = exp_shift_sum(sg, n, m[g]);
    }
  }
}

// One chunk of n keys for G query heads (q: [G, hd], hd % 64 == 0; AVX-512) straight from the cache
// rows: s[g * n + j] = scale * q[g] . k[j], then each row's max and exp-sum (m, l: [G]),
// then acc[g] = sum_j exp(s - m) v[j] ([G, hd]). Every key and value row is read once for
// the G heads.
template <KvType T, int G>
SLKV_AVX512 void chunk_avx512(const float* q, int64_t hd, float scale, const void* keys,
                              const void* values, int64_t n, float* s, float* m, float* l,
                              float* acc) {
  const int64_t row_bytes = hd * (T == KvType::kF32 ? 4 : 2);
  const auto* kb = static_cast<const char*>(keys);
  const auto* vb = static_cast<const char*>(values);
  for (int64_t j = 0; j < n; ++j) {
    prefetch_row(kb, j + kPrefetchRows, row_bytes);
    __m512 dot[G];
    for (int g = 0; g < G; ++g) dot[g] = _mm512_setzero_ps();
    for (int64_t d = 0; d < hd; d += 16) {
      const __m512 k = load16<T>(kb + j * row_bytes, d);
      for (int g = 0; g < G; ++g)
        dot[g] = _mm512_fmadd_ps(_mm512_loadu_ps(q + g * hd + d), k, dot[g]);
    }
    for (int g = 0; g < G; ++g) s[g * n + j] = scale * _mm512_reduce_add_ps(dot[g]);
  }
  chunk_softmax(G, n, s, m, l);
  for (int64_t d0 = 0; d0 < hd; d0 += 64) {  // 4 vectors x G heads held in registers
    __m512 a[G][4];
    for (int g = 0; g < G; ++g)
      for (int u = 0; u < 4; ++u) a[g][u] = _mm512_setzero_ps();
    for (int64_t j = 0; j < n; ++j) {
      if (d0 == 0) prefetch_row(vb, j + kPrefetchRows, row_bytes);
      const void* row = vb + j * row_bytes;
      __m512 v[4];
      for (int u = 0; u < 4; ++u) v[u] = load16<T>(row, d0 + 16 * u);
      for (int g = 0; g < G; ++g) {
        const __m512 w = _mm512_set1_ps(s[g * n + j]);
        for (int u = 0; u < 4; ++u) a[g][u] = _mm512_fmadd_ps(w, v[u], a[g][u]);
      }
    }
    for (int g = 0; g < G; ++g)
      for (int u = 0; u < 4; ++u) _mm512_storeu_ps(acc + g * hd + d0 + 16 * u, a[g][u]);
  }
}

#define SLKV_AVX2 __attribute__((target("avx2,fma,f16c")))

// 8 elements of a cache row from element i, widened to f32.
template <KvType T>
SLKV_AVX2 inline __m256 load8(const void* row, int64_t i) {
  if constexpr (T == KvType::kF32) {
    return _mm256_loadu_ps(static_cast<const float*>(row) + i);
  } else {
    const __m128i h =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(row) + i));
    if constexpr (T == KvType::kF16) {
      return _mm256_cvtph_ps(h);
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
  }
}

SLKV_AVX2 inline float hsum8(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

// chunk_avx512 for AVX2 CPUs (hd % 16 == 0): 8-lane products, and the value rows summed 16
// dimensions per pass (G x 2 accumulators fit the 16 registers).
template <KvType T, int G>
SLKV_AVX2 void chunk_avx2(const float* q, int64_t hd, float scale, const void* keys,
                          const void* values, int64_t n, float* s, float* m, float* l, float* acc) {
  const int64_t row_bytes = hd * (T == KvType::kF32 ? 4 : 2);
  const auto* kb = static_cast<const char*>(keys);
  const auto* vb = static_cast<const char*>(values);
  for (int64_t j = 0; j < n; ++j) {
    prefetch_row(kb, j + kPrefetchRows, row_bytes);
    __m256 dot[G];
    for (int g = 0; g < G; ++g) dot[g] = _mm256_setzero_ps();
    for (int64_t d = 0; d < hd; d += 8) {
      const __m256 k = load8<T>(kb + j * row_bytes, d);
      for (int g = 0; g < G; ++g)
        dot[g] = _mm256_fmadd_ps(_mm256_loadu_ps(q + g * hd + d), k, dot[g]);
    }
    for (int g = 0; g < G; ++g) s[g * n + j] = scale * hsum8(dot[g]);
  }
  chunk_softmax(G, n, s, m, l);
  for (int64_t d0 = 0; d0 < hd; d0 += 16) {
    __m256 a[G][2];
    for (int g = 0; g < G; ++g) a[g][0] = a[g][1] = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; ++j) {
      if (d0 == 0) prefetch_row(vb, j + kPrefetchRows, row_bytes);
      const void* row = vb + j * row_bytes;
      const __m256 v0 = load8<T>(row, d0), v1 = load8<T>(row, d0 + 8);
      for (int g = 0; g < G; ++g) {
        const __m256 w = _mm256_set1_ps(s[g * n + j]);
        a[g][0] = _mm256_fmadd_ps(w, v0, a[g][0]);
        a[g][1] = _mm256_fmadd_ps(w, v1, a[g][1]);
      }
    }
    for (int g = 0; g < G; ++g) {
      _mm256_storeu_ps(acc + g * hd + d0, a[g][0]);
      _mm256_storeu_ps(acc + g * hd + d0 + 8, a[g][1]);
    }
  }
}

using ChunkFn = void (*)(const float*, int64_t, float, const void*, const void*, int64_t, float*,
                         float*, float*, float*);

template <KvType T>
ChunkFn chunk_for(detail::DecodeIsa isa, int g) {
  const bool wide = isa == detail::DecodeIsa::kAvx512;
  switch (g) {
    case 1:
      return wide ? chunk_avx512<T, 1> : chunk_avx2<T, 1>;
    case 2:
      return wide ? chunk_avx512<T, 2> : chunk_avx2<T, 2>;
    case 3:
      return wide ? chunk_avx512<T, 3> : chunk_avx2<T, 3>;
    default:
      return wide ? chunk_avx512<T, 4> : chunk_avx2<T, 4>;
  }
}

// The kernel for a pass over g (1..4) query heads of a `type` cache.
ChunkFn chunk_kernel(detail::DecodeIsa isa, KvType type, int g) {
  switch (type) {
    case KvType::kF32:
      return chunk_for<KvType::kF32>(isa, g);
    case KvType::kF16:
      return chunk_for<KvType::kF16>(isa, g);
    case KvType::kBF16:
      return chunk_for<KvType::kBF16>(isa, g);
  }
  return nullptr;
}

detail::DecodeIsa g_isa_limit = detail::DecodeIsa::kAvx512;

}  // namespace

namespace detail {

bool decode_isa_supported(DecodeIsa isa, int64_t head_dim) {
  static const bool avx2 =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
  static const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                             __builtin_cpu_supports("avx512vl") &&
                             __builtin_cpu_supports("avx512bw");
  switch (isa) {
    case DecodeIsa::kNone:
      return true;
    case DecodeIsa::kAvx2:
      return avx2 && head_dim > 0 && head_dim % 16 == 0;
    case DecodeIsa::kAvx512:
      return avx512 && head_dim > 0 && head_dim % 64 == 0;
  }
  return false;
}

DecodeIsa decode_isa(int64_t head_dim) {
  if (g_isa_limit >= DecodeIsa::kAvx512 && decode_isa_supported(DecodeIsa::kAvx512, head_dim))
    return DecodeIsa::kAvx512;
  if (g_isa_limit >= DecodeIsa::kAvx2 && decode_isa_supported(DecodeIsa::kAvx2, head_dim))
    return DecodeIsa::kAvx2;
  return DecodeIsa::kNone;
}

DecodeIsa set_decode_isa_limit(DecodeIsa limit) {
  const DecodeIsa old = g_isa_limit;
  g_isa_limit = limit;
  return old;
}

}  // namespace detail

bool attention_decode_supported(int64_t head_dim) {
  return detail::decode_isa(head_dim) != detail::DecodeIsa::kNone;
}

void attention_decode(const AttentionParams& p, const KvCache& cache, int64_t layer,
                      int64_t position, const float* q, float* out, float* row_max,
                      float* row_sum) {
  const int64_t hd = p.head_dim;
  const int64_t n_streams = cache.n_streams(layer);
  const int64_t group = p.n_heads / n_streams;  // shapes checked by attention_forward
  // Positions ascend in a stream, so its visible keys are one run [lo, hi).
  std::vector<int64_t> lo(static_cast<size_t>(n_streams)), hi(lo.size()),
      first_task(lo.size() + 1, 0);
  for (int64_t g = 0; g < n_streams; ++g) {
    const KvStream st = cache.stream(layer, g);
    const int64_t* pos = st.positions;
    hi[g] = std::upper_bound(pos, pos + st.length, position) - pos;
    lo[g] = p.window > 0 ? std::lower_bound(pos, pos + hi[g], position - p.window + 1) - pos : 0;
    first_task[g + 1] = first_task[g] + (hi[g] - lo[g] + kChunk - 1) / kChunk;
  }
  const int64_t n_tasks = first_task[n_streams];
  const detail::DecodeIsa isa = detail::decode_isa(hd);
  SLKV_CHECK(isa != detail::DecodeIsa::kNone, "attention_decode: no kernel for this CPU/head_dim");
  // Each task's softmax state per query head of its group: max, sum, unnormalised output.
  std::vector<float> part_m(static_cast<size_t>(n_tasks * group));
  std::vector<float> part_l(part_m.size());
  std::vector<float> part_acc(part_m.size() * hd);

#pragma omp parallel if (n_tasks > 1)
  {
    std::vector<float> s(static_cast<size_t>(std::min<int64_t>(group, 4) * kChunk));
#pragma omp for schedule(dynamic)
    for (int64_t task = 0; task < n_tasks; ++task) {
      const int64_t g =
          std::upper_bound(first_task.begin(), first_task.end(), task) - first_task.begin() - 1;
      const KvStream st = cache.stream(layer, g);
      const int64_t j0 = lo[g] + (task - first_task[g]) * kChunk;
      const int64_t n = std::min(kChunk, hi[g] - j0);
      const int64_t elem = kv_type_bytes(st.type);
      const char* keys = static_cast<const char*>(st.key_data()) + j0 * hd * elem;
      const char* values = static_cast<const char*>(st.value_data()) + j0 * hd * elem;
      for (int64_t g0 = 0; g0 < group; g0 += 4) {  // passes of up to 4 query heads
        const int gn = static_cast<int>(std::min<int64_t>(4, group - g0));
        const size_t at = static_cast<size_t>(task * group + g0);
        chunk_kernel(isa, st.type, gn)(q + (g * group + g0) * hd, hd, p.scale, keys, values, n,
                                       s.data(), &part_m[at], &part_l[at], &part_acc[at * hd]);
      }
    }
  }

  // Merge the chunks of each query head in chunk order (independent of the thread count).
  for (int64_t g = 0; g < n_streams; ++g) {
    for (int64_t gh = 0; gh < group; ++gh) {
      const int64_t h = g * group + gh;
      float* o = out + h * hd;
      float m = kNegInf;
      bool nan = false;  // a NaN score must reach the output, not lose every max comparison
      for (int64_t t = first_task[g]; t < first_task[g + 1]; ++t) {
        const float mt = part_m[static_cast<size_t>(t * group + gh)];
        nan = nan || std::isnan(mt);
        m = std::max(m, mt);
      }
      if (nan) {
        std::fill(o, o + hd, std::numeric_limits<float>::quiet_NaN());
        row_max[h] = row_sum[h] = std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      std::fill(o, o + hd, 0.0f);
      float l = 0.0f;
      for (int64_t t = first_task[g]; t < first_task[g + 1]; ++t) {
        const float mt = part_m[static_cast<size_t>(t * group + gh)];
        if (mt == kNegInf) continue;  // a chunk without a visible key adds nothing
        const float c = std::exp(mt - m);
        l += c * part_l[static_cast<size_t>(t * group + gh)];
        const float* acc = &part_acc[static_cast<size_t>((t * group + gh) * hd)];
        for (int64_t d = 0; d < hd; ++d) o[d] += c * acc[d];
      }
      // A query that sees no key (possible only after keep() drops them all) outputs 0.
      const float inv = l > 0.0f ? 1.0f / l : 0.0f;
      for (int64_t d = 0; d < hd; ++d) o[d] *= inv;
      row_max[h] = m;
      row_sum[h] = l;
    }
  }
}

}  // namespace slkv
