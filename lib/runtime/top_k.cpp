#include "runtime/top_k.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SLKV_TOP_K_AVX2 1
#endif

#include "runtime/select.hpp"

namespace slkv::runtime {
namespace {

// The k-th largest key `thr` and how many keys equal to it are kept (`n_eq`, the lowest
// positions first).
struct Threshold {
  uint32_t thr;
  int64_t n_eq;
};

// Threshold of the top k (0 < k <= n) of the n keys keys[pos(i)], i in [0, n), where pos is
// ascending; lo / hi bound those keys. `members` receives the bucket of the k-th key and must
// not overlap what pos reads.
template <class Pos>
Threshold kth_key(const uint32_t* keys, int64_t n, Pos pos, int64_t k, uint32_t lo, uint32_t hi,
                  int32_t* members, uint32_t* hist) {
  if (lo == hi) return {hi, k};
  // Histogram of the kTopKBins-wide digit just below the bits all keys share;
  // (key - lo) >> shift < kTopKBins because hi - lo < 2^(top_bit + 1).
  const int top_bit = 31 - std::countl_zero(lo ^ hi);
  const int shift = std::max(0, top_bit + 1 - std::countr_zero(unsigned{kTopKBins}));
  std::fill(hist, hist + kTopKBins, 0u);
  for (int64_t i = 0; i < n; ++i) ++hist[(keys[pos(i)] - lo) >> shift];
  int64_t need = k;
  uint32_t b = kTopKBins;
  while (b-- > 0) {
    if (static_cast<int64_t>(hist[b]) >= need) break;
    need -= hist[b];
  }
  // Resolve inside bucket b: sort its members by (key desc, position asc), take `need`.
  int64_t n_members = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t p = pos(i);
    if (((keys[p] - lo) >> shift) == b) members[n_members++] = p;
  }
  std::sort(members, members + n_members,
            [&](int32_t x, int32_t y) { return keys[x] != keys[y] ? keys[x] > keys[y] : x < y; });
  Threshold t{keys[members[need - 1]], 0};
  for (int64_t i = 0; i < need; ++i) t.n_eq += keys[members[i]] == t.thr;
  return t;
}

// Writes the positions pos(i) (ascending) whose key beats t, or ties it within the first
// t.n_eq, into kept; stops at k. Branch-free: each position is stored at the cursor, which
// advances only when it is kept (a branch taken for ~k/n of positions mispredicts far more).
template <class Pos>
int64_t write_kept(const uint32_t* keys, int64_t n, Pos pos, int64_t k, Threshold t,
                   int32_t* kept) {
  int64_t written = 0, n_eq = t.n_eq;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t p = pos(i);
    const uint32_t key = keys[p];
    const bool eq = key == t.thr;
    const bool take = key > t.thr || (eq && n_eq > 0);
    n_eq -= eq & take;
    kept[written] = p;
    written += take;
    if (written == k) break;  // so the store above never reaches kept[k]
  }
  return written;
}

// Positions j of keys [n] with keys[j] >= floor_key, ascending, into cand; returns how many.
// Branch-free: position j is stored at the cursor, which advances only when it is selected.
int64_t select_at_least_scalar(const uint32_t* keys, int64_t n, uint32_t floor_key, int32_t* cand) {
  int64_t n_sel = 0;
  for (int64_t j = 0; j < n; ++j) {
    cand[n_sel] = static_cast<int32_t>(j);
    n_sel += keys[j] >= floor_key;
  }
  return n_sel;
}

#ifdef SLKV_TOP_K_AVX2
// Left-packing shuffles: entry m lists the set bits of m (lane numbers), padded with zeros.
struct PackTable {
  uint8_t lanes[256][8];
  constexpr PackTable() : lanes{} {
    for (int m = 0; m < 256; ++m) {
      int c = 0;
      for (int b = 0; b < 8; ++b)
        if (m >> b & 1) lanes[m][c++] = static_cast<uint8_t>(b);
    }
  }
};
constexpr PackTable kPack;

// Same as select_at_least_scalar, eight keys per step: compare, then store the selected
// positions packed to the left at the cursor, unconditionally (a branch on an empty mask
// mispredicts); the store reaches 8 past the cursor, which never passes j, so cand [n] has room.
__attribute__((target("avx2"))) int64_t select_at_least_avx2(const uint32_t* keys, int64_t n,
                                                             uint32_t floor_key, int32_t* cand) {
  const __m256i floor_v = _mm256_set1_epi32(static_cast<int>(floor_key));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int64_t n_sel = 0, j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i k = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + j));
    const __m256i ge = _mm256_cmpeq_epi32(_mm256_max_epu32(k, floor_v), k);  // unsigned >=
    const auto mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(ge)));
    const __m256i perm =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kPack.lanes[mask])));
    const __m256i pos = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(j)), lane);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(cand + n_sel),
                        _mm256_permutevar8x32_epi32(pos, perm));
    n_sel += std::popcount(mask);
  }
  for (; j < n; ++j) {
    cand[n_sel] = static_cast<int32_t>(j);
    n_sel += keys[j] >= floor_key;
  }
  return n_sel;
}
#endif

int64_t select_at_least(const uint32_t* keys, int64_t n, uint32_t floor_key, int32_t* cand) {
#ifdef SLKV_TOP_K_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return select_at_least_avx2(keys, n, floor_key, cand);
#endif
  return select_at_least_scalar(keys, n, floor_key, cand);
}

int64_t top_k_full(const uint32_t* keys, int64_t n, int64_t k, uint32_t lo, uint32_t hi,
                   int32_t* cand, uint32_t* hist, int32_t* kept) {
  auto identity = [](int64_t i) { return static_cast<int32_t>(i); };
  const Threshold t = kth_key(keys, n, identity, k, lo, hi, cand, hist);
  return write_kept(keys, n, identity, k, t, kept);
}

}  // namespace

int64_t top_k_keys(const uint32_t* keys, int64_t n, int64_t k, uint32_t lo, uint32_t hi,
                   int32_t* cand, uint32_t* hist, int32_t* kept) {
  if (n < 8 * kTopKSamples || k > n / 4 || lo == hi)
    return top_k_full(keys, n, k, lo, hi, cand, hist, kept);
  // Sample ranks: the k-th key sits near rank k * m / n of m evenly spaced samples; four
  // binomial standard deviations plus 8 above that, the sampled key is below it almost always.
  const int64_t stride = n / kTopKSamples, m = n / stride;
  uint32_t* sample = hist;  // [m <= 2 * kTopKSamples <= kTopKBins], reused by the radix pass
  for (int64_t i = 0; i < m; ++i) sample[i] = keys[i * stride];
  const double expect = static_cast<double>(k) * static_cast<double>(m) / static_cast<double>(n);
  const auto rank = static_cast<int64_t>(expect + 4.0 * std::sqrt(expect) + 8.0);
  if (rank >= m) return top_k_full(keys, n, k, lo, hi, cand, hist, kept);
  std::nth_element(sample, sample + rank, sample + m, std::greater<>());
  const uint32_t floor_key = sample[rank];
  // Positions with key >= floor_key, ascending, into cand [n_sel].
  const int64_t n_sel = select_at_least(keys, n, floor_key, cand);
  // Too few (the sample missed) or too many for the bucket scratch behind them: full pass.
  if (n_sel < k || 2 * n_sel > n) return top_k_full(keys, n, k, lo, hi, cand, hist, kept);
  auto selected = [cand](int64_t i) { return cand[i]; };
  const Threshold t = kth_key(keys, n_sel, selected, k, floor_key, hi, cand + n_sel, hist);
  return write_kept(keys, n_sel, selected, k, t, kept);
}

}  // namespace slkv::runtime
