// Writes seed inputs for the fuzz targets: small valid GGUF files of each architecture and
// safetensors files, built with the test writers. Usage: fuzz_seed_corpus GGUF_DIR ST_DIR

#include <fstream>
#include <string>

#include "model/tiny_models.hpp"

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::string gguf_dir = argv[1], st_dir = argv[2];
  slkv::test::TinyShape s;
  s.n_layers = 1;
  s.vocab = 8;
  s.hidden = 8;
  s.ffn = 8;
  s.n_heads = 2;
  s.n_kv_heads = 1;
  s.head_dim = 4;
  for (const char* arch : {"llama", "qwen2", "gemma3"}) {
    slkv::test::GgufWriter w = slkv::test::tiny_gguf(arch, s);
    w.scalar<uint32_t>(std::string(arch) + ".attention.sliding_window", 4, 16);
    w.array<float>("extra.floats", 6, {1.0f, 2.0f});
    w.scalar<double>("extra.f64", 12, 3.0);
    w.scalar<uint8_t>("extra.bool", 7, 1);
    write(gguf_dir + "/" + arch + ".gguf", w.build());
  }
  slkv::test::GgufWriter q;
  q.tensor("q", 2, {32, 2}, std::string(36, '\x11'));
  q.tensor("k", 12, {256}, std::string(144, '\x22'));
  write(gguf_dir + "/quant.gguf", q.build(2, 64));
  write(st_dir + "/llama.safetensors",
        slkv::test::safetensors_bytes(slkv::test::tiny_hf_entries("llama", s)));
  write(st_dir + "/mixed.safetensors",
        slkv::test::safetensors_bytes({{"a", "F32", {2}, std::string(8, '\1')},
                                       {"b", "I64", {}, std::string(8, '\2')},
                                       {"c", "F4", {4}, std::string(2, '\3')},
                                       {"d", "BF16", {0, 3}, std::string()}}));
  return 0;
}
