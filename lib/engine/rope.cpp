#include "engine/rope.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "engine/ops.hpp"

namespace slkv {

RopeParams make_rope(RopeStyle style, int64_t n_rot, int64_t head_dim, double base,
                     const RopeScaling& scaling, std::span<const float> freq_factors) {
  SLKV_CHECK(n_rot > 0 && n_rot % 2 == 0 && n_rot <= head_dim, "rotary dims");
  RopeParams rope;
  rope.style = style;
  rope.n_rot = n_rot;
  rope.head_dim = head_dim;
  const int64_t half = n_rot / 2;
  rope.inv_freq.resize(static_cast<size_t>(half));
  const bool has_factors = !freq_factors.empty();
  if (has_factors) {
    SLKV_CHECK(static_cast<int64_t>(freq_factors.size()) == half,
               "rope_freqs has " + std::to_string(freq_factors.size()) + " values, expected " +
                   std::to_string(half));
  } else if (scaling.type != "none" && scaling.type != "default" && scaling.type != "linear" &&
             scaling.type != "llama3") {
    throw Error("unsupported RoPE scaling type '" + scaling.type +
                "' (supported: none, linear, llama3)");
  }
  for (int64_t i = 0; i < half; ++i) {
    // f32 exponent and power as torch computes arange(0, dim, 2).float() / dim.
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(n_rot);
    // As torch: base ** exponent rounded to f32, then the reciprocal in f32 (two roundings;
    // one ulp here moves the angle at position 2,000 by ~1e-4 rad).
    const float power = static_cast<float>(std::pow(base, static_cast<double>(exponent)));
    const float inv = 1.0f / power;
    double f = inv;
    if (has_factors) {
      f = inv / static_cast<double>(freq_factors[static_cast<size_t>(i)]);
    } else if (scaling.type == "linear") {
      f = inv / scaling.factor;
    } else if (scaling.type == "llama3") {
      const double orig = static_cast<double>(scaling.original_context);
      const double low_wl = orig / scaling.low_freq_factor;
      const double high_wl = orig / scaling.high_freq_factor;
      const double wavelen = 2.0 * std::numbers::pi / inv;
      if (wavelen > low_wl) {
        f = inv / scaling.factor;
      } else if (wavelen >= high_wl) {
        const double s = (orig / wavelen - scaling.low_freq_factor) /
                         (scaling.high_freq_factor - scaling.low_freq_factor);
        f = (1.0 - s) * inv / scaling.factor + s * inv;
      }
    }
    rope.inv_freq[static_cast<size_t>(i)] = static_cast<float>(f);
  }
  return rope;
}

bool RopeTable::matches(const RopeParams& rope, std::span<const int64_t> pos) const {
  return inv_freq == rope.inv_freq &&
         std::equal(positions.begin(), positions.end(), pos.begin(), pos.end());
}

void make_rope_table(const RopeParams& rope, std::span<const int64_t> positions, RopeTable& table) {
  const int64_t half = rope.n_rot / 2;
  const int64_t n_tokens = static_cast<int64_t>(positions.size());
  table.inv_freq = rope.inv_freq;
  table.positions.assign(positions.begin(), positions.end());
  table.cos.resize(static_cast<size_t>(n_tokens * half));
  table.sin.resize(static_cast<size_t>(n_tokens * half));
#pragma omp parallel for if (n_tokens > 8)
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float pos = static_cast<float>(positions[static_cast<size_t>(t)]);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = pos * rope.inv_freq[static_cast<size_t>(i)];  // f32 product
      table.cos[static_cast<size_t>(t * half + i)] =
          static_cast<float>(std::cos(static_cast<double>(angle)));
      table.sin[static_cast<size_t>(t * half + i)] =
          static_cast<float>(std::sin(static_cast<double>(angle)));
    }
  }
}

void apply_rope(const RopeParams& rope, std::span<const int64_t> positions, int64_t n_heads,
                float* x) {
  RopeTable table;
  make_rope_table(rope, positions, table);
  apply_rope(rope, table, n_heads, x);
}

namespace {

// One head's vector v [head_dim] rotated by the token's cos/sin [n_rot / 2].
void rope_head(const RopeParams& rope, const float* cos_t, const float* sin_t, float* v) {
  const int64_t half = rope.n_rot / 2;
  for (int64_t i = 0; i < half; ++i) {
    const int64_t a = rope.style == RopeStyle::kHalf ? i : 2 * i;
    const int64_t b = rope.style == RopeStyle::kHalf ? i + half : 2 * i + 1;
    const float c = cos_t[i], s = sin_t[i];
    const float x0 = v[a], x1 = v[b];
    v[a] = x0 * c - x1 * s;
    v[b] = x0 * s + x1 * c;
  }
}

}  // namespace

void apply_rope(const RopeParams& rope, const RopeTable& table, int64_t n_heads, float* x) {
  const int64_t half = rope.n_rot / 2;
  const int64_t hd = rope.head_dim;
  const int64_t n_tokens = static_cast<int64_t>(table.positions.size());
  SLKV_CHECK(table.inv_freq.size() == rope.inv_freq.size(), "RoPE table made for other params");
#pragma omp parallel for if (n_tokens > 8)
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* cos_t = &table.cos[static_cast<size_t>(t * half)];
    const float* sin_t = &table.sin[static_cast<size_t>(t * half)];
    for (int64_t h = 0; h < n_heads; ++h) rope_head(rope, cos_t, sin_t, x + (t * n_heads + h) * hd);
  }
}

void norm_rope_qk(const RopeParams& rope, const RopeTable& table, const QkNorms& norms, float* q,
                  int64_t n_heads, float* k, int64_t n_kv_heads) {
  SLKV_CHECK(table.inv_freq.size() == rope.inv_freq.size(), "RoPE table made for other params");
#pragma omp parallel if (table.positions.size() > 8)
  norm_rope_qk_team(rope, table, norms, q, n_heads, k, n_kv_heads);
}

void norm_rope_qk_team(const RopeParams& rope, const RopeTable& table, const QkNorms& norms,
                       float* q, int64_t n_heads, float* k, int64_t n_kv_heads) {
  const int64_t half = rope.n_rot / 2;
  const int64_t hd = rope.head_dim;
  const int64_t n_tokens = static_cast<int64_t>(table.positions.size());
#pragma omp for nowait  // the last work of its region (TeamWork): the region joins
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* cos_t = &table.cos[static_cast<size_t>(t * half)];
    const float* sin_t = &table.sin[static_cast<size_t>(t * half)];
    for (int64_t h = 0; h < n_heads; ++h) {
      float* v = q + (t * n_heads + h) * hd;
      if (norms.q) rms_norm_row(v, norms.q, hd, norms.eps, v);
      rope_head(rope, cos_t, sin_t, v);
    }
    for (int64_t h = 0; h < n_kv_heads; ++h) {
      float* v = k + (t * n_kv_heads + h) * hd;
      if (norms.k) rms_norm_row(v, norms.k, hd, norms.eps, v);
      rope_head(rope, cos_t, sin_t, v);
    }
  }
}

}  // namespace slkv
