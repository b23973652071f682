#pragma once
// Deterministic random numbers for probe generation. std::mt19937 is portable but the standard
// distributions are not (libstdc++ and libc++ draw differently), so probes would change with the
// standard library; this SplitMix64 stream and its unbiased bounded draw are fixed here.

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace slkv::probes {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n), n > 0, without modulo bias.
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x % n;
  }

  // Uniform in [lo, hi] (inclusive).
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }

  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  template <typename T>
  const T& pick(std::span<const T> items) {
    return items[static_cast<size_t>(below(items.size()))];
  }
  template <typename T, size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(below(items.size()))];
  }

  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  uint64_t state_;
};

// A seed for an independent stream: mixes a base seed with a label and an index, so the probe
// at grid cell i does not depend on how many numbers earlier probes drew.
inline uint64_t derive_seed(uint64_t seed, std::string_view label, uint64_t index) {
  uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a over the label
  for (char c : label) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001B3ull;
  Rng mix(seed ^ h);
  mix.next();
  Rng out(mix.next() ^ (index * 0xD1B54A32D192ED03ull));
  return out.next();
}

}  // namespace slkv::probes
