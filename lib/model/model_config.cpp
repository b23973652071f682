#include "model/model_config.hpp"

#include "core/error.hpp"

namespace slkv {
namespace {

void require(bool ok, const std::string& source, const std::string& what) {
  if (!ok) throw_file_error(source, "invalid model configuration: " + what);
}

}  // namespace

void validate_model_config(const ModelConfig& c, const std::string& source) {
  constexpr int64_t kMaxDim = int64_t{1} << 20;
  auto in_range = [](int64_t v, int64_t hi) { return v > 0 && v <= hi; };
  require(c.arch == "llama" || c.arch == "qwen2" || c.arch == "gemma3", source,
          "unsupported architecture '" + c.arch + "' (supported: llama, mistral, qwen2, gemma3)");
  require(in_range(c.n_layers, 1024), source, "n_layers=" + std::to_string(c.n_layers));
  require(in_range(c.n_heads, 1024), source, "n_heads=" + std::to_string(c.n_heads));
  require(in_range(c.n_kv_heads, 1024), source, "n_kv_heads=" + std::to_string(c.n_kv_heads));
  require(c.n_heads % c.n_kv_heads == 0, source,
          "n_heads=" + std::to_string(c.n_heads) +
              " is not a multiple of n_kv_heads=" + std::to_string(c.n_kv_heads));
  require(in_range(c.head_dim, 4096), source, "head_dim=" + std::to_string(c.head_dim));
  require(in_range(c.hidden, kMaxDim), source, "hidden=" + std::to_string(c.hidden));
  require(in_range(c.ffn_hidden, kMaxDim * 4), source,
          "ffn_hidden=" + std::to_string(c.ffn_hidden));
  require(in_range(c.vocab_size, int64_t{1} << 24), source,
          "vocab_size=" + std::to_string(c.vocab_size));
  require(c.n_rot > 0 && c.n_rot <= c.head_dim && c.n_rot % 2 == 0, source,
          "rotary dims n_rot=" + std::to_string(c.n_rot));
  require(c.norm_eps > 0 && c.norm_eps < 1, source, "norm_eps=" + std::to_string(c.norm_eps));
  require(c.rope_base > 0 && c.rope_base_local > 0, source, "rope base must be positive");
  require(c.layer_sliding.size() == static_cast<size_t>(c.n_layers), source,
          "layer_sliding has " + std::to_string(c.layer_sliding.size()) + " entries, expected " +
              std::to_string(c.n_layers));
  require(c.sliding_window >= 0, source, "sliding_window < 0");
}

}  // namespace slkv
