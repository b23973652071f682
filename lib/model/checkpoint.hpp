#pragma once
// A loaded checkpoint: a .gguf file or a Hugging Face directory (config.json + safetensors +
// tokenizer.json), presented the same way: one ModelConfig, tensors under GGUF names with
// PyTorch-order shapes, and a fingerprint that later files (profiles, plans) carry.
//
// Fingerprint (32 hex digits, XXH3-128) covers, in this order: the tag "slkv-model-v1"; arch;
// n_layers, n_heads, n_kv_heads, head_dim, hidden, ffn_hidden, vocab_size, n_rot; rope_style,
// rope_base, rope_base_local (IEEE bits); sliding_window and layer_sliding; qkv_bias, qk_norm,
// post_norms, tied_embeddings; then every tensor sorted by name: name, ggml type id, rank and
// dims. It does not read tensor bytes, so it is cheap, and two quantizations of one model get
// different fingerprints (their tensor types differ), as do the GGUF and HF copies.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/gguf.hpp"
#include "model/model_config.hpp"
#include "model/tensor_info.hpp"
#include "model/tokenizer.hpp"

namespace slkv {

enum class CheckpointFormat { kGguf, kSafetensors };

class SafetensorsSet;

class Checkpoint {
 public:
  // `path` is a .gguf file or a directory with config.json. Throws slkv::Error naming the
  // file and the problem (bad format, unsupported architecture, missing or misshapen tensor).
  static std::unique_ptr<Checkpoint> open(const std::string& path);
  ~Checkpoint();
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  const ModelConfig& config() const { return config_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // sorted by name
  const TensorInfo* find(std::string_view gguf_name) const;
  const TensorInfo& require(std::string_view gguf_name) const;  // throws naming both
  const std::string& fingerprint() const { return fingerprint_; }
  const GgufFile* gguf() const { return gguf_.get(); }  // nullptr for HF directories
  const std::string& tokenizer_json_path() const { return tokenizer_json_path_; }  // HF only
  const std::string& path() const { return path_; }
  CheckpointFormat format() const { return format_; }
  std::string_view format_name() const;

 private:
  Checkpoint() = default;
  void index_tensors();
  void check_tensor_shapes() const;
  void compute_fingerprint();

  std::string path_;
  CheckpointFormat format_ = CheckpointFormat::kGguf;
  ModelConfig config_;
  std::unique_ptr<GgufFile> gguf_;
  std::unique_ptr<SafetensorsSet> safetensors_;
  std::vector<TensorInfo> tensors_;
  std::string fingerprint_;
  std::string tokenizer_json_path_;
};

// The checkpoint's tokenizer: from the GGUF metadata, or the tokenizer.json beside an HF
// checkpoint. Throws slkv::Error naming the checkpoint when it has neither.
Tokenizer load_tokenizer(const Checkpoint& checkpoint);

// The tensors the architecture needs and their PyTorch-order shapes (name -> shape).
std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensor_shapes(
    const ModelConfig& config);

}  // namespace slkv
