#include "model/checkpoint.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "model/gguf_config.hpp"
#include "model/hf_config.hpp"
#include "model/safetensors.hpp"

namespace slkv {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

uint64_t double_bits(double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

}  // namespace

Checkpoint::~Checkpoint() = default;

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string& path) {
  namespace fs = std::filesystem;
  std::unique_ptr<Checkpoint> ck(new Checkpoint());
  ck->path_ = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    ck->format_ = CheckpointFormat::kSafetensors;
    ck->config_ = load_hf_config(path);
    ck->safetensors_ = std::make_unique<SafetensorsSet>(path);
    const fs::path tok = fs::path(path) / "tokenizer.json";
    if (fs::exists(tok)) ck->tokenizer_json_path_ = tok.string();
  } else if (fs::exists(path, ec)) {
    ck->format_ = CheckpointFormat::kGguf;
    ck->gguf_ = std::make_unique<GgufFile>(path);
    ck->config_ = config_from_gguf(*ck->gguf_);
  } else {
    throw_file_error(path,
                     "no such file or directory (expected a .gguf file or a directory "
                     "with config.json)");
  }
  ck->index_tensors();
  if (ck->format_ == CheckpointFormat::kSafetensors) {
    validate_model_config(ck->config_, (fs::path(path) / "config.json").string());
  }
  ck->check_tensor_shapes();
  ck->compute_fingerprint();
  return ck;
}

void Checkpoint::index_tensors() {
  if (gguf_) {
    tensors_ = gguf_->tensors();
  } else {
    for (const auto& [hf_name, entry] : safetensors_->entries()) {
      auto name = hf_to_gguf_tensor_name(hf_name, config_.arch);
      if (!name) continue;  // vision tower, rotary buffers, ...
      const std::string& dtype = entry.file->dtype(entry.index);
      if (!safetensors_weight_dtype_supported(dtype)) {
        throw_file_error(entry.file->path(), "tensor '" + hf_name + "' has dtype " + dtype +
                                                 "; slkv loads F32, F16 and BF16 weights only");
      }
      TensorInfo t = entry.file->tensors()[entry.index];
      t.name = *name;
      tensors_.push_back(std::move(t));
    }
    // A tied checkpoint may still ship lm_head; the engine uses token_embd, so drop it to keep
    // "tied == no output.weight" true for both formats.
    if (config_.tied_embeddings) {
      std::erase_if(tensors_, [](const TensorInfo& t) { return t.name == "output.weight"; });
    } else if (std::none_of(tensors_.begin(), tensors_.end(),
                            [](const TensorInfo& t) { return t.name == "output.weight"; })) {
      throw_file_error(path_,
                       "config.json says tie_word_embeddings=false but there is no "
                       "lm_head.weight tensor");
    }
  }
  std::sort(tensors_.begin(), tensors_.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
  for (size_t i = 1; i < tensors_.size(); ++i) {
    if (tensors_[i].name == tensors_[i - 1].name) {
      throw_file_error(path_, "two tensors map to '" + tensors_[i].name + "'");
    }
  }
}

const TensorInfo* Checkpoint::find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorInfo& t, std::string_view n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

const TensorInfo& Checkpoint::require(std::string_view name) const {
  const TensorInfo* t = find(name);
  if (!t) throw_file_error(path_, "checkpoint has no tensor '" + std::string(name) + "'");
  return *t;
}

std::string_view Checkpoint::format_name() const {
  return format_ == CheckpointFormat::kGguf ? "gguf" : "safetensors";
}

std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensor_shapes(
    const ModelConfig& c) {
  const int64_t q = c.n_heads * c.head_dim;
  const int64_t kv = c.n_kv_heads * c.head_dim;
  std::vector<std::pair<std::string, std::vector<int64_t>>> out = {
      {"token_embd.weight", {c.vocab_size, c.hidden}},
      {"output_norm.weight", {c.hidden}},
  };
  if (!c.tied_embeddings) out.push_back({"output.weight", {c.vocab_size, c.hidden}});
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    out.push_back({b + "attn_norm.weight", {c.hidden}});
    out.push_back({b + "attn_q.weight", {q, c.hidden}});
    out.push_back({b + "attn_k.weight", {kv, c.hidden}});
    out.push_back({b + "attn_v.weight", {kv, c.hidden}});
    out.push_back({b + "attn_output.weight", {c.hidden, q}});
    out.push_back({b + "ffn_norm.weight", {c.hidden}});
    out.push_back({b + "ffn_gate.weight", {c.ffn_hidden, c.hidden}});
    out.push_back({b + "ffn_up.weight", {c.ffn_hidden, c.hidden}});
    out.push_back({b + "ffn_down.weight", {c.hidden, c.ffn_hidden}});
    if (c.qkv_bias) {
      out.push_back({b + "attn_q.bias", {q}});
      out.push_back({b + "attn_k.bias", {kv}});
      out.push_back({b + "attn_v.bias", {kv}});
    }
    if (c.qk_norm) {
      out.push_back({b + "attn_q_norm.weight", {c.head_dim}});
      out.push_back({b + "attn_k_norm.weight", {c.head_dim}});
    }
    if (c.post_norms) {
      out.push_back({b + "post_attention_norm.weight", {c.hidden}});
      out.push_back({b + "post_ffw_norm.weight", {c.hidden}});
    }
  }
  return out;
}

void Checkpoint::check_tensor_shapes() const {
  for (const auto& [name, shape] : expected_tensor_shapes(config_)) {
    const TensorInfo* t = find(name);
    if (!t) {
      throw_file_error(path_, "missing tensor '" + name + "' (expected shape " +
                                  shape_string(shape) + " for " + config_.arch + ")");
    }
    if (t->shape != shape) {
      throw_file_error(path_, "tensor '" + name + "' has shape " + shape_string(t->shape) +
                                  ", expected " + shape_string(shape) + " for " + config_.arch);
    }
  }
}

void Checkpoint::compute_fingerprint() {
  const ModelConfig& c = config_;
  Hasher h;
  h.feed(std::string_view("slkv-model-v1"));
  h.feed(c.arch);
  for (int64_t v : {c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim, c.hidden, c.ffn_hidden,
                    c.vocab_size, c.n_rot}) {
    h.feed_u64(static_cast<uint64_t>(v));
  }
  h.feed_u64(c.rope_style == RopeStyle::kHalf ? 1 : 0);
  h.feed_u64(double_bits(c.rope_base));
  h.feed_u64(double_bits(c.rope_base_local));
  h.feed_u64(static_cast<uint64_t>(c.sliding_window));
  h.feed_u64(c.layer_sliding.size());
  for (bool s : c.layer_sliding) h.feed_u64(s ? 1 : 0);
  for (bool b : {c.qkv_bias, c.qk_norm, c.post_norms, c.tied_embeddings}) h.feed_u64(b ? 1 : 0);
  h.feed_u64(tensors_.size());
  for (const TensorInfo& t : tensors_) {  // sorted by name
    h.feed(t.name);
    h.feed_u64(static_cast<uint32_t>(t.type));
    h.feed_u64(t.shape.size());
    for (int64_t d : t.shape) h.feed_u64(static_cast<uint64_t>(d));
  }
  fingerprint_ = h.hex();
}

Tokenizer load_tokenizer(const Checkpoint& checkpoint) {
  if (checkpoint.gguf() != nullptr) return tokenizer_from_gguf(*checkpoint.gguf());
  if (!checkpoint.tokenizer_json_path().empty()) {
    return tokenizer_from_json(checkpoint.tokenizer_json_path());
  }
  throw_file_error(checkpoint.path(), "no tokenizer: not a GGUF file and no tokenizer.json");
}

}  // namespace slkv
