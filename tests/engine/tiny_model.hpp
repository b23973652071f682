#pragma once
// Tiny random models of every supported architecture, built in memory for unit tests, and an
// independent double-precision reference forward pass (plain loops, full T x T attention,
// HF-layout weights with rotate_half RoPE) to compare the engine against.

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "engine/weight_source.hpp"
#include "model/model_config.hpp"

namespace slkv::test {

struct TinyModel {
  ModelConfig config;
  MemoryWeights weights;     // what the engine reads (GGUF layout: permuted Q/K if interleaved)
  MemoryWeights hf_weights;  // HF layout, for the reference
};

// Variants: llama, llama_gguf (permuted Q/K + interleaved RoPE), llama3 (llama3 rope scaling),
// mistral (sliding window on every layer), qwen2, gemma3.
inline std::unique_ptr<TinyModel> make_tiny_model(const std::string& variant, uint32_t seed) {
  auto m = std::make_unique<TinyModel>();
  ModelConfig& c = m->config;
  c.arch = variant == "qwen2" ? "qwen2" : variant == "gemma3" ? "gemma3" : "llama";
  c.source_format = "memory";
  c.n_layers = 3;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 16;
  c.hidden = 32;
  c.ffn_hidden = 48;
  c.vocab_size = 50;
  c.context_length = 4096;
  c.n_rot = 16;
  c.norm_eps = 1e-5;
  c.rope_base = 10000.0;
  c.rope_base_local = 10000.0;
  c.layer_sliding.assign(3, false);
  if (variant == "llama_gguf") c.rope_style = RopeStyle::kInterleaved;
  if (variant == "llama3") {
    c.rope_base = 500000.0;
    c.rope_scaling.type = "llama3";
    c.rope_scaling.factor = 8.0;
    c.rope_scaling.low_freq_factor = 1.0;
    c.rope_scaling.high_freq_factor = 4.0;
    c.rope_scaling.original_context = 64;
  }
  if (variant == "mistral") {
    c.sliding_window = 6;
    c.layer_sliding.assign(3, true);
  }
  if (variant == "qwen2") {
    c.qkv_bias = true;
    c.rope_base = 1000000.0;
  }
  if (variant == "gemma3") {
    c.activation = "gelu_tanh";
    c.qk_norm = true;
    c.post_norms = true;
    c.tied_embeddings = true;
    c.embedding_scale = std::sqrt(32.0);
    c.norm_weight_offset = 1.0;
    c.norm_eps = 1e-6;
    c.attn_scale = 1.0 / std::sqrt(12.0);  // query_pre_attn_scalar = 12 != head_dim
    c.rope_base = 1000000.0;
    c.rope_base_local = 10000.0;
    c.rope_scaling.type = "linear";
    c.rope_scaling.factor = 4.0;
    c.sliding_window = 5;
    c.layer_sliding = {true, false, true};
  }

  const int64_t hd = c.head_dim, q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  for (MemoryWeights* target : {&m->hf_weights, &m->weights}) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto fill = [&](const std::string& name, std::vector<int64_t> shape, float scale,
                    float offset = 0.0f) {
      auto& v = target->add(name, std::move(shape));
      for (float& x : v) x = offset + scale * normal(rng);
    };
    const float norm_base = c.norm_weight_offset != 0.0 ? 0.0f : 1.0f;
    fill("token_embd.weight", {c.vocab_size, c.hidden}, variant == "gemma3" ? 0.2f : 1.0f);
    if (!c.tied_embeddings) fill("output.weight", {c.vocab_size, c.hidden}, 0.3f);
    fill("output_norm.weight", {c.hidden}, 0.1f, norm_base);
    for (int64_t il = 0; il < c.n_layers; ++il) {
      const std::string p = "blk." + std::to_string(il) + ".";
      fill(p + "attn_norm.weight", {c.hidden}, 0.1f, norm_base);
      fill(p + "ffn_norm.weight", {c.hidden}, 0.1f, norm_base);
      fill(p + "attn_q.weight", {q_dim, c.hidden}, 0.4f);
      fill(p + "attn_k.weight", {kv_dim, c.hidden}, 0.4f);
      fill(p + "attn_v.weight", {kv_dim, c.hidden}, 0.3f);
      fill(p + "attn_output.weight", {c.hidden, q_dim}, 0.2f);
      fill(p + "ffn_gate.weight", {c.ffn_hidden, c.hidden}, 0.3f);
      fill(p + "ffn_up.weight", {c.ffn_hidden, c.hidden}, 0.3f);
      fill(p + "ffn_down.weight", {c.hidden, c.ffn_hidden}, 0.2f);
      if (c.qkv_bias) {
        fill(p + "attn_q.bias", {q_dim}, 0.5f);
        fill(p + "attn_k.bias", {kv_dim}, 0.5f);
        fill(p + "attn_v.bias", {kv_dim}, 0.5f);
      }
      if (c.qk_norm) {
        fill(p + "attn_q_norm.weight", {hd}, 0.3f, norm_base);
        fill(p + "attn_k_norm.weight", {hd}, 0.3f, norm_base);
      }
      if (c.post_norms) {
        fill(p + "post_attention_norm.weight", {c.hidden}, 0.2f, norm_base);
        fill(p + "post_ffw_norm.weight", {c.hidden}, 0.2f, norm_base);
      }
    }
  }
  if (c.rope_style == RopeStyle::kInterleaved) {
    // GGUF converter permutation (FORMATS.md 3.3): GGUF row 2j = HF row j, 2j+1 = HF row j+hd/2.
    for (int64_t il = 0; il < c.n_layers; ++il) {
      for (const char* which : {"attn_q.weight", "attn_k.weight"}) {
        const std::string name = "blk." + std::to_string(il) + "." + which;
        const auto& src = m->hf_weights.data(name);
        auto& dst = m->weights.data(name);
        const int64_t n_rows = static_cast<int64_t>(src.size()) / c.hidden;
        for (int64_t r = 0; r < n_rows; ++r) {
          const int64_t head = r / hd, i = r % hd;
          const int64_t hf_row = head * hd + (i % 2 == 0 ? i / 2 : i / 2 + hd / 2);
          std::copy_n(&src[static_cast<size_t>(hf_row * c.hidden)], c.hidden,
                      &dst[static_cast<size_t>(r * c.hidden)]);
        }
      }
    }
  }
  return m;
}

// false hides key kpos from query qpos of kv head `kv_head` (on top of causality and window).
using KeyFilter = std::function<bool(int64_t layer, int64_t kv_head, int64_t qpos, int64_t kpos)>;

struct ReferenceOutput {
  std::vector<double> logits;  // [T, vocab]
  std::vector<double> probs;   // [n_layers, n_heads, T, T]
};

// Full-sequence reference forward in double precision on HF-layout weights.
// head_mask: [n_layers, n_heads] (nonzero zeroes the head) or empty. query_head_filter: like
// filter, but called with the query head instead of its KV head.
inline ReferenceOutput reference_forward(const TinyModel& m, const std::vector<int32_t>& tokens,
                                         const KeyFilter& filter = nullptr,
                                         const std::vector<uint8_t>& head_mask = {},
                                         const KeyFilter& query_head_filter = nullptr) {
  const ModelConfig& c = m.config;
  auto W = [&](const std::string& name) { return m.hf_weights.find(name)->data; };
  auto Wf = [&](const std::string& name) {
    return reinterpret_cast<const float*>(m.hf_weights.find(name)->data);
  };
  const int64_t T = static_cast<int64_t>(tokens.size());
  const int64_t H = c.hidden, hd = c.head_dim, nh = c.n_heads, nkv = c.n_kv_heads;
  const double off = c.norm_weight_offset;
  (void)W;
  using Vec = std::vector<double>;
  auto matvec = [&](const float* w, const Vec& x, int64_t out, int64_t in) {
    Vec y(static_cast<size_t>(out), 0.0);
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i) y[o] += double(w[o * in + i]) * x[i];
    return y;
  };
  auto rmsnorm = [&](const Vec& x, const float* w, int64_t begin, int64_t dim) {
    Vec y(x);
    double ss = 0;
    for (int64_t i = 0; i < dim; ++i) ss += x[begin + i] * x[begin + i];
    const double inv = 1.0 / std::sqrt(ss / dim + c.norm_eps);
    for (int64_t i = 0; i < dim; ++i) y[begin + i] = x[begin + i] * inv * (w[i] + off);
    return y;
  };
  auto inv_freq = [&](bool local, int64_t i) {
    const double base = local ? c.rope_base_local : c.rope_base;
    double f = 1.0 / std::pow(base, 2.0 * i / c.n_rot);
    if (local) return f;
    const RopeScaling& s = c.rope_scaling;
    if (s.type == "linear") f /= s.factor;
    if (s.type == "llama3") {
      const double wl = 2 * std::numbers::pi / f, lo = s.original_context / s.low_freq_factor,
                   hi = s.original_context / s.high_freq_factor;
      if (wl > lo) {
        f /= s.factor;
      } else if (wl >= hi) {
        const double sm = (s.original_context / wl - s.low_freq_factor) /
                          (s.high_freq_factor - s.low_freq_factor);
        f = (1 - sm) * f / s.factor + sm * f;
      }
    }
    return f;
  };
  auto rope = [&](Vec& v, int64_t pos, bool local) {  // rotate_half on one head
    const int64_t half = c.n_rot / 2;
    for (int64_t i = 0; i < half; ++i) {
      const double a = pos * inv_freq(local, i), x0 = v[i], x1 = v[i + half];
      v[i] = x0 * std::cos(a) - x1 * std::sin(a);
      v[i + half] = x1 * std::cos(a) + x0 * std::sin(a);
    }
  };
  const double scale = c.attn_scale > 0 ? c.attn_scale : 1.0 / std::sqrt(double(hd));
  ReferenceOutput out;
  out.probs.assign(static_cast<size_t>(c.n_layers * nh * T * T), 0.0);
  std::vector<Vec> x(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) {
    x[t].resize(H);
    for (int64_t i = 0; i < H; ++i)
      x[t][i] = double(Wf("token_embd.weight")[tokens[t] * H + i]) * c.embedding_scale;
  }
  for (int64_t il = 0; il < c.n_layers; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    const bool sliding = c.layer_sliding[il] && c.sliding_window > 0;
    const bool local = c.arch == "gemma3" && sliding;
    std::vector<Vec> q(T), k(T), v(T);
    for (int64_t t = 0; t < T; ++t) {
      const Vec a = rmsnorm(x[t], Wf(p + "attn_norm.weight"), 0, H);
      q[t] = matvec(Wf(p + "attn_q.weight"), a, nh * hd, H);
      k[t] = matvec(Wf(p + "attn_k.weight"), a, nkv * hd, H);
      v[t] = matvec(Wf(p + "attn_v.weight"), a, nkv * hd, H);
      if (c.qkv_bias) {
        for (int64_t i = 0; i < nh * hd; ++i) q[t][i] += Wf(p + "attn_q.bias")[i];
        for (int64_t i = 0; i < nkv * hd; ++i) k[t][i] += Wf(p + "attn_k.bias")[i];
        for (int64_t i = 0; i < nkv * hd; ++i) v[t][i] += Wf(p + "attn_v.bias")[i];
      }
      for (int64_t h = 0; h < nh + nkv; ++h) {
        Vec& src = h < nh ? q[t] : k[t];
        const int64_t hh = h < nh ? h : h - nh;
        if (c.qk_norm) {
          src = rmsnorm(src, Wf(p + (h < nh ? "attn_q_norm.weight" : "attn_k_norm.weight")),
                        hh * hd, hd);
        }
        Vec head(src.begin() + hh * hd, src.begin() + (hh + 1) * hd);
        rope(head, t, local);
        std::copy(head.begin(), head.end(), src.begin() + hh * hd);
      }
    }
    for (int64_t t = 0; t < T; ++t) {
      Vec att(nh * hd, 0.0);
      for (int64_t h = 0; h < nh; ++h) {
        const int64_t g = h / (nh / nkv);
        Vec s(T, -INFINITY);
        double mx = -INFINITY;
        for (int64_t j = 0; j <= t; ++j) {
          if (sliding && t - j >= c.sliding_window) continue;
          if (filter && !filter(il, g, t, j)) continue;
          if (query_head_filter && !query_head_filter(il, h, t, j)) continue;
          double d = 0;
          for (int64_t i = 0; i < hd; ++i) d += q[t][h * hd + i] * k[j][g * hd + i];
          s[j] = d * scale;
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < T; ++j) sum += s[j] == -INFINITY ? 0 : std::exp(s[j] - mx);
        const bool masked = !head_mask.empty() && head_mask[il * nh + h];
        for (int64_t j = 0; j < T; ++j) {
          const double pj = s[j] == -INFINITY ? 0 : std::exp(s[j] - mx) / sum;
          out.probs[((il * nh + h) * T + t) * T + j] = pj;
          if (masked) continue;
          for (int64_t i = 0; i < hd; ++i) att[h * hd + i] += pj * v[j][g * hd + i];
        }
      }
      Vec o = matvec(Wf(p + "attn_output.weight"), att, H, nh * hd);
      if (c.post_norms) o = rmsnorm(o, Wf(p + "post_attention_norm.weight"), 0, H);
      for (int64_t i = 0; i < H; ++i) x[t][i] += o[i];
      const Vec mi = rmsnorm(x[t], Wf(p + "ffn_norm.weight"), 0, H);
      Vec g = matvec(Wf(p + "ffn_gate.weight"), mi, c.ffn_hidden, H);
      const Vec u = matvec(Wf(p + "ffn_up.weight"), mi, c.ffn_hidden, H);
      for (int64_t i = 0; i < c.ffn_hidden; ++i) {
        const double z = g[i];
        const double act =
            c.activation == "silu"
                ? z / (1 + std::exp(-z))
                : 0.5 * z *
                      (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (z + 0.044715 * z * z * z)));
        g[i] = act * u[i];
      }
      Vec f = matvec(Wf(p + "ffn_down.weight"), g, H, c.ffn_hidden);
      if (c.post_norms) f = rmsnorm(f, Wf(p + "post_ffw_norm.weight"), 0, H);
      for (int64_t i = 0; i < H; ++i) x[t][i] += f[i];
    }
  }
  const float* head = c.tied_embeddings ? Wf("token_embd.weight") : Wf("output.weight");
  for (int64_t t = 0; t < T; ++t) {
    const Vec n = rmsnorm(x[t], Wf("output_norm.weight"), 0, H);
    const Vec l = matvec(head, n, c.vocab_size, H);
    out.logits.insert(out.logits.end(), l.begin(), l.end());
  }
  return out;
}

}  // namespace slkv::test
