#include "runtime/select.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "runtime/top_k.hpp"

// The hot loops get an AVX2 clone picked at load time (GCC ifunc); other compilers and targets
// build the portable loop only. No FMA: clones round exactly like the portable code.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define SLKV_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SLKV_VECTOR_CLONES
#endif

namespace slkv::runtime {
namespace {

// Candidate positions per chunk of the probabilities path: a chunk of the row average and of the
// pooled accumulator stay in L1 while the n_rows x group input rows stream through once.
constexpr int64_t kSelectChunk = 2048;

// Row-averaged probabilities of query head qh at positions [j0, j1) -> row[j0, j1) (row and
// the input indexed by absolute position). Rows are summed left to right, ((p0 + p1) + p2) + ...,
// then divided: the reference's order. Up to four input rows stream per pass, so the hardware
// prefetcher sees long concurrent streams, and the short range of row stays in L1.
SLKV_VECTOR_CLONES
void scores_from_probs(const SelectConfig& cfg, const ScoreInput& in, int64_t qh, int64_t j0,
                       int64_t j1, float* row) {
  const int64_t t = cfg.n_tokens, n_rows = cfg.n_rows;
  const float* base = in.probs + qh * n_rows * t;  // [n_rows, T]
  auto at = [&](int64_t r) { return base + r * t; };
  int64_t r = 0;  // rows summed so far
  if (n_rows >= 8) {
    const float *p0 = at(0), *p1 = at(1), *p2 = at(2), *p3 = at(3);
    const float *p4 = at(4), *p5 = at(5), *p6 = at(6), *p7 = at(7);
    for (int64_t j = j0; j < j1; ++j)
      row[j] = ((((((p0[j] + p1[j]) + p2[j]) + p3[j]) + p4[j]) + p5[j]) + p6[j]) + p7[j];
    r = 8;
  } else if (n_rows >= 4) {
    const float *p0 = at(0), *p1 = at(1), *p2 = at(2), *p3 = at(3);
    for (int64_t j = j0; j < j1; ++j) row[j] = ((p0[j] + p1[j]) + p2[j]) + p3[j];
    r = 4;
  } else {
    std::memcpy(row + j0, at(0) + j0, sizeof(float) * static_cast<size_t>(j1 - j0));
    r = 1;
  }
  for (; r + 4 <= n_rows; r += 4) {
    const float *p0 = at(r), *p1 = at(r + 1), *p2 = at(r + 2), *p3 = at(r + 3);
    for (int64_t j = j0; j < j1; ++j) row[j] = (((row[j] + p0[j]) + p1[j]) + p2[j]) + p3[j];
  }
  for (; r < n_rows; ++r) {
    const float* p = at(r);
    for (int64_t j = j0; j < j1; ++j) row[j] += p[j];
  }
  const float n = static_cast<float>(n_rows);
  if (std::has_single_bit(static_cast<uint64_t>(n_rows))) {
    const float inv = 1.0f / n;  // exact: x / 2^e == x * 2^-e
    for (int64_t j = j0; j < j1; ++j) row[j] *= inv;
  } else {
    for (int64_t j = j0; j < j1; ++j) row[j] /= n;
  }
}

// softmax(q_r . k_j / sqrt(d)) over j <= T - n_rows + r, averaged over rows -> row [T].
void scores_from_qk(const SelectConfig& cfg, const ScoreInput& in, int64_t qh, float* row,
                    float* logits) {
  const int64_t t = cfg.n_tokens, d = in.head_dim;
  const int64_t kvh = qh / cfg.group();
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::fill(row, row + t, 0.0f);
  for (int64_t r = 0; r < cfg.n_rows; ++r) {
    const float* q = in.q + (qh * cfg.n_rows + r) * d;
    const int64_t n_keys = t - cfg.n_rows + r + 1;  // causal
    float mx = -INFINITY;
    for (int64_t j = 0; j < n_keys; ++j) {
      const float* k = in.k_layout == KvLayout::kNhd ? in.k + (j * cfg.n_kv_heads + kvh) * d
                                                     : in.k + (kvh * t + j) * d;
      float dot = 0.0f;
      for (int64_t c = 0; c < d; ++c) dot += q[c] * k[c];
      logits[j] = dot * scale;
      mx = std::max(mx, logits[j]);
    }
    float sum = 0.0f;
    for (int64_t j = 0; j < n_keys; ++j) {
      logits[j] = std::exp(logits[j] - mx);
      sum += logits[j];
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < n_keys; ++j) row[j] += logits[j] * inv;
  }
  const float n = static_cast<float>(cfg.n_rows);
  for (int64_t j = 0; j < t; ++j) row[j] /= n;
}

// Interior of the pooling, out[j] (+)= op(base[j], ..., base[j + 2R]) with a fixed radius so
// the compiler unrolls the window and vectorizes over j (one pass over the row).
template <int R, bool kAvg, bool kAdd>
SLKV_VECTOR_CLONES void pool_interior(const float* base, int64_t n, float* out) {
  for (int64_t j = 0; j < n; ++j) {
    float v = base[j];
    for (int o = 1; o <= 2 * R; ++o) v = kAvg ? v + base[j + o] : std::max(v, base[j + o]);
    if constexpr (kAvg) v = v / static_cast<float>(2 * R + 1);
    out[j] = kAdd ? out[j] + v : v;
  }
}

template <bool kAvg, bool kAdd>
void pool_interior_any(int64_t r, const float* base, int64_t n, float* out) {
  switch (r) {
    case 0:
      return pool_interior<0, kAvg, kAdd>(base, n, out);
    case 1:
      return pool_interior<1, kAvg, kAdd>(base, n, out);
    case 2:
      return pool_interior<2, kAvg, kAdd>(base, n, out);
    case 3:
      return pool_interior<3, kAvg, kAdd>(base, n, out);
    case 4:
      return pool_interior<4, kAvg, kAdd>(base, n, out);
    case 5:
      return pool_interior<5, kAvg, kAdd>(base, n, out);
    default:
      for (int64_t j = 0; j < n; ++j) {
        float v = base[j];
        for (int64_t o = 1; o <= 2 * r; ++o) v = kAvg ? v + base[j + o] : std::max(v, base[j + o]);
        if constexpr (kAvg) v = v / static_cast<float>(2 * r + 1);
        out[j] = kAdd ? out[j] + v : v;
      }
  }
}

// acc[j] (+)= pool(row)[j] for j in [c0, c1) of the n_cand candidates; reads row[j - r, j + r]
// cut to [0, n_cand) (padding never wins). Every output sums (avg) or maxes its inputs left to
// right, the order the reference uses, so chunked and whole-row pooling agree bit for bit.
void pool_range(const SelectConfig& cfg, const float* row, int64_t n_cand, int64_t c0, int64_t c1,
                float* acc, bool add) {
  const int64_t r = cfg.pool == PoolKind::kNone ? 0 : cfg.pool_kernel / 2;
  const bool avg = cfg.pool == PoolKind::kAvg;
  auto edge = [&](int64_t j) {
    const int64_t lo = std::max<int64_t>(0, j - r), hi = std::min(n_cand - 1, j + r);
    float v = row[lo];
    for (int64_t i = lo + 1; i <= hi; ++i) v = avg ? v + row[i] : std::max(v, row[i]);
    v = avg ? v / static_cast<float>(hi - lo + 1) : v;
    acc[j] = add ? acc[j] + v : v;
  };
  // Interior outputs [i0, i1) have their whole window inside [0, n_cand).
  const int64_t i0 = std::clamp(r, c0, c1), i1 = std::clamp(n_cand - r, i0, c1);
  for (int64_t j = c0; j < i0; ++j) edge(j);
  for (int64_t j = i1; j < c1; ++j) edge(j);
  const float* base = row + i0 - r;  // output i0 + j pools base[j .. j + 2r]
  const int64_t n_mid = i1 - i0;
  float* out = acc + i0;
  if (avg) {
    add ? pool_interior_any<true, true>(r, base, n_mid, out)
        : pool_interior_any<true, false>(r, base, n_mid, out);
  } else {
    add ? pool_interior_any<false, true>(r, base, n_mid, out)
        : pool_interior_any<false, false>(r, base, n_mid, out);
  }
}

// Group mean of acc[0, n) in place (division by n_group, or the exact power-of-two product),
// order-preserving keys of the results into keys[0, n) and their min / max. Returns false when
// a score is NaN.
SLKV_VECTOR_CLONES
bool finish_scores(float* acc, int64_t n, int64_t n_group, uint32_t* keys, uint32_t* lo_out,
                   uint32_t* hi_out) {
  if (n_group > 1) {
    const auto g = static_cast<float>(n_group);
    if (std::has_single_bit(static_cast<uint64_t>(n_group))) {
      const float inv = 1.0f / g;
      for (int64_t j = 0; j < n; ++j) acc[j] *= inv;
    } else {
      for (int64_t j = 0; j < n; ++j) acc[j] /= g;
    }
  }
  uint32_t lo = UINT32_MAX, hi = 0, nan = 0;
  for (int64_t j = 0; j < n; ++j) {
    const float x = acc[j];
    nan |= static_cast<uint32_t>(x != x);
    const uint32_t key = ordered_key(x);
    keys[j] = key;
    lo = std::min(lo, key);
    hi = std::max(hi, key);
  }
  *lo_out = lo;
  *hi_out = hi;
  return nan == 0;
}

}  // namespace

int64_t select_top_k(std::span<const float> scores, int64_t k, const TopKScratch& scratch,
                     int32_t* kept) {
  const auto n = static_cast<int64_t>(scores.size());
  if (k <= 0) return 0;
  if (k >= n) {
    for (int64_t j = 0; j < n; ++j) kept[j] = static_cast<int32_t>(j);
    return n;
  }
  uint32_t lo = UINT32_MAX, hi = 0;
  for (int64_t j = 0; j < n; ++j) {
    scratch.keys[j] = ordered_key(scores[j]);
    lo = std::min(lo, scratch.keys[j]);
    hi = std::max(hi, scratch.keys[j]);
  }
  return top_k_keys(scratch.keys, n, k, lo, hi, scratch.candidates, scratch.hist, kept);
}

int64_t select_workspace_floats(const SelectConfig& cfg, const ScoreInput& in) {
  const int64_t t = std::max<int64_t>(cfg.n_tokens, 0);
  return t + 3 * cfg.n_candidates() + (in.q ? t : 0) + kTopKBins;
}

const char* select_check(const SelectConfig& cfg, const ScoreInput& in) {
  if (cfg.n_q_heads <= 0 || cfg.n_kv_heads <= 0) return "head counts must be positive";
  if (cfg.n_q_heads % cfg.n_kv_heads != 0) return "n_q_heads is not a multiple of n_kv_heads";
  if (cfg.n_tokens < 0 || cfg.n_tokens > INT32_MAX) return "prompt length out of range";
  if (cfg.window < 0) return "window must be >= 0";
  if (cfg.n_rows < 1 || cfg.n_rows > std::max<int64_t>(cfg.n_tokens, 1))
    return "n_rows must be in [1, prompt length]";
  if (cfg.pool_kernel < 1 || cfg.pool_kernel % 2 == 0) return "pooling kernel must be odd";
  if (in.probs && in.q) return "give exactly one of probs or q/k";
  if (!in.probs && !in.q && cfg.streaming_sinks < 0) return "give exactly one of probs or q/k";
  if (in.q && (in.k == nullptr || in.head_dim <= 0)) return "q needs k and head_dim > 0";
  return nullptr;
}

bool select_layer(const SelectConfig& cfg, const ScoreInput& in, std::span<const int64_t> caps,
                  int64_t head_begin, int64_t head_end, std::span<float> workspace,
                  const SelectOutput& out, const char** error) {
  const int64_t t = cfg.n_tokens, n_cand = cfg.n_candidates();
  float* row = workspace.data();                          // [T]
  float* acc = row + t;                                   // [n_candidates]
  float* tmp = acc + n_cand;                              // [n_candidates], also top-k keys
  auto* cand = reinterpret_cast<int32_t*>(tmp + n_cand);  // [n_candidates]
  float* logits = tmp + 2 * n_cand;                       // [T] (q/k input only)
  auto* hist = reinterpret_cast<uint32_t*>(logits + (in.q ? t : 0));  // [kTopKBins]
  const int64_t per_head = cfg.kv_granularity ? cfg.group() : 1;
  const int64_t r = cfg.pool == PoolKind::kNone ? 0 : cfg.pool_kernel / 2;
  // Chunked when a chunk and its pooling halo fit the row buffer [T]; else one whole-row chunk.
  const int64_t chunk = kSelectChunk + 2 * r <= t ? kSelectChunk : std::max<int64_t>(n_cand, 1);
  uint32_t* keys = reinterpret_cast<uint32_t*>(tmp);
  for (int64_t h = head_begin; h < head_end; ++h) {
    const int64_t cap = std::max<int64_t>(0, caps[static_cast<size_t>(h)]);
    const int64_t k = std::min(cap, n_cand);
    const int64_t n_keep = k + (t - n_cand);
    if (n_keep > out.kept_stride) {
      *error = "kept_stride is smaller than a head's kept count";
      return false;
    }
    int32_t* kept = out.kept + h * out.kept_stride;
    int64_t n = 0;
    if (cfg.streaming_sinks >= 0) {
      // Attention sinks + recent tokens: no scores involved.
      const int64_t sinks = std::min(cfg.streaming_sinks, k);
      for (int64_t j = 0; j < sinks; ++j) kept[n++] = static_cast<int32_t>(j);
      for (int64_t j = n_cand - (k - sinks); j < n_cand; ++j) kept[n++] = static_cast<int32_t>(j);
      for (int64_t j = n_cand; j < t; ++j) kept[n++] = static_cast<int32_t>(j);
      out.n_kept[h] = static_cast<int32_t>(n);
      continue;
    }
    const bool rank = k > 0 && k < n_cand;
    uint32_t lo = 0, hi = 0;
    if (rank || (out.pooled && n_cand > 0)) {
      for (int64_t g = 0; g < per_head; ++g) {
        const int64_t qh = cfg.kv_granularity ? h * per_head + g : h;
        if (in.probs && cfg.n_rows == 1) {
          // Already one averaged row: x / 1 == x, pooled straight from the input.
          pool_range(cfg, in.probs + qh * t, n_cand, 0, n_cand, acc, g > 0);
        } else if (in.probs) {
          for (int64_t c0 = 0; c0 < n_cand; c0 += chunk) {
            const int64_t c1 = std::min(c0 + chunk, n_cand);
            // row average at j in [c0 - r, c1 + r) cut to [0, n_cand), stored at row[j - j0]
            // (at most chunk + 2r <= T floats, or n_cand <= T for the whole-row chunk).
            const int64_t j0 = std::max<int64_t>(0, c0 - r), j1 = std::min(n_cand, c1 + r);
            float* chunk_row = row - j0;  // indexed by absolute position
            scores_from_probs(cfg, in, qh, j0, j1, chunk_row);
            pool_range(cfg, chunk_row, n_cand, c0, c1, acc, g > 0);
          }
        } else {
          scores_from_qk(cfg, in, qh, row, logits);
          pool_range(cfg, row, n_cand, 0, n_cand, acc, g > 0);
        }
      }
      if (!finish_scores(acc, n_cand, per_head, keys, &lo, &hi)) {
        *error = "a token score is NaN";
        return false;
      }
      if (out.pooled) std::memcpy(out.pooled + h * n_cand, acc, sizeof(float) * n_cand);
    }
    if (rank) {
      n = top_k_keys(keys, n_cand, k, lo, hi, cand, hist, kept);
    } else {
      // Nothing to rank: keep no candidate (cap 0) or all of them (cap >= T - w).
      for (int64_t j = 0; j < k; ++j) kept[n++] = static_cast<int32_t>(j);
    }
    for (int64_t j = n_cand; j < t; ++j) kept[n++] = static_cast<int32_t>(j);
    out.n_kept[h] = static_cast<int32_t>(n);
  }
  return true;
}

}  // namespace slkv::runtime
