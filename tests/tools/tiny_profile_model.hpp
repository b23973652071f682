#pragma once
// A tiny llama GGUF that slkv-profile can profile end to end in well under a second: 2 layers
// of 4 query heads (2 KV heads), random F32 weights from a fixed seed, and a byte-level "gpt2"
// vocabulary (the 256 byte spellings, one merge "ab", an end-of-text control token), so every
// text the probe builder makes is encodable (about one token per byte).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/gguf_writer.hpp"
#include "model/tiny_models.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv::test {

inline std::string tiny_profile_gguf(uint32_t seed = 7) {
  TinyShape s;
  s.n_layers = 2;
  s.n_heads = 4;
  s.n_kv_heads = 2;
  s.head_dim = 8;
  s.hidden = 32;
  s.ffn = 48;
  s.vocab = 258;
  const std::string arch = "llama";
  GgufWriter w;
  w.string("general.architecture", arch);
  w.string("general.name", "tiny profile model");
  w.scalar<uint32_t>(arch + ".context_length", 4, 4096);
  w.scalar<uint32_t>(arch + ".block_count", 4, static_cast<uint32_t>(s.n_layers));
  w.scalar<uint32_t>(arch + ".embedding_length", 4, static_cast<uint32_t>(s.hidden));
  w.scalar<uint32_t>(arch + ".feed_forward_length", 4, static_cast<uint32_t>(s.ffn));
  w.scalar<uint32_t>(arch + ".attention.head_count", 4, static_cast<uint32_t>(s.n_heads));
  w.scalar<uint32_t>(arch + ".attention.head_count_kv", 4, static_cast<uint32_t>(s.n_kv_heads));
  w.scalar<float>(arch + ".attention.layer_norm_rms_epsilon", 6, 1e-5f);
  w.scalar<float>(arch + ".rope.freq_base", 6, 10000.0f);
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    std::string t;
    append_utf8(byte_to_codepoint(static_cast<uint8_t>(b)), t);
    tokens.push_back(t);
  }
  tokens.push_back("ab");  // the one merge
  tokens.push_back("<|endoftext|>");
  std::vector<int32_t> types(tokens.size(), 1);
  types.back() = 3;
  w.string("tokenizer.ggml.model", "gpt2");
  w.string("tokenizer.ggml.pre", "smollm");
  w.string_array("tokenizer.ggml.tokens", tokens);
  w.array<int32_t>("tokenizer.ggml.token_type", 5, types);
  w.string_array("tokenizer.ggml.merges", {"a b"});
  w.scalar<uint32_t>("tokenizer.ggml.bos_token_id", 4, 257);
  w.scalar<uint32_t>("tokenizer.ggml.eos_token_id", 4, 257);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  for (const auto& [name, shape] : tiny_tensors(arch, s)) {
    std::vector<uint64_t> ne(shape.rbegin(), shape.rend());
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    std::vector<float> v(n);
    const bool norm = name.find("norm") != std::string::npos;
    for (float& x : v) x = norm ? 1.0f : normal(rng);
    // Zero (tied) embedding rows for the bytes 0x80-0xff: their logits are 0 while the ASCII
    // rows' are random, so greedy answers are ASCII and never a cut UTF-8 sequence (which the
    // resume checkpoint's JSON cannot hold).
    if (name == "token_embd.weight") {
      std::fill(v.begin() + 128 * s.hidden, v.begin() + 256 * s.hidden, 0.0f);
    }
    std::string bytes(n * sizeof(float), '\0');
    std::memcpy(bytes.data(), v.data(), bytes.size());
    w.tensor(name, 0, ne, bytes);
  }
  return w.build();
}

}  // namespace slkv::test
