#pragma once
// Register-tiled products of one prefill attention tile (engine/attention.cpp), used instead of
// its two sgemm calls when head_dim is a multiple of 16 and the CPU has AVX-512F (12 x 32 score
// tiles) or AVX2 + FMA (6 x 16; head_dim up to 128). The sgemm path packs the queries, the key
// block, the probability tile and the value block on every call and zeroes the score tile first
// (5.3 of attention's 31.8% of a 2,048-token prefill); here the keys are packed once per layer
// call into 32-key panels that every query block reads. The AVX-512 kernels read queries,
// probabilities and values where they lie; the AVX2 ones read the queries as 6-row micro-panels
// packed once per tile and each value block as 16-dimension slices packed per call. Products
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

namespace detail {  // for the tests and benchmarks

bool tile_isa_supported(TileIsa isa, int64_t head_dim);  // kNone: always
TileIsa tile_isa(int64_t head_dim);                      // the kernels prefill uses
// Caps the tile kernels (kNone: sgemm); returns the previous cap. Not synchronised with
// running attention.
TileIsa set_tile_isa_limit(TileIsa limit);

}  // namespace detail

}  // namespace slkv
