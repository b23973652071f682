#include "engine/model.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "engine/attention.hpp"
#include "model/quant.hpp"

namespace slkv {
namespace {

// A norm weight or bias the architecture may lack (empty): null then.
const float* optional(const std::vector<float>& weight) {
  return weight.empty() ? nullptr : weight.data();
}

}  // namespace

Model::Model(ModelConfig config, const WeightSource& source) : config_(std::move(config)) {
  use_single_threaded_blas();
  validate_model_config(config_, source.description());
  const ArchSpec* spec = find_arch(config_.arch);
  if (!spec) {
    std::string known;
    for (std::string_view n : arch_names()) known += (known.empty() ? "" : ", ") + std::string(n);
    throw_file_error(source.description(),
                     "architecture '" + config_.arch + "' is not supported (known: " + known + ")");
  }
  weights_ = spec->bind(config_, source);
}

int64_t Model::pack_prefill_weights() {
  if (packed_.empty()) {
    std::vector<PackedLayer> packed(weights_.layers.size());
    for (size_t il = 0; il < packed.size(); ++il) {
      const LayerWeights& lw = weights_.layers[il];
      PackedLayer& pl = packed[il];
      pl.wq = std::make_unique<PackedLinear>(*lw.wq);
      pl.wk = std::make_unique<PackedLinear>(*lw.wk);
      pl.wv = std::make_unique<PackedLinear>(*lw.wv);
      pl.wo = std::make_unique<PackedLinear>(*lw.wo);
      pl.w_gate = std::make_unique<PackedLinear>(*lw.w_gate);
      pl.w_up = std::make_unique<PackedLinear>(*lw.w_up);
      pl.w_down = std::make_unique<PackedLinear>(*lw.w_down);
    }
    packed_ = std::move(packed);  // only once every layer packed: a throw leaves none
  }
  int64_t bytes = 0;
  for (const PackedLayer& pl : packed_) {
    for (const auto* p : {&pl.wq, &pl.wk, &pl.wv, &pl.wo, &pl.w_gate, &pl.w_up, &pl.w_down}) {
      bytes += (*p)->bytes();
    }
  }
  return bytes;
}

Session::Session(const Model& model, int64_t max_batch)
    : model_(model),
      max_batch_(std::max<int64_t>(1, max_batch)),
      cache_(model.config().n_layers, model.config().n_kv_heads, model.config().head_dim) {}

void Session::set_head_mask(std::vector<uint8_t> mask) {
  const ModelConfig& c = model_.config();
  SLKV_CHECK(mask.empty() || static_cast<int64_t>(mask.size()) == c.n_layers * c.n_heads,
             "head mask must be [n_layers, n_heads]");
  head_mask_ = std::move(mask);
}

void Session::set_cache(KvCache cache, int64_t n_past) {
  const ModelConfig& c = model_.config();
  SLKV_CHECK(cache.n_layers() == c.n_layers && cache.n_kv_heads() == c.n_kv_heads &&
                 cache.head_dim() == c.head_dim && n_past >= 0,
             "Session::set_cache: the cache's shape is not the model's");
  cache_ = std::move(cache);
  n_past_ = n_past;
}

void Session::set_kv_type(KvType type) {
  SLKV_CHECK(n_past_ == 0, "Session::set_kv_type: the cache already holds tokens");
  const ModelConfig& c = model_.config();
  cache_ = KvCache(c.n_layers, c.n_kv_heads, c.head_dim, type);
}

void Session::reset() {
  cache_.clear();
  n_past_ = 0;
}

void Session::forward(std::span<const int32_t> tokens, LogitsRows rows, const LogitsSink& sink) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  std::vector<int64_t> indices;  // [n_logit_rows]
  if (rows == LogitsRows::kLast && n > 0) indices.push_back(n - 1);
  if (rows == LogitsRows::kAll) {
    for (int64_t t = 0; t < n; ++t) indices.push_back(t);
  }
  forward(tokens, indices, sink);
}

void Session::forward(std::span<const int32_t> tokens, std::span<const int64_t> logit_indices,
                      const LogitsSink& sink) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  for (size_t i = 0; i < logit_indices.size(); ++i) {
    SLKV_CHECK(logit_indices[i] >= 0 && logit_indices[i] < n &&
                   (i == 0 || logit_indices[i] > logit_indices[i - 1]),
               "logit indices must be ascending and inside the batch");
  }
  cache_.reserve_more(n);
  size_t next = 0;
  for (int64_t b0 = 0; b0 < n; b0 += max_batch_) {
    const int64_t nb = std::min(max_batch_, n - b0);
    std::vector<int64_t> local;  // indices within this batch
    while (next < logit_indices.size() && logit_indices[next] < b0 + nb) {
      local.push_back(logit_indices[next++] - b0);
    }
    run_batch(tokens.subspan(static_cast<size_t>(b0), static_cast<size_t>(nb)), local,
              [&](int64_t i, std::span<const float> logits) { sink(b0 + i, logits); });
  }
}

std::vector<float> Session::forward_last(std::span<const int32_t> tokens) {
  std::vector<float> out;
  forward(tokens, LogitsRows::kLast,
          [&](int64_t, std::span<const float> l) { out.assign(l.begin(), l.end()); });
  return out;
}

std::vector<float> Session::forward_all(std::span<const int32_t> tokens) {
  const int64_t vocab = model_.config().vocab_size;
  std::vector<float> out(tokens.size() * static_cast<size_t>(vocab));
  forward(tokens, LogitsRows::kAll, [&](int64_t i, std::span<const float> l) {
    std::copy(l.begin(), l.end(), out.begin() + i * vocab);
  });
  return out;
}

void Session::run_batch(std::span<const int32_t> tokens, std::span<const int64_t> logit_rows,
                        const LogitsSink& sink) {
  const ModelConfig& c = model_.config();
  const ModelWeights& w = model_.weights();
  const int64_t n = static_cast<int64_t>(tokens.size());
  std::vector<int64_t> positions(static_cast<size_t>(n));  // [n]
  for (int64_t t = 0; t < n; ++t) positions[static_cast<size_t>(t)] = n_past_ + t;

  x_.resize(static_cast<size_t>(n * c.hidden));
  for (int64_t t = 0; t < n; ++t) {
    const int32_t id = tokens[static_cast<size_t>(t)];
    if (id < 0 || id >= c.vocab_size) {
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                  std::to_string(c.vocab_size) + ")");
    }
    float* xt = &x_[static_cast<size_t>(t * c.hidden)];
    dequantize_rows(*w.token_embd, id, id + 1, xt);
    if (w.embedding_scale != 1.0f) {
      for (int64_t i = 0; i < c.hidden; ++i) xt[i] *= w.embedding_scale;
    }
  }
  // Each block reads its input norm from xn_ and ends by adding its output to x_ and norming
  // x_ for the next block, in one pass (add_rms_norm).
  xn_.resize(static_cast<size_t>(n * c.hidden));
  rms_norm(x_.data(), w.layers[0].attn_norm.data(), n, c.hidden, c.norm_eps, xn_.data());
  for (int64_t il = 0; il < c.n_layers; ++il) {
    attention_block(il, positions, n);
    mlp_block(il, n);
  }
  n_past_ += n;

  if (!logit_rows.empty()) emit_logits(logit_rows, sink);
}

const RopeTable& Session::rope_table(const RopeParams& rope, std::span<const int64_t> positions) {
  for (const RopeTable& t : rope_tables_) {
    if (t.matches(rope, positions)) return t;
  }
  // A new batch or new frequencies: at most 4 tables are kept, the oldest replaced.
  if (rope_tables_.size() >= 4) rope_tables_.erase(rope_tables_.begin());
  rope_tables_.emplace_back();
  make_rope_table(rope, positions, rope_tables_.back());
  return rope_tables_.back();
}

void Session::attention_block(int64_t il, std::span<const int64_t> positions, int64_t n) {
  const ModelConfig& c = model_.config();
  const ModelWeights& w = model_.weights();
  const LayerWeights& lw = w.layers[static_cast<size_t>(il)];
  const int64_t hd = c.head_dim;
  const int64_t q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  q_.resize(static_cast<size_t>(n * q_dim));
  k_.resize(static_cast<size_t>(n * kv_dim));
  v_.resize(static_cast<size_t>(n * kv_dim));
  attn_.resize(static_cast<size_t>(n * q_dim));
  row_max_.resize(static_cast<size_t>(n * c.n_heads));
  row_sum_.resize(static_cast<size_t>(n * c.n_heads));

  const PackedLayer* pl = model_.packed_layer(il);
  const LinearCall qkv[] = {{lw.wq, q_.data(), optional(lw.q_bias), pl ? pl->wq.get() : nullptr},
                            {lw.wk, k_.data(), optional(lw.k_bias), pl ? pl->wk.get() : nullptr},
                            {lw.wv, v_.data(), optional(lw.v_bias), pl ? pl->wv.get() : nullptr}};
  // The q/k norms and RoPE run inside the products' OpenMP region (TeamWork, engine/ops.hpp).
  const RopeTable& rope = rope_table(lw.rope, positions);
  const QkNorms qk_norms{optional(lw.q_norm), optional(lw.k_norm), c.norm_eps};
  const TeamWork norm_rope = [&] {
    norm_rope_qk_team(lw.rope, rope, qk_norms, q_.data(), c.n_heads, k_.data(), c.n_kv_heads);
  };
  linear_many(qkv, xn_.data(), n, scratch_, &norm_rope);
  cache_.append(il, positions, k_.data(), v_.data());

  const AttentionParams params{c.n_heads, c.n_kv_heads, hd, w.attn_scale, lw.window};
  attention_forward(params, cache_, il, positions, q_.data(), attn_.data(), row_max_.data(),
                    row_sum_.data());
  if (observer_) {
    const std::vector<int64_t> rows = observer_->select_rows(il, positions);
    if (!rows.empty()) {
      for (size_t r = 0; r < rows.size(); ++r) {
        SLKV_CHECK(rows[r] >= 0 && rows[r] < n && (r == 0 || rows[r] > rows[r - 1]),
                   "observer selected an invalid row");
      }
      AttentionRows out;
      out.layer = il;
      out.n_heads = c.n_heads;
      out.n_kv_heads = cache_.n_streams(il);
      std::vector<int64_t> qpos;  // [n_rows]
      for (int64_t r : rows) qpos.push_back(positions[static_cast<size_t>(r)]);
      out.query_positions = qpos;
      for (int64_t g = 0; g < out.n_kv_heads; ++g) {
        const KvStream st = cache_.stream(il, g);
        out.key_positions.emplace_back(st.positions, static_cast<size_t>(st.length));
        out.max_keys = std::max(out.max_keys, st.length);
      }
      probs_.resize(static_cast<size_t>(c.n_heads) * rows.size() *
                    static_cast<size_t>(out.max_keys));
      attention_rows(params, cache_, il, positions, q_.data(), row_max_.data(), row_sum_.data(),
                     rows, out.max_keys, probs_.data());
      out.probs = probs_;
      observer_->on_attention(out);
    }
  }
  if (!head_mask_.empty()) {
    for (int64_t h = 0; h < c.n_heads; ++h) {
      if (!head_mask_[static_cast<size_t>(il * c.n_heads + h)]) continue;
      for (int64_t t = 0; t < n; ++t) {
        std::fill_n(&attn_[static_cast<size_t>((t * c.n_heads + h) * hd)], hd, 0.0f);
      }
    }
  }
  // x += post_attn_norm(o) (Gemma 3) or x += o; then xn_ = ffn_norm(x), the MLP's input.
  const TeamWork residual = [&] {
    add_rms_norm_team(x_.data(), xn_.data(), optional(lw.post_attn_norm), lw.ffn_norm.data(), n,
                      c.hidden, c.norm_eps);
  };
  linear(*lw.wo, attn_.data(), n, xn_.data(), nullptr, scratch_, pl ? pl->wo.get() : nullptr,
         &residual);
}

void Session::mlp_block(int64_t il, int64_t n) {
  const ModelConfig& c = model_.config();
  const ModelWeights& w = model_.weights();
  const LayerWeights& lw = w.layers[static_cast<size_t>(il)];
  gate_.resize(static_cast<size_t>(n * c.ffn_hidden));
  up_.resize(static_cast<size_t>(n * c.ffn_hidden));
  const PackedLayer* pl = model_.packed_layer(il);
  const LinearCall gate_up[] = {{lw.w_gate, gate_.data(), nullptr, pl ? pl->w_gate.get() : nullptr},
                                {lw.w_up, up_.data(), nullptr, pl ? pl->w_up.get() : nullptr}};
  const TeamWork activation = [&] {
    if (w.activation == Activation::kSilu) {
      silu_mul_team(gate_.data(), up_.data(), n * c.ffn_hidden);
    } else {
      gelu_tanh_mul_team(gate_.data(), up_.data(), n * c.ffn_hidden);
    }
  };
  linear_many(gate_up, xn_.data(), n, scratch_, &activation);
  // x += post_ffn_norm(down) or x += down; then xn_ = the next layer's attn_norm(x).
  const bool last = il + 1 == c.n_layers;
  const TeamWork residual = [&] {
    add_rms_norm_team(x_.data(), xn_.data(), optional(lw.post_ffn_norm),
                      last ? nullptr : w.layers[static_cast<size_t>(il) + 1].attn_norm.data(), n,
                      c.hidden, c.norm_eps);
  };
  linear(*lw.w_down, gate_.data(), n, xn_.data(), nullptr, scratch_,
         pl ? pl->w_down.get() : nullptr, &residual);
}

void Session::emit_logits(std::span<const int64_t> rows, const LogitsSink& sink) {
  const ModelConfig& c = model_.config();
  const ModelWeights& w = model_.weights();
  const int64_t vocab = c.vocab_size;
  // Bound the logits buffer to ~64M floats; the LM head is dequantized once per chunk.
  const int64_t chunk = std::clamp<int64_t>((int64_t{64} << 20) / vocab, 1, 1 << 16);
  std::vector<float> normed;  // [rows, hidden]
  for (size_t r0 = 0; r0 < rows.size(); r0 += static_cast<size_t>(chunk)) {
    const int64_t nr = std::min<int64_t>(chunk, static_cast<int64_t>(rows.size() - r0));
    normed.resize(static_cast<size_t>(nr * c.hidden));
    for (int64_t r = 0; r < nr; ++r) {
      std::copy_n(&x_[static_cast<size_t>(rows[r0 + r] * c.hidden)], c.hidden,
                  &normed[static_cast<size_t>(r * c.hidden)]);
    }
    rms_norm(normed.data(), w.output_norm.data(), nr, c.hidden, c.norm_eps, normed.data());
    logits_.resize(static_cast<size_t>(nr * vocab));
    linear(*w.output, normed.data(), nr, logits_.data(), nullptr, scratch_);
    for (int64_t r = 0; r < nr; ++r) {
      sink(rows[r0 + r], std::span<const float>(&logits_[static_cast<size_t>(r * vocab)],
                                                static_cast<size_t>(vocab)));
    }
  }
}

}  // namespace slkv
