#include "runtime/select.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace slkv::runtime {
namespace {

// Order-preserving map of floats to unsigned keys (-0 and +0 collapse first).
inline uint32_t ordered_key(float x) {
  uint32_t bits = std::bit_cast<uint32_t>(x + 0.0f);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// Row-averaged probabilities of query head qh over all T keys -> row [T].
void scores_from_probs(const SelectConfig& cfg, const ScoreInput& in, int64_t qh, float* row) {
  const int64_t t = cfg.n_tokens;
  const float* base = in.probs + qh * cfg.n_rows * t;  // [n_rows, T]
  std::memcpy(row, base, sizeof(float) * static_cast<size_t>(t));
  for (int64_t r = 1; r < cfg.n_rows; ++r) {
    const float* p = base + r * t;
    for (int64_t j = 0; j < t; ++j) row[j] += p[j];
  }
  const float n = static_cast<float>(cfg.n_rows);
  for (int64_t j = 0; j < t; ++j) row[j] /= n;
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
void pool_interior(const float* base, int64_t n, float* out) {
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

// acc[j] (+)= pool(row[0, C))[j]; the window [-r, r] is cut at the ends (padding never wins).
// Every output sums (avg) or maxes its inputs left to right, the order the reference uses.
void pool_into(const SelectConfig& cfg, const float* row, int64_t n_cand, float* acc, bool add) {
  const int64_t r = cfg.pool == PoolKind::kNone ? 0 : cfg.pool_kernel / 2;
  const bool avg = cfg.pool == PoolKind::kAvg;
  auto edge = [&](int64_t j) {
    const int64_t lo = std::max<int64_t>(0, j - r), hi = std::min(n_cand - 1, j + r);
    float v = row[lo];
    for (int64_t i = lo + 1; i <= hi; ++i) v = avg ? v + row[i] : std::max(v, row[i]);
    v = avg ? v / static_cast<float>(hi - lo + 1) : v;
    acc[j] = add ? acc[j] + v : v;
  };
  const int64_t lo_end = std::min(r, n_cand), hi_begin = std::max(lo_end, n_cand - r);
  for (int64_t j = 0; j < lo_end; ++j) edge(j);
  for (int64_t j = hi_begin; j < n_cand; ++j) edge(j);
  const float* base = row + lo_end - r;  // output lo_end + j pools base[j .. j + 2r]
  const int64_t n_mid = hi_begin - lo_end;
  float* out = acc + lo_end;
  if (avg) {
    add ? pool_interior_any<true, true>(r, base, n_mid, out)
        : pool_interior_any<true, false>(r, base, n_mid, out);
  } else {
    add ? pool_interior_any<false, true>(r, base, n_mid, out)
        : pool_interior_any<false, false>(r, base, n_mid, out);
  }
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
  uint32_t* keys = scratch.keys;
  uint32_t lo = UINT32_MAX, hi = 0;
  for (int64_t j = 0; j < n; ++j) {
    keys[j] = ordered_key(scores[j]);
    lo = std::min(lo, keys[j]);
    hi = std::max(hi, keys[j]);
  }
  // Threshold key `thr` (the k-th largest) and how many keys equal to it are taken (`n_eq`).
  uint32_t thr = hi;
  int64_t n_eq = k;
  if (lo != hi) {
    // Histogram of the kTopKBins-wide digit just below the bits all keys share.
    const int top_bit = 31 - std::countl_zero(lo ^ hi);
    const int shift = std::max(0, top_bit + 1 - std::countr_zero(unsigned{kTopKBins}));
    uint32_t* hist = scratch.hist;
    std::fill(hist, hist + kTopKBins, 0u);
    for (int64_t j = 0; j < n; ++j) ++hist[((keys[j] - lo) >> shift) & (kTopKBins - 1)];
    // (keys - lo) >> shift < kTopKBins because hi - lo < 2^(top_bit + 1).
    int64_t need = k;
    uint32_t b = kTopKBins;
    while (b-- > 0) {
      if (static_cast<int64_t>(hist[b]) >= need) break;
      need -= hist[b];
    }
    // Resolve inside bucket b: sort its members by (key desc, index asc), take `need`.
    int32_t* cand = scratch.candidates;
    int64_t n_cand = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (((keys[j] - lo) >> shift) == b) cand[n_cand++] = static_cast<int32_t>(j);
    }
    std::sort(cand, cand + n_cand,
              [&](int32_t x, int32_t y) { return keys[x] != keys[y] ? keys[x] > keys[y] : x < y; });
    thr = keys[cand[need - 1]];
    n_eq = 0;
    for (int64_t i = 0; i < need; ++i) n_eq += keys[cand[i]] == thr;
  }
  int64_t written = 0;
  for (int64_t j = 0; j < n; ++j) {
    const uint32_t key = keys[j];
    if (key > thr || (key == thr && n_eq-- > 0)) kept[written++] = static_cast<int32_t>(j);
  }
  return written;
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
  if ((in.probs == nullptr) == (in.q == nullptr)) return "give exactly one of probs or q/k";
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
    const bool rank = k > 0 && k < n_cand;
    if (rank || (out.pooled && n_cand > 0)) {
      for (int64_t g = 0; g < per_head; ++g) {
        const int64_t qh = cfg.kv_granularity ? h * per_head + g : h;
        const float* scores = row;
        if (in.probs && cfg.n_rows == 1) {
          scores = in.probs + qh * t;  // already one averaged row: x / 1 == x, no copy
        } else if (in.probs) {
          scores_from_probs(cfg, in, qh, row);
        } else {
          scores_from_qk(cfg, in, qh, row, logits);
        }
        pool_into(cfg, scores, n_cand, acc, g > 0);
      }
      if (per_head > 1) {
        const auto n_group = static_cast<float>(per_head);
        for (int64_t j = 0; j < n_cand; ++j) acc[j] /= n_group;
      }
      for (int64_t j = 0; j < n_cand; ++j) {
        if (std::isnan(acc[j])) {
          *error = "a token score is NaN";
          return false;
        }
      }
      if (out.pooled) std::memcpy(out.pooled + h * n_cand, acc, sizeof(float) * n_cand);
    }
    if (rank) {
      n = select_top_k({acc, static_cast<size_t>(n_cand)}, k,
                       TopKScratch{reinterpret_cast<uint32_t*>(tmp), cand, hist}, kept);
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
