#include "model/gguf_config.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "model/stop_tokens.hpp"

namespace slkv {
namespace {

constexpr int64_t kMaxLayers = 1024;

class Reader {
 public:
  Reader(const GgufFile& g, std::string arch) : g_(g), arch_(std::move(arch)) {}

  std::string key(std::string_view suffix) const { return arch_ + "." + std::string(suffix); }

  int64_t required_int(std::string_view suffix) const {
    const std::string k = key(suffix);
    auto v = g_.get_int(k);
    if (!v) throw_file_error(g_.path(), "missing metadata key '" + k + "'");
    return *v;
  }

  // A per-layer key that may be a scalar or an array of n_layers values; slkv's ModelConfig
  // holds one value, so arrays must be uniform.
  std::optional<int64_t> uniform_int(std::string_view suffix, int64_t n_layers) const {
    const std::string k = key(suffix);
    std::vector<int64_t> values = g_.get_int_array(k);
    if (values.empty()) {
      if (g_.find(k)) throw_file_error(g_.path(), "metadata key '" + k + "' is an empty array");
      return std::nullopt;
    }
    if (values.size() > 1 && values.size() != static_cast<size_t>(n_layers)) {
      throw_file_error(g_.path(), "metadata key '" + k + "' has " + std::to_string(values.size()) +
                                      " entries for " + std::to_string(n_layers) + " layers");
    }
    for (int64_t v : values) {
      if (v != values[0]) {
        throw_file_error(
            g_.path(),
            "metadata key '" + k + "' varies across layers; slkv supports uniform layers only");
      }
    }
    return values[0];
  }

  std::optional<int64_t> opt_int(std::string_view suffix) const { return g_.get_int(key(suffix)); }
  std::optional<double> opt_float(std::string_view suffix) const {
    return g_.get_float(key(suffix));
  }

 private:
  const GgufFile& g_;
  std::string arch_;
};

void read_special_tokens(const GgufFile& g, const std::string& tokenizer_model, ModelConfig& c) {
  auto id = [&](const char* k) { return g.get_int(k).value_or(-1); };
  const bool spm = tokenizer_model == "llama";
  c.bos_id = id("tokenizer.ggml.bos_token_id");
  c.eos_id = id("tokenizer.ggml.eos_token_id");
  c.pad_id = id("tokenizer.ggml.padding_token_id");
  // llama.cpp defaults when the ids are absent (FORMATS.md section 3.1).
  if (c.bos_id < 0 && spm) c.bos_id = 1;
  if (c.eos_id < 0 && spm) c.eos_id = 2;
  c.add_bos = g.get_bool("tokenizer.ggml.add_bos_token").value_or(spm);

  static const std::vector<std::string> kNone;
  const std::vector<std::string>* found = g.find_string_array("tokenizer.ggml.tokens");
  const std::vector<std::string>& tokens = found ? *found : kNone;
  for (const char* k : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                        "tokenizer.ggml.padding_token_id", "tokenizer.ggml.eot_token_id",
                        "tokenizer.ggml.eom_token_id"}) {
    const int64_t v = id(k);
    if (v < -1 || (!tokens.empty() && v >= static_cast<int64_t>(tokens.size()))) {
      throw_file_error(g.path(), "metadata key '" + std::string(k) + "' = " + std::to_string(v) +
                                     " is outside the vocabulary of " +
                                     std::to_string(tokens.size()) + " tokens");
    }
  }
  std::vector<int64_t> stops;
  if (c.eos_id >= 0) stops.push_back(c.eos_id);
  for (const char* k : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    if (int64_t v = id(k); v >= 0) stops.push_back(v);
  }
  for (std::string_view text : kEndOfTurnTokens) {
    auto it = std::find(tokens.begin(), tokens.end(), text);
    if (it != tokens.end()) stops.push_back(it - tokens.begin());
  }
  for (int64_t s : stops) {
    if (std::find(c.stop_ids.begin(), c.stop_ids.end(), s) == c.stop_ids.end()) {
      c.stop_ids.push_back(s);
    }
  }
}

}  // namespace

ModelConfig config_from_gguf(const GgufFile& g) {
  ModelConfig c;
  c.source_format = "gguf";
  const auto arch = g.get_string("general.architecture");
  if (!arch) throw_file_error(g.path(), "missing metadata key 'general.architecture'");
  if (*arch != "llama" && *arch != "qwen2" && *arch != "gemma3") {
    throw_file_error(g.path(), "unsupported architecture '" + *arch +
                                   "' (supported: llama (also Mistral), qwen2, gemma3)");
  }
  c.arch = *arch;
  c.name = g.get_string("general.name").value_or("");
  const Reader r(g, c.arch);
  const bool gemma = c.arch == "gemma3";

  c.n_layers = r.required_int("block_count");
  if (c.n_layers <= 0 || c.n_layers > kMaxLayers) {
    throw_file_error(g.path(), c.arch + ".block_count = " + std::to_string(c.n_layers) +
                                   " is outside [1, 1024]");
  }
  c.hidden = r.required_int("embedding_length");
  c.context_length = r.opt_int("context_length").value_or(0);
  c.ffn_hidden = r.uniform_int("feed_forward_length", c.n_layers).value_or(0);
  c.n_heads = r.uniform_int("attention.head_count", c.n_layers).value_or(0);
  if (c.n_heads <= 0) {
    throw_file_error(g.path(), "missing or invalid '" + r.key("attention.head_count") + "'");
  }
  c.n_kv_heads = r.uniform_int("attention.head_count_kv", c.n_layers).value_or(c.n_heads);
  c.head_dim = r.opt_int("attention.key_length").value_or(c.hidden / c.n_heads);
  if (auto v = r.opt_int("attention.value_length"); v && *v != c.head_dim) {
    throw_file_error(g.path(), r.key("attention.value_length") + " = " + std::to_string(*v) +
                                   " differs from the key length " + std::to_string(c.head_dim) +
                                   "; slkv needs equal key and value head sizes");
  }
  c.n_rot = r.opt_int("rope.dimension_count").value_or(c.head_dim);
  c.norm_eps = r.opt_float("attention.layer_norm_rms_epsilon").value_or(gemma ? 1e-6 : 1e-5);

  static const std::vector<std::string> kNone;
  const std::vector<std::string>* found = g.find_string_array("tokenizer.ggml.tokens");
  const std::vector<std::string>& tokens = found ? *found : kNone;
  c.vocab_size = r.opt_int("vocab_size").value_or(static_cast<int64_t>(tokens.size()));
  if (c.vocab_size == 0) {
    if (const TensorInfo* e = g.find_tensor("token_embd.weight"); e && e->shape.size() == 2) {
      c.vocab_size = e->shape[0];
    }
  }

  c.rope_style = c.arch == "llama" ? RopeStyle::kInterleaved : RopeStyle::kHalf;
  c.rope_base = r.opt_float("rope.freq_base").value_or(10000.0);
  c.rope_base_local = gemma ? r.opt_float("rope.freq_base_swa").value_or(10000.0) : c.rope_base;
  if (auto type = g.get_string(r.key("rope.scaling.type")); type && *type != "none") {
    c.rope_scaling.type = *type;
    c.rope_scaling.factor = r.opt_float("rope.scaling.factor").value_or(1.0);
    c.rope_scaling.original_context = r.opt_int("rope.scaling.original_context_length").value_or(0);
  } else if (g.find_tensor("rope_freqs.weight")) {
    // llama3-style scaling is baked into per-frequency factors (FORMATS.md section 3.4); the
    // engine divides the angles by rope_freqs.weight.
    c.rope_scaling.type = "llama3";
    c.rope_scaling.factor = r.opt_float("rope.scaling.factor").value_or(1.0);
  }

  c.activation = gemma ? "gelu_tanh" : "silu";
  c.qkv_bias = c.arch == "qwen2";
  c.qk_norm = gemma;
  c.post_norms = gemma;
  c.tied_embeddings = g.find_tensor("output.weight") == nullptr;
  c.norm_weight_offset = 0.0;  // GGUF Gemma norms already include the +1
  c.embedding_scale = gemma ? std::sqrt(static_cast<double>(c.hidden)) : 1.0;
  if (auto scale = r.opt_float("attention.scale"); scale && *scale > 0) {
    c.attn_scale = *scale;
  } else if (gemma && c.n_layers == 62) {
    // Gemma 3 27B: query_pre_attn_scalar = hidden / n_heads, not head_dim (FORMATS.md 4.2).
    c.attn_scale = 1.0 / std::sqrt(static_cast<double>(c.hidden) / c.n_heads);
  } else {
    c.attn_scale = 1.0 / std::sqrt(static_cast<double>(c.head_dim));
  }

  c.sliding_window = r.opt_int("attention.sliding_window").value_or(0);
  c.layer_sliding.assign(c.n_layers, false);
  if (gemma && c.sliding_window > 0) {
    const std::string pattern_key = r.key("attention.sliding_window_pattern");
    const GgufValue* pattern = g.find(pattern_key);
    if (pattern && pattern->is_array()) {
      if (pattern->array_type != GgufType::kBool ||
          pattern->int_array.size() != static_cast<size_t>(c.n_layers)) {
        throw_file_error(g.path(), pattern->file_offset,
                         "'" + pattern_key + "' must be a bool array with one entry per layer");
      }
      for (int64_t i = 0; i < c.n_layers; ++i) c.layer_sliding[i] = pattern->int_array[i] != 0;
    } else {
      // Every `period`-th layer is global, the rest slide (5 local : 1 global by default).
      const int64_t period = pattern ? *g.get_int(pattern_key) : 6;
      if (period <= 0) throw_file_error(g.path(), "'" + pattern_key + "' must be positive");
      for (int64_t i = 0; i < c.n_layers; ++i) c.layer_sliding[i] = (i + 1) % period != 0;
    }
  } else if (c.arch == "llama" && c.sliding_window > 0) {
    c.layer_sliding.assign(c.n_layers, true);  // Mistral v0.1: every layer slides
  } else if (c.arch == "qwen2") {
    c.sliding_window = 0;  // llama.cpp's qwen2 graph ignores sliding windows
  }

  read_special_tokens(g, g.get_string("tokenizer.ggml.model").value_or(""), c);
  validate_model_config(c, g.path());
  return c;
}

}  // namespace slkv
