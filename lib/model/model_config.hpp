#pragma once
// The architecture-neutral description of a decoder-only transformer, filled from GGUF
// metadata or from a Hugging Face config.json. The engine reads only this struct, never the
// source format, so every format quirk (permuted Q/K, folded norm offsets) is resolved here.

#include <cstdint>
#include <string>
#include <vector>

namespace slkv {

// How RoPE pairs dimensions. kInterleaved rotates (x[2i], x[2i+1]) (ggml "NORM", used for
// llama-arch GGUF files whose Q/K rows were permuted by the converter); kHalf rotates
// (x[i], x[i + n_rot/2]) (ggml "NEOX" = HF rotate_half).
enum class RopeStyle { kInterleaved, kHalf };

struct RopeScaling {
  std::string type = "none";  // none | linear | llama3 | yarn | dynamic | longrope
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_context = 0;
};

struct ModelConfig {
  std::string arch;           // "llama" (also Mistral), "qwen2", "gemma3"
  std::string source_format;  // "gguf" | "safetensors"
  std::string name;           // general.name or the directory name; cosmetic

  int64_t n_layers = 0;
  int64_t n_heads = 0;  // query heads
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t hidden = 0;
  int64_t ffn_hidden = 0;
  int64_t vocab_size = 0;
  int64_t context_length = 0;

  double norm_eps = 1e-5;
  double norm_weight_offset = 0.0;  // 1.0 for Gemma safetensors (GGUF folds the +1 in)
  std::string activation = "silu";  // "silu" | "gelu_tanh"
  bool qkv_bias = false;            // qwen2
  bool qk_norm = false;             // gemma3
  bool post_norms = false;          // gemma3 post-attention and post-FFN norms
  bool tied_embeddings = false;
  double embedding_scale = 1.0;  // gemma3: sqrt(hidden)
  double attn_scale = 0.0;       // softmax scale; 1/sqrt(head_dim) unless the arch says

  RopeStyle rope_style = RopeStyle::kHalf;
  int64_t n_rot = 0;                 // rotary dims (<= head_dim)
  double rope_base = 10000.0;        // global / full-attention layers
  double rope_base_local = 10000.0;  // sliding-window layers (gemma3)
  RopeScaling rope_scaling;          // applies to full-attention layers only

  int64_t sliding_window = 0;       // 0 = none
  std::vector<bool> layer_sliding;  // [n_layers]; true = sliding-window layer

  // Special tokens (-1 when absent).
  int64_t bos_id = -1;
  int64_t eos_id = -1;
  std::vector<int64_t> stop_ids;  // eos plus end-of-turn tokens
  int64_t pad_id = -1;
  bool add_bos = false;

  int64_t group_size() const { return n_kv_heads ? n_heads / n_kv_heads : 0; }
};

// Throws slkv::Error naming `source` when a field is missing, zero or inconsistent
// (heads not divisible by KV heads, absurd sizes, ...).
void validate_model_config(const ModelConfig& config, const std::string& source);

}  // namespace slkv
