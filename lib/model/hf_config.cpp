#include "model/hf_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/stop_tokens.hpp"

namespace slkv {
namespace {

using nlohmann::json;

// Typed access to config.json fields with errors naming the file and field.
class Fields {
 public:
  Fields(const json& j, const std::string& source) : j_(j), source_(source) {}

  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }

  int64_t get_int(const char* key, std::optional<int64_t> fallback = std::nullopt) const {
    if (!has(key)) {
      if (fallback) return *fallback;
      throw_file_error(source_, std::string("missing field '") + key + "'");
    }
    const json& v = j_[key];
    if (!v.is_number_integer()) {
      throw_file_error(source_,
                       std::string("field '") + key + "' must be an integer, got " + v.dump());
    }
    return v.get<int64_t>();
  }

  double get_float(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    const json& v = j_[key];
    if (!v.is_number()) {
      throw_file_error(source_,
                       std::string("field '") + key + "' must be a number, got " + v.dump());
    }
    return v.get<double>();
  }

  bool get_bool(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!j_[key].is_boolean()) {
      throw_file_error(source_, std::string("field '") + key + "' must be true or false");
    }
    return j_[key].get<bool>();
  }

  std::string get_string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    if (!j_[key].is_string()) {
      throw_file_error(source_, std::string("field '") + key + "' must be a string");
    }
    return j_[key].get<std::string>();
  }

  // Integer or list of integers (eos_token_id may be either).
  std::vector<int64_t> get_ids(const char* key) const {
    if (!has(key)) return {};
    const json& v = j_[key];
    std::vector<int64_t> out;
    if (v.is_number_integer()) {
      out.push_back(v.get<int64_t>());
    } else if (v.is_array()) {
      for (const json& e : v) {
        if (!e.is_number_integer()) {
          throw_file_error(source_, std::string("field '") + key + "' has a non-integer entry");
        }
        out.push_back(e.get<int64_t>());
      }
    } else {
      throw_file_error(source_, std::string("field '") + key + "' must be an id or a list of ids");
    }
    return out;
  }

  const json& raw() const { return j_; }
  const std::string& source() const { return source_; }

 private:
  const json& j_;
  const std::string& source_;
};

RopeScaling parse_rope_scaling(const json& s, const std::string& source) {
  RopeScaling r;
  if (s.is_null()) return r;
  if (!s.is_object()) throw_file_error(source, "rope scaling must be an object or null");
  const Fields f(s, source);
  std::string type = f.get_string("rope_type", f.get_string("type", "default"));
  if (type == "default") type = "none";
  static const char* const kKnown[] = {"none", "linear", "llama3", "yarn", "dynamic", "longrope"};
  if (std::find(std::begin(kKnown), std::end(kKnown), type) == std::end(kKnown)) {
    throw_file_error(source, "unknown rope scaling type '" + type + "'");
  }
  r.type = type;
  r.factor = f.get_float("factor", 1.0);
  r.low_freq_factor = f.get_float("low_freq_factor", 1.0);
  r.high_freq_factor = f.get_float("high_freq_factor", 4.0);
  r.original_context = f.get_int("original_max_position_embeddings", 0);
  return r;
}

std::string activation_of(const std::string& act, const std::string& source) {
  if (act == "silu" || act == "swish") return "silu";
  if (act == "gelu_pytorch_tanh" || act == "gelu_tanh") return "gelu_tanh";
  throw_file_error(source,
                   "unsupported activation '" + act + "' (supported: silu, gelu_pytorch_tanh)");
}

// Applies layer_types ("sliding_attention" / "full_attention") when present. Returns false when
// the config has none.
bool apply_layer_types(const Fields& f, ModelConfig& c) {
  if (!f.has("layer_types")) return false;
  const json& lt = f.raw()["layer_types"];
  if (!lt.is_array() || lt.size() != static_cast<size_t>(c.n_layers)) {
    throw_file_error(f.source(), "field 'layer_types' must list one entry per layer (" +
                                     std::to_string(c.n_layers) + ")");
  }
  c.layer_sliding.clear();
  for (const json& e : lt) {
    const std::string s = e.is_string() ? e.get<std::string>() : "";
    if (s != "sliding_attention" && s != "full_attention") {
      throw_file_error(f.source(), "layer_types entry " + e.dump() +
                                       " is not "
                                       "\"sliding_attention\" or \"full_attention\"");
    }
    c.layer_sliding.push_back(s == "sliding_attention");
  }
  return true;
}

}  // namespace

ModelConfig config_from_hf_json(const json& root, const std::string& source) {
  if (!root.is_object()) throw_file_error(source, "config is not a JSON object");
  std::string model_type = root.value("model_type", std::string());
  const json* text = &root;
  if (model_type == "gemma3") {
    if (!root.contains("text_config") || !root["text_config"].is_object()) {
      throw_file_error(source, "model_type gemma3 without a 'text_config' object");
    }
    text = &root["text_config"];
    model_type = "gemma3_text";
  }
  const Fields f(*text, source);

  ModelConfig c;
  c.source_format = "safetensors";
  if (model_type == "llama" || model_type == "mistral") {
    c.arch = "llama";
  } else if (model_type == "qwen2") {
    c.arch = "qwen2";
  } else if (model_type == "gemma3_text") {
    c.arch = "gemma3";
  } else {
    throw_file_error(source, "unsupported model_type '" + model_type +
                                 "' (supported: llama, mistral, qwen2, gemma3, gemma3_text)");
  }
  const bool gemma = c.arch == "gemma3";

  c.n_layers = f.get_int("num_hidden_layers");
  if (c.n_layers <= 0 || c.n_layers > 1024) {
    throw_file_error(source,
                     "num_hidden_layers = " + std::to_string(c.n_layers) + " is outside [1, 1024]");
  }
  c.hidden = f.get_int("hidden_size");
  c.ffn_hidden = f.get_int("intermediate_size");
  c.n_heads = f.get_int("num_attention_heads");
  if (c.n_heads <= 0) throw_file_error(source, "num_attention_heads must be positive");
  c.n_kv_heads = f.get_int("num_key_value_heads", c.n_heads);
  c.head_dim = f.get_int("head_dim", gemma ? 256 : c.hidden / c.n_heads);
  c.vocab_size = f.get_int("vocab_size", gemma ? std::optional<int64_t>(262208) : std::nullopt);
  c.context_length = f.get_int("max_position_embeddings", 0);
  c.norm_eps = f.get_float("rms_norm_eps", 1e-6);
  c.activation =
      activation_of(f.get_string("hidden_activation",
                                 f.get_string("hidden_act", gemma ? "gelu_pytorch_tanh" : "silu")),
                    source);
  c.n_rot =
      static_cast<int64_t>(std::lround(c.head_dim * f.get_float("partial_rotary_factor", 1.0)));
  c.rope_style = RopeStyle::kHalf;  // HF weights are not permuted

  if (c.arch == "llama" && (f.get_bool("attention_bias", false) || f.get_bool("mlp_bias", false))) {
    throw_file_error(source, "attention_bias / mlp_bias are not supported for llama");
  }
  c.qkv_bias = c.arch == "qwen2";
  c.qk_norm = gemma;
  c.post_norms = gemma;
  c.tied_embeddings = f.get_bool("tie_word_embeddings", gemma);
  c.norm_weight_offset = gemma ? 1.0 : 0.0;
  c.embedding_scale = gemma ? std::sqrt(static_cast<double>(c.hidden)) : 1.0;
  const double qpas = gemma ? f.get_float("query_pre_attn_scalar", 256.0) : c.head_dim;
  if (qpas <= 0) throw_file_error(source, "query_pre_attn_scalar must be positive");
  c.attn_scale = 1.0 / std::sqrt(qpas);
  if (gemma && (f.has("attn_logit_softcapping") || f.has("final_logit_softcapping"))) {
    throw_file_error(source, "logit softcapping is not supported (Gemma 3 configs have none)");
  }

  // RoPE: rope_theta / rope_scaling (transformers < 5) or rope_parameters (>= 5), which for
  // Gemma 3 is keyed by layer type.
  c.rope_base = f.get_float("rope_theta", gemma ? 1e6 : 10000.0);
  c.rope_base_local = gemma ? f.get_float("rope_local_base_freq", 10000.0) : c.rope_base;
  if (f.has("rope_scaling")) c.rope_scaling = parse_rope_scaling(text->at("rope_scaling"), source);
  if (f.has("rope_parameters")) {
    const json& rp = text->at("rope_parameters");
    if (!rp.is_object()) throw_file_error(source, "rope_parameters must be an object");
    auto theta = [&](const json& o, double fallback) {
      return Fields(o, source).get_float("rope_theta", fallback);
    };
    if (rp.contains("full_attention") || rp.contains("sliding_attention")) {
      if (rp.contains("full_attention")) {
        c.rope_base = theta(rp["full_attention"], c.rope_base);
        c.rope_scaling = parse_rope_scaling(rp["full_attention"], source);
      }
      if (rp.contains("sliding_attention")) {
        c.rope_base_local = theta(rp["sliding_attention"], c.rope_base_local);
      }
    } else {
      c.rope_base = theta(rp, c.rope_base);
      if (!gemma) c.rope_base_local = c.rope_base;
      c.rope_scaling = parse_rope_scaling(rp, source);
    }
  }

  // Sliding windows.
  c.layer_sliding.assign(c.n_layers, false);
  if (gemma) {
    c.sliding_window = f.get_int("sliding_window", 4096);
    if (!apply_layer_types(f, c)) {
      const int64_t period = f.get_int("sliding_window_pattern", 6);
      if (period <= 0) throw_file_error(source, "sliding_window_pattern must be positive");
      for (int64_t i = 0; i < c.n_layers; ++i) c.layer_sliding[i] = (i + 1) % period != 0;
    }
  } else if (c.arch == "qwen2") {
    const bool use = f.get_bool("use_sliding_window", false);
    c.sliding_window = use ? f.get_int("sliding_window", 0) : 0;
    if (use && !apply_layer_types(f, c)) {
      const int64_t first = f.get_int("max_window_layers", c.n_layers);
      for (int64_t i = 0; i < c.n_layers; ++i) c.layer_sliding[i] = i >= first;
    }
    if (!use) c.layer_sliding.assign(c.n_layers, false);
  } else {
    c.sliding_window = f.get_int("sliding_window", 0);
    if (c.sliding_window > 0 && !apply_layer_types(f, c)) c.layer_sliding.assign(c.n_layers, true);
  }
  if (c.sliding_window == 0) c.layer_sliding.assign(c.n_layers, false);

  // Special tokens from the top level (Gemma 3 multimodal keeps them there, not in text_config).
  const Fields top(root, source);
  auto first_id = [&](const char* key) {
    std::vector<int64_t> ids = f.get_ids(key);
    if (ids.empty()) ids = top.get_ids(key);
    return ids;
  };
  if (auto ids = first_id("bos_token_id"); !ids.empty()) c.bos_id = ids[0];
  if (auto ids = first_id("pad_token_id"); !ids.empty()) c.pad_id = ids[0];
  const std::vector<int64_t> eos = first_id("eos_token_id");
  if (!eos.empty()) c.eos_id = eos[0];
  for (int64_t id : eos) {
    if (std::find(c.stop_ids.begin(), c.stop_ids.end(), id) == c.stop_ids.end())
      c.stop_ids.push_back(id);
  }
  c.add_bos = gemma;
  c.name = root.value("_name_or_path", std::string());
  return c;
}

ModelConfig load_hf_config(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string config_path = (fs::path(dir) / "config.json").string();
  json j;
  try {
    j = json::parse(read_file(config_path));
  } catch (const json::parse_error& e) {
    throw_file_error(config_path, e.byte > 0 ? e.byte - 1 : 0,
                     std::string("malformed JSON: ") + e.what());
  } catch (const json::exception& e) {  // out_of_range: a number too large for a double
    throw_file_error(config_path, std::string("malformed JSON: ") + e.what());
  }
  ModelConfig c = config_from_hf_json(j, config_path);
  if (c.name.empty()) c.name = fs::path(dir).lexically_normal().filename().string();

  auto add_stop = [&](int64_t id) {
    if (id >= 0 && std::find(c.stop_ids.begin(), c.stop_ids.end(), id) == c.stop_ids.end()) {
      c.stop_ids.push_back(id);
    }
  };
  const fs::path gen = fs::path(dir) / "generation_config.json";
  if (fs::exists(gen)) {
    try {
      const json g = json::parse(read_file(gen.string()));
      if (g.is_object()) {
        for (int64_t id : Fields(g, gen.string()).get_ids("eos_token_id")) add_stop(id);
      }
    } catch (const json::exception& e) {
      throw_file_error(gen.string(), std::string("malformed JSON: ") + e.what());
    }
  }
  const fs::path tok = fs::path(dir) / "tokenizer.json";
  if (fs::exists(tok)) {
    json t;
    try {
      t = json::parse(read_file(tok.string()));
    } catch (const json::exception& e) {
      throw_file_error(tok.string(), std::string("malformed JSON: ") + e.what());
    }
    if (t.is_object() && t.contains("added_tokens") && t["added_tokens"].is_array()) {
      for (const json& a : t["added_tokens"]) {
        if (!a.is_object() || !a.contains("content") || !a.contains("id")) continue;
        if (!a["content"].is_string() || !a["id"].is_number_integer()) continue;
        const std::string content = a["content"].get<std::string>();
        for (std::string_view stop : kEndOfTurnTokens) {
          if (content == stop) add_stop(a["id"].get<int64_t>());
        }
      }
    }
    // A TemplateProcessing post-processor that emits a special token before $A adds BOS.
    if (t.is_object() && t.contains("post_processor") && t["post_processor"].is_object()) {
      const json& pp = t["post_processor"];
      std::vector<const json*> procs = {&pp};
      if (pp.value("type", "") == "Sequence" && pp.contains("processors") &&
          pp["processors"].is_array()) {
        for (const json& p : pp["processors"]) procs.push_back(&p);
      }
      for (const json* p : procs) {
        if (p->is_object() && p->value("type", "") == "TemplateProcessing" &&
            p->contains("single") && (*p)["single"].is_array() && !(*p)["single"].empty() &&
            (*p)["single"][0].is_object() && (*p)["single"][0].contains("SpecialToken")) {
          c.add_bos = true;
        }
      }
    }
  }
  return c;
}

std::optional<std::string> hf_to_gguf_tensor_name(std::string_view name, std::string_view arch) {
  auto strip = [&](std::string_view prefix) {
    if (name.substr(0, prefix.size()) == prefix) {
      name.remove_prefix(prefix.size());
      return true;
    }
    return false;
  };
  if (name == "lm_head.weight" || name == "language_model.lm_head.weight") {
    return std::string("output.weight");
  }
  if (!strip("model.language_model.") && !strip("language_model.model.") && !strip("model.")) {
    return std::nullopt;
  }
  if (name == "embed_tokens.weight") return std::string("token_embd.weight");
  if (name == "norm.weight") return std::string("output_norm.weight");
  if (!strip("layers.")) return std::nullopt;
  const size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) return std::nullopt;
  const std::string_view layer = name.substr(0, dot);
  if (!std::all_of(layer.begin(), layer.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return std::nullopt;
  }
  std::string_view rest = name.substr(dot + 1);
  std::string_view suffix;  // ".weight" / ".bias"
  if (const size_t last = rest.rfind('.'); last != std::string_view::npos) {
    suffix = rest.substr(last);
    rest = rest.substr(0, last);
  }
  const bool gemma = arch == "gemma3";
  static const std::pair<std::string_view, std::string_view> kCommon[] = {
      {"input_layernorm", "attn_norm"},    {"self_attn.q_proj", "attn_q"},
      {"self_attn.k_proj", "attn_k"},      {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"}, {"mlp.gate_proj", "ffn_gate"},
      {"mlp.up_proj", "ffn_up"},           {"mlp.down_proj", "ffn_down"},
  };
  static const std::pair<std::string_view, std::string_view> kGemma[] = {
      {"post_attention_layernorm", "post_attention_norm"},
      {"pre_feedforward_layernorm", "ffn_norm"},
      {"post_feedforward_layernorm", "post_ffw_norm"},
      {"self_attn.q_norm", "attn_q_norm"},
      {"self_attn.k_norm", "attn_k_norm"},
  };
  static const std::pair<std::string_view, std::string_view> kLlama[] = {
      {"post_attention_layernorm", "ffn_norm"},
  };
  auto lookup = [&](const auto& table) -> std::optional<std::string> {
    for (const auto& [hf, gguf] : table) {
      if (rest == hf) {
        return "blk." + std::string(layer) + "." + std::string(gguf) + std::string(suffix);
      }
    }
    return std::nullopt;
  };
  if (auto n = lookup(kCommon)) return n;
  return gemma ? lookup(kGemma) : lookup(kLlama);
}

}  // namespace slkv
