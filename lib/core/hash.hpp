#pragma once
// Stable 128-bit content hashes (XXH3-128) for model fingerprints and file checksums. Printed
// as 32 lowercase hex digits. Stable across platforms and releases of xxHash.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace slkv {

// Incremental hasher; feed() in a fixed order to get a stable digest.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void feed(const void* data, size_t n_bytes);
  void feed(std::string_view s);  // length-prefixed, so "ab"+"c" != "a"+"bc"
  void feed_u64(uint64_t v);
  std::string hex() const;  // 32 hex digits

 private:
  void* state_;
};

std::string hash_hex(std::string_view bytes);

}  // namespace slkv
