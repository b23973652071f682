#pragma once
// The engine's forward pass. A Model binds a ModelConfig and a WeightSource through the
// architecture registry (weights stay in their stored type); a Session owns one sequence's KV
// cache and scratch, runs batches of tokens through every layer (prompts in chunks of
// max_batch tokens) and reports attention rows to an optional observer.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "engine/arch.hpp"
#include "engine/attention_tap.hpp"
#include "engine/kv_cache.hpp"
#include "engine/ops.hpp"
#include "engine/packed_linear.hpp"
#include "engine/rope.hpp"
#include "engine/weight_source.hpp"
#include "model/model_config.hpp"

namespace slkv {

// One layer's projection weights packed for prompt batches (engine/packed_linear.hpp).
struct PackedLayer {
  std::unique_ptr<PackedLinear> wq, wk, wv, wo, w_gate, w_up, w_down;
};

class Model {
 public:
  // `source` must outlive the Model. Throws slkv::Error for an unknown architecture, a missing
  // tensor or a shape that disagrees with the config.
  Model(ModelConfig config, const WeightSource& source);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }

  // Packs every layer's seven projection weights for prompt batches: dequantized once to f32
  // in oneDNN's blocked layout, so Sessions' many-row products skip the per-call dequantize
  // and pack (docs/benchmarks.md measures the prefill gain). Costs 4 bytes per packed weight
  // element, resident; the LM head is not packed. Decode (few rows) is unchanged. Returns the
  // bytes packed; idempotent. Throws slkv::Error when slkv was built without oneDNN. Call it
  // before any Session runs: it is not safe against a concurrent forward.
  int64_t pack_prefill_weights();
  // nullptr unless pack_prefill_weights() ran.
  const PackedLayer* packed_layer(int64_t layer) const {
    return packed_.empty() ? nullptr : &packed_[static_cast<size_t>(layer)];
  }

 private:
  ModelConfig config_;
  ModelWeights weights_;
  std::vector<PackedLayer> packed_;  // [n_layers] or empty
};

enum class LogitsRows { kNone, kLast, kAll };

// Receives the logits of one token of the batch: token_index within the batch, logits [vocab].
using LogitsSink = std::function<void(int64_t token_index, std::span<const float> logits)>;

class Session {
 public:
  static constexpr int64_t kDefaultMaxBatch = 512;
  explicit Session(const Model& model, int64_t max_batch = kDefaultMaxBatch);

  // Runs `tokens` at positions n_past(), n_past()+1, ... and appends them to the cache.
  void forward(std::span<const int32_t> tokens, LogitsRows rows, const LogitsSink& sink);
  // Same, producing logits only for the batch indices `logit_indices` (ascending, < n).
  void forward(std::span<const int32_t> tokens, std::span<const int64_t> logit_indices,
               const LogitsSink& sink);
  // Convenience forms: the last token's logits [vocab]; every token's logits [n, vocab].
  std::vector<float> forward_last(std::span<const int32_t> tokens);
  std::vector<float> forward_all(std::span<const int32_t> tokens);

  // nullptr detaches. The observer must outlive its attachment.
  void set_observer(AttentionObserver* observer) { observer_ = observer; }
  // [n_layers, n_heads]; nonzero zeroes that query head's attention output. Empty clears.
  void set_head_mask(std::vector<uint8_t> mask);

  // Installs `cache` (e.g. one a budget plan compressed) as this sequence's cache; the next
  // token gets position n_past. The cache's shape must be the model's.
  void set_cache(KvCache cache, int64_t n_past);
  // kExact (default): every product in f32, the reference. kInt8: single-token and other
  // few-row products use 8-bit activations (engine/matvec_int8.hpp, its error bound).
  void set_matvec_precision(MatvecPrecision p) { scratch_.precision = p; }
  MatvecPrecision matvec_precision() const { return scratch_.precision; }
  // The KV cache's element type: kF32 (default, the reference) or kF16/kBF16 (half the
  // memory; keys and values rounded to nearest even as they are stored). Only before the first
  // token (n_past() == 0); throws slkv::Error otherwise.
  void set_kv_type(KvType type);
  KvType kv_type() const { return cache_.type(); }

  KvCache& cache() { return cache_; }
  const KvCache& cache() const { return cache_; }
  int64_t n_past() const { return n_past_; }
  void reset();
  const Model& model() const { return model_; }

 private:
  // logit_rows: batch indices whose logits go to `sink`.
  void run_batch(std::span<const int32_t> tokens, std::span<const int64_t> logit_rows,
                 const LogitsSink& sink);
  void attention_block(int64_t layer, std::span<const int64_t> positions, int64_t n);
  void mlp_block(int64_t layer, int64_t n);
  void emit_logits(std::span<const int64_t> rows, const LogitsSink& sink);

  const Model& model_;
  int64_t max_batch_;
  KvCache cache_;
  int64_t n_past_ = 0;
  AttentionObserver* observer_ = nullptr;
  std::vector<uint8_t> head_mask_;  // [n_layers, n_heads] or empty
  LinearScratch scratch_;
  // Activations for one batch of up to max_batch tokens.
  std::vector<float> x_;                  // [n, hidden] residual stream
  std::vector<float> xn_;                 // [n, hidden] normed input / sublayer output
  std::vector<float> q_, k_, v_;          // [n, n_heads|n_kv_heads, head_dim]
  std::vector<float> attn_;               // [n, n_heads, head_dim]
  std::vector<float> row_max_, row_sum_;  // [n_heads, n]
  std::vector<float> gate_, up_;          // [n, ffn_hidden]
  std::vector<float> probs_;              // [n_heads, n_rows, max_keys] tap rows
  std::vector<float> logits_;             // [rows_per_chunk, vocab]
  // RoPE cos/sin of the current batch, one per distinct set of frequencies (Gemma 3 has two).
  std::vector<RopeTable> rope_tables_;
  const RopeTable& rope_table(const RopeParams& rope, std::span<const int64_t> positions);
};

}  // namespace slkv
