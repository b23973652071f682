// The real test models against gguf-py's view of them (tests/reference/golden/gguf_metadata.json,
// written by tests/reference/gguf_metadata_reference.py) and against published configs.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test_env.hpp"
#include "core/error.hpp"
#include "model/checkpoint.hpp"
#include "model/gguf.hpp"
#include "model/gguf_config.hpp"

namespace slkv {
namespace {

using nlohmann::json;

const json& golden() {
  static const json j = [] {
    std::ifstream in(test::source_dir() / "tests/reference/golden/gguf_metadata.json");
    return json::parse(in);
  }();
  return j;
}

void compare_with_golden(const GgufFile& g, const json& expected) {
  ASSERT_EQ(g.metadata().size(), expected["n_metadata"].get<size_t>());
  for (const auto& [key, want] : expected["metadata"].items()) {
    SCOPED_TRACE(key);
    const GgufValue* v = g.find(key);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(gguf_type_name(v->type), want["type"].get<std::string>());
    if (v->is_array()) {
      EXPECT_EQ(gguf_type_name(v->array_type), want["element_type"].get<std::string>());
      EXPECT_EQ(v->array_size(), want["count"].get<uint64_t>());
    } else if (v->type == GgufType::kString) {
      EXPECT_EQ(v->string_value, want["value"].get<std::string>());
    } else if (v->type == GgufType::kBool) {
      EXPECT_EQ(v->int_value != 0, want["value"].get<bool>());
    } else if (gguf_type_is_float(v->type)) {
      EXPECT_EQ(v->float_value, want["value"].get<double>());  // exact: f32 widens exactly
    } else {
      EXPECT_EQ(*g.get_int(key), want["value"].get<int64_t>());
    }
  }
  const json& tensors = expected["tensors"];
  ASSERT_EQ(g.tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = g.tensors()[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.name, tensors[i]["name"].get<std::string>());
    EXPECT_EQ(static_cast<int>(t.type), tensors[i]["type"].get<int>());
    EXPECT_EQ(t.shape, tensors[i]["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(t.file_offset, tensors[i]["offset"].get<uint64_t>());
    EXPECT_EQ(t.n_bytes, tensors[i]["n_bytes"].get<uint64_t>());
  }
}

TEST(GgufReal, SmolLM2MatchesGgufPy) {
  SLKV_REQUIRE_MODEL(path, "smollm2-135m");
  GgufFile g(path.string());
  compare_with_golden(g, golden()["models"]["smollm2-135m"]);
}

TEST(GgufReal, Gemma3MatchesGgufPy) {
  SLKV_REQUIRE_MODEL(path, "gemma3-270m");
  GgufFile g(path.string());
  compare_with_golden(g, golden()["models"]["gemma3-270m"]);
}

// Published SmolLM2-135M-Instruct config (FORMATS.md section 5.1).
TEST(GgufReal, SmolLM2Config) {
  SLKV_REQUIRE_MODEL(path, "smollm2-135m");
  const ModelConfig c = config_from_gguf(GgufFile(path.string()));
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
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.rope_style, RopeStyle::kInterleaved);
  EXPECT_EQ(c.activation, "silu");
  EXPECT_FLOAT_EQ(static_cast<float>(c.norm_eps), 1e-5f);
  EXPECT_DOUBLE_EQ(c.attn_scale, 0.125);
  EXPECT_EQ(c.sliding_window, 0);
  EXPECT_EQ(c.context_length, 8192);
  EXPECT_EQ(c.bos_id, 1);
  EXPECT_EQ(c.eos_id, 2);
  EXPECT_FALSE(c.add_bos);
  EXPECT_EQ(c.stop_ids.front(), 2);  // <|im_end|>
}

// Gemma 3 270M: values from the file (golden, via gguf-py) plus the architecture's rules.
TEST(GgufReal, Gemma3Config) {
  SLKV_REQUIRE_MODEL(path, "gemma3-270m");
  const ModelConfig c = config_from_gguf(GgufFile(path.string()));
  const json& m = golden()["models"]["gemma3-270m"]["metadata"];
  auto meta = [&](const char* k) { return m[k]["value"]; };
  EXPECT_EQ(c.arch, "gemma3");
  EXPECT_EQ(c.n_layers, meta("gemma3.block_count").get<int64_t>());
  EXPECT_EQ(c.n_heads, meta("gemma3.attention.head_count").get<int64_t>());
  EXPECT_EQ(c.n_kv_heads, meta("gemma3.attention.head_count_kv").get<int64_t>());
  EXPECT_EQ(c.head_dim, meta("gemma3.attention.key_length").get<int64_t>());
  EXPECT_EQ(c.hidden, meta("gemma3.embedding_length").get<int64_t>());
  EXPECT_EQ(c.ffn_hidden, meta("gemma3.feed_forward_length").get<int64_t>());
  EXPECT_EQ(c.rope_base, meta("gemma3.rope.freq_base").get<double>());
  EXPECT_EQ(c.sliding_window, meta("gemma3.attention.sliding_window").get<int64_t>());
  EXPECT_EQ(c.vocab_size,
            golden()["models"]["gemma3-270m"]["metadata"]["tokenizer.ggml.tokens"]["count"]
                .get<int64_t>());
  EXPECT_EQ(c.n_layers, 18);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.rope_base_local, 10000.0);  // no rope.freq_base_swa in this file
  EXPECT_EQ(c.rope_style, RopeStyle::kHalf);
  EXPECT_EQ(c.activation, "gelu_tanh");
  EXPECT_TRUE(c.qk_norm);
  EXPECT_TRUE(c.post_norms);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.norm_weight_offset, 0.0);
  EXPECT_DOUBLE_EQ(c.embedding_scale, std::sqrt(640.0));
  EXPECT_DOUBLE_EQ(c.attn_scale, 1.0 / 16.0);
  ASSERT_EQ(c.layer_sliding.size(), 18u);
  for (int i = 0; i < 18; ++i) EXPECT_EQ(c.layer_sliding[i], (i + 1) % 6 != 0) << i;
  EXPECT_EQ(c.bos_id, 2);
  EXPECT_EQ(c.eos_id, 1);
  EXPECT_TRUE(c.add_bos);
  EXPECT_EQ(c.stop_ids, (std::vector<int64_t>{1, 106}));  // <eos>, <end_of_turn>
}

TEST(GgufReal, CheckpointOpensBothModelsWithStableFingerprints) {
  for (const char* name : {"smollm2-135m", "gemma3-270m"}) {
    const auto path = test::model_path(name);
    if (path.empty()) GTEST_SKIP() << name << " not fetched";
    auto a = Checkpoint::open(path.string());
    auto b = Checkpoint::open(path.string());
    EXPECT_EQ(a->fingerprint(), b->fingerprint());
    EXPECT_EQ(a->fingerprint().size(), 32u);
    EXPECT_EQ(a->format(), CheckpointFormat::kGguf);
    ASSERT_NE(a->gguf(), nullptr);
    EXPECT_EQ(a->tensors().size(), a->gguf()->tensors().size());
    EXPECT_EQ(a->require("blk.0.attn_q.weight").shape[1], a->config().hidden);
    EXPECT_EQ(a->find("output.weight"), nullptr);  // both are tied
    try {
      a->require("blk.99.attn_q.weight");
      ADD_FAILURE();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("blk.99.attn_q.weight"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
    }
  }
  const auto s = test::model_path("smollm2-135m");
  const auto g = test::model_path("gemma3-270m");
  if (!s.empty() && !g.empty()) {
    EXPECT_NE(Checkpoint::open(s.string())->fingerprint(),
              Checkpoint::open(g.string())->fingerprint());
  }
}

}  // namespace
}  // namespace slkv
