#include "runtime/select.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace slkv::runtime {
namespace {

constexpr int kHistBins = 2048;

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

// acc[j] (+)= pool(row[0, C))[j]; the window [-r, r] is cut at the ends (padding never wins).
void pool_into(const SelectConfig& cfg, const float* row, int64_t n_cand, float* acc, bool add) {
  const int64_t r = cfg.pool == PoolKind::kNone ? 0 : cfg.pool_kernel / 2;
  for (int64_t j = 0; j < n_cand; ++j) {
    const int64_t lo = std::max<int64_t>(0, j - r), hi = std::min(n_cand - 1, j + r);
    float v;
    if (cfg.pool == PoolKind::kAvg) {
      float s = 0.0f;
      for (int64_t i = lo; i <= hi; ++i) s += row[i];
      v = s / static_cast<float>(hi - lo + 1);
    } else {
      v = row[lo];
      for (int64_t i = lo + 1; i <= hi; ++i) v = std::max(v, row[i]);
    }
    acc[j] = add ? acc[j] + v : v;
  }
}

}  // namespace

int64_t select_top_k(std::span<const float> scores, int64_t k, uint32_t* hist, int32_t* kept) {
  const auto n = static_cast<int64_t>(scores.size());
  if (k <= 0) return 0;
  if (k >= n) {
    for (int64_t j = 0; j < n; ++j) kept[j] = static_cast<int32_t>(j);
    return n;
  }
  // Radix select of the k-th largest key over 11 + 11 + 10 bits: `prefix` fixes the high bits
  // found so far, `need` counts how many of the keys sharing that prefix are still to take.
  uint32_t prefix = 0, prefix_mask = 0;
  int64_t need = k;
  const int shifts[3] = {21, 10, 0};
  const int widths[3] = {11, 11, 10};
  for (int pass = 0; pass < 3; ++pass) {
    const int shift = shifts[pass];
    const uint32_t bins = 1u << widths[pass];
    std::fill(hist, hist + bins, 0u);
    for (int64_t j = 0; j < n; ++j) {
      uint32_t key = ordered_key(scores[j]);
      if ((key & prefix_mask) == prefix) ++hist[(key >> shift) & (bins - 1)];
    }
    uint32_t b = bins;
    while (b-- > 0) {
      if (static_cast<int64_t>(hist[b]) >= need) break;
      need -= hist[b];
    }
    prefix |= b << shift;
    prefix_mask |= (bins - 1) << shift;
  }
  // `prefix` is now the k-th largest key; take everything above it and the first `need` equal.
  int64_t written = 0;
  for (int64_t j = 0; j < n; ++j) {
    uint32_t key = ordered_key(scores[j]);
    if (key > prefix || (key == prefix && need-- > 0)) kept[written++] = static_cast<int32_t>(j);
  }
  return written;
}

int64_t select_workspace_floats(const SelectConfig& cfg, const ScoreInput& in) {
  const int64_t t = std::max<int64_t>(cfg.n_tokens, 0);
  return t + cfg.n_candidates() + (in.q ? t : 0) + kHistBins;
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
  float* row = workspace.data();                                      // [T]
  float* acc = row + t;                                               // [n_candidates]
  float* logits = acc + n_cand;                                       // [T] (q/k input only)
  auto* hist = reinterpret_cast<uint32_t*>(logits + (in.q ? t : 0));  // [2048]
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
        if (in.probs) {
          scores_from_probs(cfg, in, qh, row);
        } else {
          scores_from_qk(cfg, in, qh, row, logits);
        }
        pool_into(cfg, row, n_cand, acc, g > 0);
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
      n = select_top_k({acc, static_cast<size_t>(n_cand)}, k, hist, kept);
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
