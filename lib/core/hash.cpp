#include "core/hash.hpp"

#include <cstdio>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace slkv {

Hasher::Hasher() : state_(XXH3_createState()) {
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}

Hasher::~Hasher() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void Hasher::feed(const void* data, size_t n_bytes) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data, n_bytes);
}

void Hasher::feed_u64(uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  feed(b, 8);
}

void Hasher::feed(std::string_view s) {
  feed_u64(s.size());
  feed(s.data(), s.size());
}

std::string Hasher::hex() const {
  XXH128_hash_t h = XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_));
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

std::string hash_hex(std::string_view bytes) {
  Hasher h;
  h.feed(bytes.data(), bytes.size());
  return h.hex();
}

}  // namespace slkv
