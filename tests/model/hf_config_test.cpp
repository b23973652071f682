#include "model/hf_config.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"

namespace slkv {
namespace {

using nlohmann::json;

// SmolLM2-135M-Instruct's published config.json (FORMATS.md section 5.1).
json smollm2() {
  return json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 576,
    "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
    "num_key_value_heads": 3, "hidden_act": "silu", "max_position_embeddings": 8192,
    "rms_norm_eps": 1e-05, "rope_theta": 100000, "rope_scaling": null,
    "attention_bias": false, "mlp_bias": false, "tie_word_embeddings": true,
    "vocab_size": 49152, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2})");
}

// Gemma 3 1B (FORMATS.md section 4.3), old spelling.
json gemma3_1b() {
  return json::parse(R"({
    "model_type": "gemma3_text", "hidden_size": 1152, "intermediate_size": 6912,
    "num_hidden_layers": 26, "num_attention_heads": 4, "num_key_value_heads": 1,
    "head_dim": 256, "vocab_size": 262144, "max_position_embeddings": 32768,
    "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
    "rope_scaling": null, "query_pre_attn_scalar": 256, "sliding_window": 512,
    "sliding_window_pattern": 6, "hidden_activation": "gelu_pytorch_tanh",
    "final_logit_softcapping": null, "attn_logit_softcapping": null,
    "bos_token_id": 2, "eos_token_id": [1, 106], "pad_token_id": 0})");
}

std::string error_of(const json& j) {
  try {
    config_from_hf_json(j, "fixture/config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HfConfig, Llama) {
  const ModelConfig c = config_from_hf_json(smollm2(), "config.json");
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.n_layers, 30);
  EXPECT_EQ(c.n_heads, 9);
  EXPECT_EQ(c.n_kv_heads, 3);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.hidden, 576);
  EXPECT_EQ(c.ffn_hidden, 1536);
  EXPECT_EQ(c.vocab_size, 49152);
  EXPECT_EQ(c.rope_base, 100000.0);
  EXPECT_EQ(c.n_rot, 64);
  EXPECT_EQ(c.rope_style, RopeStyle::kHalf);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.norm_weight_offset, 0.0);
  EXPECT_EQ(c.embedding_scale, 1.0);
  EXPECT_DOUBLE_EQ(c.attn_scale, 0.125);
  EXPECT_EQ(c.rope_scaling.type, "none");
  EXPECT_EQ(c.sliding_window, 0);
  EXPECT_EQ(c.layer_sliding, std::vector<bool>(30, false));
  EXPECT_EQ(c.bos_id, 1);
  EXPECT_EQ(c.eos_id, 2);
  EXPECT_EQ(c.pad_id, 2);
  EXPECT_EQ(c.stop_ids, (std::vector<int64_t>{2}));
  EXPECT_NO_THROW(validate_model_config(c, "config.json"));
}

TEST(HfConfig, RopeScalingBothSpellings) {
  json j = smollm2();
  j["rope_scaling"] = {{"rope_type", "llama3"},
                       {"factor", 8.0},
                       {"low_freq_factor", 1.0},
                       {"high_freq_factor", 4.0},
                       {"original_max_position_embeddings", 8192}};
  ModelConfig c = config_from_hf_json(j, "c");
  EXPECT_EQ(c.rope_scaling.type, "llama3");
  EXPECT_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_EQ(c.rope_scaling.original_context, 8192);
  j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  c = config_from_hf_json(j, "c");
  EXPECT_EQ(c.rope_scaling.type, "linear");
  EXPECT_EQ(c.rope_scaling.factor, 2.0);

  // transformers >= 5: rope_parameters replaces rope_theta and rope_scaling.
  json v5 = smollm2();
  v5.erase("rope_theta");
  v5.erase("rope_scaling");
  v5["rope_parameters"] = {{"rope_type", "yarn"}, {"rope_theta", 250000.0}, {"factor", 4.0}};
  c = config_from_hf_json(v5, "c");
  EXPECT_EQ(c.rope_base, 250000.0);
  EXPECT_EQ(c.rope_base_local, 250000.0);
  EXPECT_EQ(c.rope_scaling.type, "yarn");
  EXPECT_EQ(c.rope_scaling.factor, 4.0);
  v5["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 5000.0}};
  c = config_from_hf_json(v5, "c");
  EXPECT_EQ(c.rope_base, 5000.0);
  EXPECT_EQ(c.rope_scaling.type, "none");
}

TEST(HfConfig, MistralSlidesEveryLayer) {
  json j = smollm2();
  j["model_type"] = "mistral";
  j["sliding_window"] = 4096;
  j["head_dim"] = 32;
  const ModelConfig c = config_from_hf_json(j, "c");
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.head_dim, 32);  // explicit head_dim wins over hidden / heads
  EXPECT_EQ(c.sliding_window, 4096);
  EXPECT_EQ(c.layer_sliding, std::vector<bool>(30, true));
  j["sliding_window"] = nullptr;
  EXPECT_EQ(config_from_hf_json(j, "c").sliding_window, 0);
}

TEST(HfConfig, Qwen2) {
  json j = smollm2();
  j["model_type"] = "qwen2";
  j["eos_token_id"] = 151645;
  j["use_sliding_window"] = false;
  j["sliding_window"] = 32768;
  ModelConfig c = config_from_hf_json(j, "c");
  EXPECT_EQ(c.arch, "qwen2");
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_EQ(c.sliding_window, 0);
  EXPECT_EQ(c.layer_sliding, std::vector<bool>(30, false));
  j["use_sliding_window"] = true;
  j["max_window_layers"] = 28;
  c = config_from_hf_json(j, "c");
  EXPECT_EQ(c.sliding_window, 32768);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(c.layer_sliding[i], i >= 28) << i;
}

TEST(HfConfig, Gemma3Text) {
  const ModelConfig c = config_from_hf_json(gemma3_1b(), "c");
  EXPECT_EQ(c.arch, "gemma3");
  EXPECT_EQ(c.n_layers, 26);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.rope_base, 1e6);
  EXPECT_EQ(c.rope_base_local, 1e4);
  EXPECT_EQ(c.activation, "gelu_tanh");
  EXPECT_EQ(c.norm_weight_offset, 1.0);
  EXPECT_DOUBLE_EQ(c.embedding_scale, std::sqrt(1152.0));
  EXPECT_DOUBLE_EQ(c.attn_scale, 1.0 / 16.0);
  EXPECT_TRUE(c.qk_norm);
  EXPECT_TRUE(c.post_norms);
  EXPECT_TRUE(c.tied_embeddings);  // gemma3 default
  EXPECT_EQ(c.sliding_window, 512);
  for (int i = 0; i < 26; ++i) EXPECT_EQ(c.layer_sliding[i], (i + 1) % 6 != 0) << i;
  EXPECT_EQ(c.stop_ids, (std::vector<int64_t>{1, 106}));
  EXPECT_TRUE(c.add_bos);

  json j = gemma3_1b();
  j["query_pre_attn_scalar"] = 168;  // 27B
  EXPECT_DOUBLE_EQ(config_from_hf_json(j, "c").attn_scale, 1.0 / std::sqrt(168.0));
}

TEST(HfConfig, Gemma3NestedTextConfigLayerTypesAndRopeParameters) {
  json text = gemma3_1b();
  text.erase("model_type");
  text.erase("sliding_window_pattern");
  text.erase("rope_theta");
  text.erase("rope_local_base_freq");
  text.erase("rope_scaling");
  text.erase("eos_token_id");
  text["num_hidden_layers"] = 4;
  text["layer_types"] = {"sliding_attention", "full_attention", "sliding_attention",
                         "sliding_attention"};
  text["rope_parameters"] = {
      {"full_attention", {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 1e6}}},
      {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 1e4}}}};
  const json root = {
      {"model_type", "gemma3"}, {"text_config", text}, {"eos_token_id", [] {
                                                          return json::array({1, 106});
                                                        }()}};
  const ModelConfig c = config_from_hf_json(root, "c");
  EXPECT_EQ(c.arch, "gemma3");
  EXPECT_EQ(c.layer_sliding, (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(c.rope_base, 1e6);
  EXPECT_EQ(c.rope_base_local, 1e4);
  EXPECT_EQ(c.rope_scaling.type, "linear");
  EXPECT_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_EQ(c.stop_ids, (std::vector<int64_t>{1, 106}));  // from the top level
}

TEST(HfConfig, ErrorsNameTheFileAndField) {
  auto expect = [](const json& j, const std::string& what) {
    const std::string e = error_of(j);
    EXPECT_NE(e.find("fixture/config.json"), std::string::npos) << e;
    EXPECT_NE(e.find(what), std::string::npos) << e;
  };
  json j = smollm2();
  j["model_type"] = "gpt_neox";
  expect(j, "unsupported model_type 'gpt_neox'");
  j = smollm2();
  j.erase("num_hidden_layers");
  expect(j, "missing field 'num_hidden_layers'");
  j = smollm2();
  j["hidden_size"] = "576";
  expect(j, "field 'hidden_size' must be an integer");
  j = smollm2();
  j["rope_scaling"] = {{"rope_type", "mystery"}};
  expect(j, "unknown rope scaling type 'mystery'");
  j = smollm2();
  j["hidden_act"] = "relu";
  expect(j, "unsupported activation 'relu'");
  j = smollm2();
  j["attention_bias"] = true;
  expect(j, "attention_bias");
  j = gemma3_1b();
  j["layer_types"] = {"full_attention"};
  expect(j, "layer_types");
  j = gemma3_1b();
  j["attn_logit_softcapping"] = 50.0;
  expect(j, "softcapping");
  expect(json::array(), "not a JSON object");
  expect(json{{"model_type", "gemma3"}}, "text_config");
}

TEST(HfConfig, TensorNameMapping) {
  auto map = [](const char* n, const char* arch) {
    return hf_to_gguf_tensor_name(n, arch).value_or("<none>");
  };
  EXPECT_EQ(map("model.embed_tokens.weight", "llama"), "token_embd.weight");
  EXPECT_EQ(map("model.norm.weight", "llama"), "output_norm.weight");
  EXPECT_EQ(map("lm_head.weight", "llama"), "output.weight");
  EXPECT_EQ(map("model.layers.12.self_attn.q_proj.weight", "llama"), "blk.12.attn_q.weight");
  EXPECT_EQ(map("model.layers.0.self_attn.k_proj.bias", "qwen2"), "blk.0.attn_k.bias");
  EXPECT_EQ(map("model.layers.3.self_attn.o_proj.weight", "qwen2"), "blk.3.attn_output.weight");
  EXPECT_EQ(map("model.layers.3.post_attention_layernorm.weight", "llama"),
            "blk.3.ffn_norm.weight");
  EXPECT_EQ(map("model.layers.3.post_attention_layernorm.weight", "gemma3"),
            "blk.3.post_attention_norm.weight");
  EXPECT_EQ(map("model.layers.3.pre_feedforward_layernorm.weight", "gemma3"),
            "blk.3.ffn_norm.weight");
  EXPECT_EQ(map("model.layers.3.post_feedforward_layernorm.weight", "gemma3"),
            "blk.3.post_ffw_norm.weight");
  EXPECT_EQ(map("model.layers.3.self_attn.q_norm.weight", "gemma3"), "blk.3.attn_q_norm.weight");
  EXPECT_EQ(map("language_model.model.layers.1.mlp.down_proj.weight", "gemma3"),
            "blk.1.ffn_down.weight");
  EXPECT_EQ(map("model.language_model.layers.1.mlp.up_proj.weight", "gemma3"),
            "blk.1.ffn_up.weight");
  EXPECT_EQ(map("vision_tower.vision_model.embeddings.patch_embedding.weight", "gemma3"), "<none>");
  EXPECT_EQ(map("model.layers.1.self_attn.rotary_emb.inv_freq", "llama"), "<none>");
  EXPECT_EQ(map("model.layers.x.mlp.up_proj.weight", "llama"), "<none>");
  EXPECT_EQ(map("model.layers.3.pre_feedforward_layernorm.weight", "llama"), "<none>");
}

}  // namespace
}  // namespace slkv
