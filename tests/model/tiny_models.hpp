#pragma once
// Tiny checkpoints generated in the test: GGUF files and HF directories with every tensor an
// architecture needs, in the right shapes (all zero), plus a safetensors writer.

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/gguf_writer.hpp"
#include "model/temp_dir.hpp"

namespace slkv::test {

struct TinyShape {
  int64_t n_layers = 2, n_heads = 4, n_kv_heads = 2, head_dim = 8, hidden = 32, ffn = 64,
          vocab = 16;
};

// (GGUF name, PyTorch shape) of every tensor `arch` needs.
inline std::vector<std::pair<std::string, std::vector<int64_t>>> tiny_tensors(
    const std::string& arch, const TinyShape& s, bool tied = true) {
  const int64_t q = s.n_heads * s.head_dim, kv = s.n_kv_heads * s.head_dim;
  std::vector<std::pair<std::string, std::vector<int64_t>>> t = {
      {"token_embd.weight", {s.vocab, s.hidden}}, {"output_norm.weight", {s.hidden}}};
  if (!tied) t.push_back({"output.weight", {s.vocab, s.hidden}});
  for (int64_t i = 0; i < s.n_layers; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    t.push_back({b + "attn_norm.weight", {s.hidden}});
    t.push_back({b + "attn_q.weight", {q, s.hidden}});
    t.push_back({b + "attn_k.weight", {kv, s.hidden}});
    t.push_back({b + "attn_v.weight", {kv, s.hidden}});
    t.push_back({b + "attn_output.weight", {s.hidden, q}});
    t.push_back({b + "ffn_norm.weight", {s.hidden}});
    t.push_back({b + "ffn_gate.weight", {s.ffn, s.hidden}});
    t.push_back({b + "ffn_up.weight", {s.ffn, s.hidden}});
    t.push_back({b + "ffn_down.weight", {s.hidden, s.ffn}});
    if (arch == "qwen2") {
      t.push_back({b + "attn_q.bias", {q}});
      t.push_back({b + "attn_k.bias", {kv}});
      t.push_back({b + "attn_v.bias", {kv}});
    }
    if (arch == "gemma3") {
      t.push_back({b + "attn_q_norm.weight", {s.head_dim}});
      t.push_back({b + "attn_k_norm.weight", {s.head_dim}});
      t.push_back({b + "post_attention_norm.weight", {s.hidden}});
      t.push_back({b + "post_ffw_norm.weight", {s.hidden}});
    }
  }
  return t;
}

// A GGUF writer preloaded with `arch` metadata and F32 tensors. Callers may add more before
// build().
inline GgufWriter tiny_gguf(const std::string& arch, const TinyShape& s = {}, bool tied = true) {
  GgufWriter w;
  w.string("general.architecture", arch);
  w.string("general.name", "tiny " + arch);
  w.scalar<uint32_t>(arch + ".block_count", 4, static_cast<uint32_t>(s.n_layers));
  w.scalar<uint32_t>(arch + ".embedding_length", 4, static_cast<uint32_t>(s.hidden));
  w.scalar<uint64_t>(arch + ".feed_forward_length", 10, static_cast<uint64_t>(s.ffn));
  w.scalar<int32_t>(arch + ".attention.head_count", 5, static_cast<int32_t>(s.n_heads));
  w.array<uint16_t>(arch + ".attention.head_count_kv", 2,
                    std::vector<uint16_t>(s.n_layers, static_cast<uint16_t>(s.n_kv_heads)));
  w.scalar<float>(arch + ".attention.layer_norm_rms_epsilon", 6, 1e-6f);
  w.scalar<float>(arch + ".rope.freq_base", 6, 500000.0f);
  std::vector<std::string> tokens;
  for (int64_t i = 0; i < s.vocab; ++i)
    tokens.push_back(std::string(1, 't').append(std::to_string(i)));
  tokens[3] = "<end_of_turn>";
  w.string_array("tokenizer.ggml.tokens", tokens);
  w.string("tokenizer.ggml.model", "llama");
  w.scalar<uint32_t>("tokenizer.ggml.eos_token_id", 4, 1);
  for (const auto& [name, shape] : tiny_tensors(arch, s, tied)) {
    std::vector<uint64_t> ne(shape.rbegin(), shape.rend());
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    w.tensor(name, 0, ne, std::string(static_cast<size_t>(n) * 4, '\0'));
  }
  return w;
}

struct SafetensorsEntry {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string data;
};

// Bytes of a safetensors file holding `entries` back to back in the given order.
inline std::string safetensors_bytes(const std::vector<SafetensorsEntry>& entries) {
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  std::string buffer;
  for (const SafetensorsEntry& e : entries) {
    header[e.name] = {
        {"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {offset, offset + e.data.size()}}};
    offset += e.data.size();
    buffer += e.data;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';
  std::string out(8, '\0');
  const uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  return out + text + buffer;
}

// HF name for a GGUF tensor name of the tiny models (inverse of hf_to_gguf_tensor_name).
inline std::string tiny_hf_name(const std::string& gguf, const std::string& arch) {
  if (gguf == "token_embd.weight") return "model.embed_tokens.weight";
  if (gguf == "output_norm.weight") return "model.norm.weight";
  if (gguf == "output.weight") return "lm_head.weight";
  const size_t dot1 = gguf.find('.', 4);
  const std::string layer = gguf.substr(4, dot1 - 4);
  std::string rest = gguf.substr(dot1 + 1);
  const size_t last = rest.rfind('.');
  const std::string suffix = rest.substr(last);
  rest = rest.substr(0, last);
  const bool gemma = arch == "gemma3";
  const std::vector<std::pair<std::string, std::string>> map = {
      {"attn_norm", "input_layernorm"},
      {"attn_q", "self_attn.q_proj"},
      {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},
      {"attn_output", "self_attn.o_proj"},
      {"ffn_gate", "mlp.gate_proj"},
      {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"},
      {"ffn_norm", gemma ? "pre_feedforward_layernorm" : "post_attention_layernorm"},
      {"post_attention_norm", "post_attention_layernorm"},
      {"post_ffw_norm", "post_feedforward_layernorm"},
      {"attn_q_norm", "self_attn.q_norm"},
      {"attn_k_norm", "self_attn.k_norm"},
  };
  for (const auto& [g, h] : map) {
    if (rest == g) return "model.layers." + layer + "." + h + suffix;
  }
  return "unmapped." + gguf;
}

// BF16 safetensors entries of the tiny model (all zero).
inline std::vector<SafetensorsEntry> tiny_hf_entries(const std::string& arch, const TinyShape& s,
                                                     bool tied = true) {
  std::vector<SafetensorsEntry> out;
  for (const auto& [name, shape] : tiny_tensors(arch, s, tied)) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    out.push_back(
        {tiny_hf_name(name, arch), "BF16", shape, std::string(static_cast<size_t>(n) * 2, '\0')});
  }
  return out;
}

inline nlohmann::json tiny_hf_config(const std::string& model_type, const TinyShape& s) {
  return {{"model_type", model_type},
          {"num_hidden_layers", s.n_layers},
          {"hidden_size", s.hidden},
          {"intermediate_size", s.ffn},
          {"num_attention_heads", s.n_heads},
          {"num_key_value_heads", s.n_kv_heads},
          {"head_dim", s.head_dim},
          {"vocab_size", s.vocab},
          {"max_position_embeddings", 128},
          {"rms_norm_eps", 1e-6},
          {"rope_theta", 10000.0},
          {"tie_word_embeddings", true},
          {"bos_token_id", 2},
          {"eos_token_id", 1}};
}

}  // namespace slkv::test
