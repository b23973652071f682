#pragma once
// Architectures: each one binds a checkpoint's tensors (GGUF names) to the generic decoder
// block the engine runs, and says which optional parts it uses (biases, QK-norm, post-norms),
// its activation and its per-layer RoPE and attention window. Adding an architecture is one
// arch_<name>.cpp file plus one entry in arch_registry.cpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rope.hpp"
#include "engine/weight_source.hpp"
#include "model/model_config.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

enum class Activation { kSilu, kGeluTanh };

struct LayerWeights {
  const TensorInfo* wq = nullptr;      // [n_heads * head_dim, hidden]
  const TensorInfo* wk = nullptr;      // [n_kv_heads * head_dim, hidden]
  const TensorInfo* wv = nullptr;      // [n_kv_heads * head_dim, hidden]
  const TensorInfo* wo = nullptr;      // [hidden, n_heads * head_dim]
  const TensorInfo* w_gate = nullptr;  // [ffn_hidden, hidden]
  const TensorInfo* w_up = nullptr;    // [ffn_hidden, hidden]
  const TensorInfo* w_down = nullptr;  // [hidden, ffn_hidden]
  // Norm weights with the config's norm_weight_offset already added. Optional ones are empty.
  std::vector<float> attn_norm, ffn_norm;            // [hidden]
  std::vector<float> post_attn_norm, post_ffn_norm;  // [hidden]
  std::vector<float> q_norm, k_norm;                 // [head_dim]
  std::vector<float> q_bias, k_bias, v_bias;         // [n_heads|n_kv_heads * head_dim]
  int64_t window = 0;                                // attention window; 0 = full causal
  RopeParams rope;
};

struct ModelWeights {
  const TensorInfo* token_embd = nullptr;  // [vocab, hidden]
  const TensorInfo* output = nullptr;      // [vocab, hidden]; token_embd when tied
  std::vector<float> output_norm;          // [hidden]
  std::vector<LayerWeights> layers;        // [n_layers]
  Activation activation = Activation::kSilu;
  float embedding_scale = 1.0f;
  float attn_scale = 1.0f;
};

// Which optional parts of the generic block an architecture uses.
struct BlockParts {
  bool qkv_bias = false;
  bool qk_norm = false;
  bool post_norms = false;
};

// Binds the parts every architecture shares, checking every tensor's shape against `config`;
// RoPE and windows are left to the architecture.
ModelWeights bind_decoder(const ModelConfig& config, const WeightSource& source,
                          const BlockParts& parts);

using BindFn = ModelWeights (*)(const ModelConfig&, const WeightSource&);

struct ArchSpec {
  std::string_view name;  // ModelConfig::arch
  BindFn bind;
};

// Per-architecture binders (arch_<name>.cpp).
ModelWeights bind_llama(const ModelConfig& config, const WeightSource& source);
ModelWeights bind_qwen2(const ModelConfig& config, const WeightSource& source);
ModelWeights bind_gemma3(const ModelConfig& config, const WeightSource& source);

// The registry; nullptr for an unknown architecture.
const ArchSpec* find_arch(std::string_view name);
std::vector<std::string_view> arch_names();

}  // namespace slkv
