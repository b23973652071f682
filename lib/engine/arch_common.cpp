#include <cmath>
#include <string>

#include "core/error.hpp"
#include "engine/arch.hpp"
#include "engine/ops.hpp"

namespace slkv {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

const TensorInfo* require_matrix(const WeightSource& source, const std::string& name, int64_t rows,
                                 int64_t cols) {
  const TensorInfo& t = source.require(name);
  if (t.shape != std::vector<int64_t>{rows, cols}) {
    throw_file_error(source.description(), "tensor '" + name + "' has shape " +
                                               shape_string(t.shape) + ", expected " +
                                               shape_string({rows, cols}));
  }
  return &t;
}

std::vector<float> norm_weight(const WeightSource& source, const std::string& name, int64_t dim,
                               double offset) {
  std::vector<float> w = read_vector(source.require(name), dim);
  if (offset != 0.0) {
    for (float& x : w) x = static_cast<float>(x + static_cast<float>(offset));
  }
  return w;
}

}  // namespace

ModelWeights bind_decoder(const ModelConfig& c, const WeightSource& source,
                          const BlockParts& parts) {
  ModelWeights mw;
  const int64_t q_dim = c.n_heads * c.head_dim;
  const int64_t kv_dim = c.n_kv_heads * c.head_dim;
  mw.token_embd = require_matrix(source, "token_embd.weight", c.vocab_size, c.hidden);
  mw.output = source.find("output.weight")
                  ? require_matrix(source, "output.weight", c.vocab_size, c.hidden)
                  : mw.token_embd;
  mw.output_norm = norm_weight(source, "output_norm.weight", c.hidden, c.norm_weight_offset);
  mw.embedding_scale = static_cast<float>(c.embedding_scale);
  mw.attn_scale = c.attn_scale > 0.0 ? static_cast<float>(c.attn_scale)
                                     : static_cast<float>(1.0 / std::sqrt(double(c.head_dim)));
  if (c.activation == "silu") {
    mw.activation = Activation::kSilu;
  } else if (c.activation == "gelu_tanh") {
    mw.activation = Activation::kGeluTanh;
  } else {
    throw_file_error(source.description(), "unsupported activation '" + c.activation + "'");
  }
  mw.layers.resize(static_cast<size_t>(c.n_layers));
  for (int64_t il = 0; il < c.n_layers; ++il) {
    LayerWeights& lw = mw.layers[static_cast<size_t>(il)];
    const std::string p = "blk." + std::to_string(il) + ".";
    const double off = c.norm_weight_offset;
    lw.wq = require_matrix(source, p + "attn_q.weight", q_dim, c.hidden);
    lw.wk = require_matrix(source, p + "attn_k.weight", kv_dim, c.hidden);
    lw.wv = require_matrix(source, p + "attn_v.weight", kv_dim, c.hidden);
    lw.wo = require_matrix(source, p + "attn_output.weight", c.hidden, q_dim);
    lw.w_gate = require_matrix(source, p + "ffn_gate.weight", c.ffn_hidden, c.hidden);
    lw.w_up = require_matrix(source, p + "ffn_up.weight", c.ffn_hidden, c.hidden);
    lw.w_down = require_matrix(source, p + "ffn_down.weight", c.hidden, c.ffn_hidden);
    lw.attn_norm = norm_weight(source, p + "attn_norm.weight", c.hidden, off);
    lw.ffn_norm = norm_weight(source, p + "ffn_norm.weight", c.hidden, off);
    if (parts.post_norms) {
      lw.post_attn_norm = norm_weight(source, p + "post_attention_norm.weight", c.hidden, off);
      lw.post_ffn_norm = norm_weight(source, p + "post_ffw_norm.weight", c.hidden, off);
    }
    if (parts.qk_norm) {
      lw.q_norm = norm_weight(source, p + "attn_q_norm.weight", c.head_dim, off);
      lw.k_norm = norm_weight(source, p + "attn_k_norm.weight", c.head_dim, off);
    }
    if (parts.qkv_bias) {
      lw.q_bias = read_vector(source.require(p + "attn_q.bias"), q_dim);
      lw.k_bias = read_vector(source.require(p + "attn_k.bias"), kv_dim);
      lw.v_bias = read_vector(source.require(p + "attn_v.bias"), kv_dim);
    }
  }
  return mw;
}

}  // namespace slkv
