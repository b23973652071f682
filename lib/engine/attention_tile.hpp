#pragma once
// Register-tiled products of one prefill attention tile (engine/attention.cpp), used instead of
// its two sgemm calls when head_dim is a multiple of 16 and the CPU has AVX-512F (12 x 32 score
// tiles) or AVX2 + FMA (6 x 16; head_dim up to 128). The sgemm path packs the queries, the key
// block, the probability tile and the value block on every call and zeroes the score tile first
// (5.3 of attention's 31.8% of a 2,048-token prefill); here the keys are packed once per layer
// call into 32-key panels that every query block reads. The AVX-512 kernels read queries,
// probabilities and values where they lie; the AVX2 ones read the queries as 6-row micro-panels
// packed once per tile and the values as 16-dimension slices, packed once per layer call by
// prefill (pack_value_slices) or per call by tile_accumulate. Products
// are f32 FMAs in another order than sgemm's (tests/engine/attention_test.cpp, AttentionTile,
// checks the summation bound).

#include <cstdint>
#include <vector>

#include "engine/kv_cache.hpp"

namespace slkv {

inline constexpr int64_t kKeyPanel = 32;  // keys per panel

// Whether the kernels run here for this head_dim (and the limit below allows them).
bool attention_tile_supported(int64_t head_dim);

// Floats of the panels of n keys: ceil(n / 32) * 32 * head_dim.
int64_t key_panels_size(int64_t n_keys, int64_t head_dim);

// Keys [first, first + n) of `stream`, widened to f32, as panels [n_panels][head_dim][32]
// (keys past n are zero). `panels` holds key_panels_size(n, head_dim) floats.
void pack_key_panels(const KvStream& stream, int64_t first, int64_t n, int64_t head_dim,
                     float* panels);

namespace detail {
enum class TileIsa { kNone, kAvx2, kAvx512 };  // ordered; kNone: the sgemm products
}  // namespace detail

// The queries of one tile (rows [rows, head_dim] at stride q_ld) as the score kernels read
// them: in place for AVX-512, packed into 6-row micro-panels in `buffer` for AVX2. Prepared
// once per tile, for all its key blocks; valid while q (AVX-512) or buffer (AVX2) is.
struct TileQueries {
  const float* q;
  int64_t q_ld;
  int64_t rows;
  detail::TileIsa isa;
};
TileQueries prepare_tile_queries(const float* q, int64_t q_ld, int64_t rows, int64_t head_dim,
                                 std::vector<float>& buffer);

// s[r * s_ld + j] = scale * q[r] . key j, for r < rows and j < nk, the keys being the first nk
// of `panels` (a block starting on a panel boundary); nothing past nk is written. `q` comes
// from prepare_tile_queries.
void tile_scores(const TileQueries& q, const float* panels, int64_t nk, int64_t head_dim,
                 float scale, float* s, int64_t s_ld);

// acc[r * head_dim + d] += sum_j p[r * p_ld + j] * v[j * head_dim + d], for r < rows, j < nk,
// d < head_dim. Needs attention_tile_supported.
void tile_accumulate(const float* p, int64_t p_ld, int64_t rows, const float* v, int64_t nk,
                     int64_t head_dim, float* acc);

// Whether tile_accumulate's kernels here (AVX2) read the values as 16-dimension slices, which
// prefill packs once per layer call with pack_value_slices (as it packs the keys) instead of
// once per query block; the AVX-512 kernels read value rows in place.
bool tile_values_as_slices(int64_t head_dim);

// Values [first, first + n) of `stream`, widened to f32, as slices [head_dim / 16][n_pad][16],
// n_pad = n rounded up to 32 (keys past n zero): value j, dimensions [16c, 16c + 16) at
// slices[c * n_pad * 16 + j * 16]. `slices` holds key_panels_size(n, head_dim) floats.
void pack_value_slices(const KvStream& stream, int64_t first, int64_t n, int64_t head_dim,
                       float* slices);

// tile_accumulate from values packed by pack_value_slices: `slices` points at the block's
// first key in slice 0, slice c at slices + c * slice_ld (slice_ld = 16 n_pad). The same
// products in the same order as tile_accumulate from value rows. Needs tile_values_as_slices.
void tile_accumulate_slices(const float* p, int64_t p_ld, int64_t rows, const float* slices,
                            int64_t slice_ld, int64_t nk, int64_t head_dim, float* acc);

namespace detail {  // for the tests and benchmarks

bool tile_isa_supported(TileIsa isa, int64_t head_dim);  // kNone: always
TileIsa tile_isa(int64_t head_dim);                      // the kernels prefill uses
// Caps the tile kernels (kNone: sgemm); returns the previous cap. Not synchronised with
// running attention.
TileIsa set_tile_isa_limit(TileIsa limit);

}  // namespace detail

}  // namespace slkv
