#pragma once
// Loads the dequantization goldens written by tests/reference/dequant_reference.py
// (tests/data/dequant/) and regenerates their pseudo-random block streams. Shared by the CPU
// test (tests/model) and the GPU parity test (tests/kernels).

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/test_env.hpp"
#include "core/hash.hpp"

namespace slkv::test {

inline std::filesystem::path dequant_data_dir() {
  return source_dir() / "tests" / "data" / "dequant";
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

inline std::vector<uint8_t> from_hex(const std::string& hex) {
  if (hex.size() % 2) throw std::runtime_error("odd-length hex string");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::runtime_error("bad hex digit");
  };
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

// Counter-based splitmix64 byte stream, identical to splitmix64_bytes() in the Python script:
// u64 number i (from 1) = mix(seed + i * golden ratio), written little-endian.
inline std::vector<uint8_t> splitmix64_bytes(uint64_t seed, size_t n_bytes) {
  std::vector<uint8_t> out(n_bytes);
  for (size_t i = 0; i < n_bytes; i += 8) {
    uint64_t z = seed + (i / 8 + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (size_t k = 0; k < 8 && i + k < n_bytes; ++k)
      out[i + k] = static_cast<uint8_t>(z >> (8 * k));
  }
  return out;
}

// XXH3-128 of f32 values as little-endian bytes, the digest xxhash.xxh3_128_hexdigest prints.
inline std::string f32_hash(const float* values, size_t n) {
  Hasher h;
  h.feed(values, n * sizeof(float));
  return h.hex();
}

// The ten block-quantized types with synthetic goldens (float types live in float.json).
inline const std::vector<std::string>& golden_block_types() {
  static const std::vector<std::string> kTypes = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                                  "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};
  return kTypes;
}

}  // namespace slkv::test
