#include "model/checkpoint.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "model/tiny_models.hpp"

namespace slkv {
namespace {

using test::GgufWriter;
using test::poke;
using test::TempDir;

std::string error_of(const std::string& path) {
  try {
    Checkpoint::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, OpensTinyGgufOfEachArchitecture) {
  TempDir dir("ckpt");
  for (const char* arch : {"llama", "qwen2", "gemma3"}) {
    SCOPED_TRACE(arch);
    GgufWriter w = test::tiny_gguf(arch);
    const std::string path = dir.write(std::string(arch) + ".gguf", w.build());
    auto ck = Checkpoint::open(path);
    const ModelConfig& c = ck->config();
    EXPECT_EQ(c.arch, arch);
    EXPECT_EQ(c.n_layers, 2);
    EXPECT_EQ(c.n_heads, 4);
    EXPECT_EQ(c.n_kv_heads, 2);   // from a u16 per-layer array
    EXPECT_EQ(c.head_dim, 8);     // hidden / heads without key_length
    EXPECT_EQ(c.ffn_hidden, 64);  // u64
    EXPECT_EQ(c.vocab_size, 16);  // from the token list
    EXPECT_EQ(c.rope_base, 500000.0);
    EXPECT_TRUE(c.tied_embeddings);
    EXPECT_EQ(c.rope_style,
              std::string(arch) == "llama" ? RopeStyle::kInterleaved : RopeStyle::kHalf);
    EXPECT_EQ(c.qkv_bias, std::string(arch) == "qwen2");
    EXPECT_EQ(c.stop_ids, (std::vector<int64_t>{1, 3}));  // eos, <end_of_turn>
    EXPECT_EQ(ck->format(), CheckpointFormat::kGguf);
    EXPECT_EQ(ck->tensors().size(), ck->gguf()->tensors().size());
    EXPECT_TRUE(std::is_sorted(ck->tensors().begin(), ck->tensors().end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
    EXPECT_EQ(ck->require("blk.1.attn_k.weight").shape, (std::vector<int64_t>{16, 32}));
  }
}

TEST(Checkpoint, UntiedWhenOutputPresent) {
  TempDir dir("ckpt");
  GgufWriter w = test::tiny_gguf("llama", {}, /*tied=*/false);
  auto ck = Checkpoint::open(dir.write("u.gguf", w.build()));
  EXPECT_FALSE(ck->config().tied_embeddings);
  EXPECT_NE(ck->find("output.weight"), nullptr);
}

TEST(Checkpoint, MissingTensorIsNamedWithItsExpectedShape) {
  TempDir dir("ckpt");
  GgufWriter w = test::tiny_gguf("llama");
  std::string bytes = w.build();
  bytes[w.marks.at("tensor:blk.1.ffn_up.weight") + 8 + 10] = 'X';  // ffn_up -> ffn_uX
  const std::string path = dir.write("m.gguf", bytes);
  const std::string what = error_of(path);
  EXPECT_NE(what.find(path), std::string::npos) << what;
  EXPECT_NE(what.find("missing tensor 'blk.1.ffn_up.weight' (expected shape [64, 32]"),
            std::string::npos)
      << what;
}

TEST(Checkpoint, WrongShapeIsReportedWithBothShapes) {
  TempDir dir("ckpt");
  GgufWriter w = test::tiny_gguf("gemma3");
  std::string bytes = w.build();
  poke<uint64_t>(bytes, w.marks.at("ne:blk.0.attn_k.weight") + 8, 8);
  const std::string what = error_of(dir.write("s.gguf", bytes));
  EXPECT_NE(what.find("'blk.0.attn_k.weight' has shape [8, 32], expected [16, 32]"),
            std::string::npos)
      << what;
}

TEST(Checkpoint, FingerprintCoversArchitectureAndTensorIndexOnly) {
  TempDir dir("ckpt");
  auto fp = [&](GgufWriter w, const std::string& name) {
    return Checkpoint::open(dir.write(name, w.build()))->fingerprint();
  };
  const std::string base = fp(test::tiny_gguf("llama"), "a.gguf");
  EXPECT_EQ(base.size(), 32u);
  EXPECT_EQ(base, fp(test::tiny_gguf("llama"), "b.gguf"));

  GgufWriter renamed = test::tiny_gguf("llama");
  renamed.string("general.license", "cosmetic");  // not part of the architecture
  EXPECT_EQ(base, fp(renamed, "c.gguf"));

  GgufWriter rope = test::tiny_gguf("llama");
  rope.scalar<uint32_t>("llama.attention.sliding_window", 4, 64);
  EXPECT_NE(base, fp(rope, "d.gguf"));

  GgufWriter retyped = test::tiny_gguf("llama");
  std::string bytes = retyped.build();
  poke<uint32_t>(bytes, retyped.marks.at("ggml_type:blk.0.attn_norm.weight"), 1);  // F16
  EXPECT_NE(base, Checkpoint::open(dir.write("e.gguf", bytes))->fingerprint());

  GgufWriter untied = test::tiny_gguf("llama", {}, false);
  EXPECT_NE(base, fp(untied, "f.gguf"));
}

TEST(Checkpoint, RejectsUnsupportedArchitectureAndNonUniformLayers) {
  TempDir dir("ckpt");
  GgufWriter w;
  w.string("general.architecture", "gpt2");
  EXPECT_NE(error_of(dir.write("g.gguf", w.build())).find("unsupported architecture 'gpt2'"),
            std::string::npos);

  GgufWriter v = test::tiny_gguf("llama");
  v.array<uint32_t>("llama.feed_forward_length", 4, {64, 128});
  // Duplicate key: the writer appends; the reader must reject that first.
  EXPECT_NE(error_of(dir.write("v.gguf", v.build())).find("duplicate metadata key"),
            std::string::npos);

  GgufWriter uneven = test::tiny_gguf("llama");
  std::string bytes = uneven.build();
  // Second element of the u16 head_count_kv array (after elem type u32 and count u64).
  poke<uint16_t>(bytes, uneven.marks.at("value:llama.attention.head_count_kv") + 12 + 2, 1);
  EXPECT_NE(error_of(dir.write("u.gguf", bytes)).find("varies across layers"), std::string::npos);

  GgufWriter missing;
  missing.string("general.architecture", "llama");
  EXPECT_NE(error_of(dir.write("m.gguf", missing.build())).find("llama.block_count"),
            std::string::npos);
  EXPECT_NE(error_of((dir.path() / "absent.gguf").string()).find("no such file"),
            std::string::npos);
}

TEST(Checkpoint, GemmaSlidingPatternVariants) {
  TempDir dir("ckpt");
  test::TinyShape s;
  s.n_layers = 7;
  {
    GgufWriter w = test::tiny_gguf("gemma3", s);
    w.scalar<uint32_t>("gemma3.attention.sliding_window", 4, 512);
    const ModelConfig c = Checkpoint::open(dir.write("a.gguf", w.build()))->config();
    EXPECT_EQ(c.layer_sliding, (std::vector<bool>{1, 1, 1, 1, 1, 0, 1}));  // default period 6
    EXPECT_EQ(c.rope_base_local, 10000.0);
    EXPECT_EQ(c.sliding_window, 512);
  }
  {
    GgufWriter w = test::tiny_gguf("gemma3", s);
    w.scalar<uint32_t>("gemma3.attention.sliding_window", 4, 512);
    w.scalar<uint32_t>("gemma3.attention.sliding_window_pattern", 4, 2);
    w.scalar<float>("gemma3.rope.freq_base_swa", 6, 20000.0f);
    const ModelConfig c = Checkpoint::open(dir.write("b.gguf", w.build()))->config();
    EXPECT_EQ(c.layer_sliding, (std::vector<bool>{1, 0, 1, 0, 1, 0, 1}));
    EXPECT_EQ(c.rope_base_local, 20000.0);
  }
  {
    GgufWriter w = test::tiny_gguf("gemma3", s);
    w.scalar<uint32_t>("gemma3.attention.sliding_window", 4, 512);
    w.array<uint8_t>("gemma3.attention.sliding_window_pattern", 7, {0, 1, 1, 0, 0, 1, 1});
    const ModelConfig c = Checkpoint::open(dir.write("c.gguf", w.build()))->config();
    EXPECT_EQ(c.layer_sliding, (std::vector<bool>{0, 1, 1, 0, 0, 1, 1}));
  }
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

TEST(Checkpoint, OpensHfDirectories) {
  for (const char* model_type : {"llama", "mistral", "qwen2", "gemma3_text"}) {
    SCOPED_TRACE(model_type);
    const std::string arch = std::string(model_type) == "gemma3_text" ? "gemma3"
                             : std::string(model_type) == "mistral"   ? "llama"
                                                                      : model_type;
    TempDir dir("hf");
    test::TinyShape s;
    write_text(dir.path() / "config.json", test::tiny_hf_config(model_type, s).dump());
    write_text(dir.path() / "tokenizer.json",
               R"({"added_tokens": [{"id": 3, "content": "<|im_end|>"}],
                   "post_processor": {"type": "TemplateProcessing",
                                      "single": [{"SpecialToken": {"id": "<s>"}},
                                                 {"Sequence": {"id": "A"}}]}})");
    auto entries = test::tiny_hf_entries(arch, s);
    entries.push_back({"model.rotary_emb.inv_freq", "F32", {4}, std::string(16, '\0')});
    dir.write("model.safetensors", test::safetensors_bytes(entries));
    auto ck = Checkpoint::open(dir.path().string());
    EXPECT_EQ(ck->format(), CheckpointFormat::kSafetensors);
    EXPECT_EQ(ck->gguf(), nullptr);
    EXPECT_EQ(ck->tokenizer_json_path(), (dir.path() / "tokenizer.json").string());
    EXPECT_EQ(ck->config().arch, arch);
    EXPECT_EQ(ck->config().rope_style, RopeStyle::kHalf);
    EXPECT_EQ(ck->config().stop_ids, (std::vector<int64_t>{1, 3}));
    EXPECT_TRUE(ck->config().add_bos);
    EXPECT_EQ(ck->tensors().size(), test::tiny_tensors(arch, s).size());  // inv_freq dropped
    const TensorInfo& q = ck->require("blk.1.attn_q.weight");
    EXPECT_EQ(q.type, GgmlType::BF16);
    EXPECT_EQ(q.shape, (std::vector<int64_t>{32, 32}));
    EXPECT_EQ(ck->fingerprint().size(), 32u);
  }
}

TEST(Checkpoint, HfRejectsUnsupportedDtypesAndMissingLmHead) {
  test::TinyShape s;
  {
    TempDir dir("hf");
    write_text(dir.path() / "config.json", test::tiny_hf_config("llama", s).dump());
    auto entries = test::tiny_hf_entries("llama", s);
    entries[0].dtype = "F8_E4M3";
    entries[0].data.resize(entries[0].data.size() / 2);
    dir.write("model.safetensors", test::safetensors_bytes(entries));
    try {
      Checkpoint::open(dir.path().string());
      ADD_FAILURE();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("dtype F8_E4M3"), std::string::npos) << e.what();
    }
  }
  {
    TempDir dir("hf");
    nlohmann::json config = test::tiny_hf_config("llama", s);
    config["tie_word_embeddings"] = false;
    write_text(dir.path() / "config.json", config.dump());
    dir.write("model.safetensors", test::safetensors_bytes(test::tiny_hf_entries("llama", s)));
    try {
      Checkpoint::open(dir.path().string());
      ADD_FAILURE();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("lm_head.weight"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace slkv
