#pragma once
// ModelConfig from a Hugging Face config.json (FORMATS.md section 7.2) for llama, mistral,
// qwen2 and gemma3 (model_type "gemma3_text", or "gemma3" with a nested text_config), and the
// mapping of Hugging Face tensor names onto GGUF names (FORMATS.md section 3.2).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/model_config.hpp"

namespace slkv {

// Fills everything config.json determines. Special tokens come from config.json's ids;
// load_hf_config adds end-of-turn tokens and add_bos from tokenizer.json. Does not validate
// (the checkpoint reconciles tied embeddings with the tensors first). `source` names the file
// in errors.
ModelConfig config_from_hf_json(const nlohmann::json& config, const std::string& source);

// Reads `dir`/config.json (and tokenizer.json / generation_config.json when present).
ModelConfig load_hf_config(const std::string& dir);

// GGUF name of a Hugging Face tensor ("model.layers.3.self_attn.q_proj.weight" ->
// "blk.3.attn_q.weight"), or nullopt for tensors slkv does not use (vision tower, rotary
// buffers). `arch` is ModelConfig::arch.
std::optional<std::string> hf_to_gguf_tensor_name(std::string_view hf_name, std::string_view arch);

}  // namespace slkv
