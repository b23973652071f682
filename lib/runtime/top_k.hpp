#pragma once
// Top-k of order-preserving float keys for token selection (internal to the runtime).
//
// Keys: ordered_key(x) maps floats to unsigned integers in the same order (-0 and +0 collapse),
// so the selection runs on integers. The k largest keys win, ties toward the lower index.

#include <bit>
#include <cstdint>

namespace slkv::runtime {

inline uint32_t ordered_key(float x) {
  uint32_t bits = std::bit_cast<uint32_t>(x + 0.0f);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// Positions of the top k (0 < k < n) of keys [n], ascending, into kept [k]; lo / hi: the min
// and max key. Scratch: cand [n] int32, hist [kTopKBins] (select.hpp). Returns k.
//
// Small n, or k above a quarter of n: one radix pass (a kTopKBins histogram of the digit below
// the bits all keys share, then a sort of the bucket holding the k-th key). Otherwise a sampled
// threshold first: the rank of the k-th key among ~kTopKSamples evenly spaced keys, raised by a
// safety margin, bounds it from below; one branch-free pass keeps the positions at or above it,
// and the radix pass runs on those alone. If fewer than k survive (the margin missed), the full
// radix pass runs instead, so the result never depends on the sample.
int64_t top_k_keys(const uint32_t* keys, int64_t n, int64_t k, uint32_t lo, uint32_t hi,
                   int32_t* cand, uint32_t* hist, int32_t* kept);

inline constexpr int64_t kTopKSamples = 1024;

}  // namespace slkv::runtime
