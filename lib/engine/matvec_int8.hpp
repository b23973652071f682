#pragma once
// Decode matvec with the activation row quantized to 8 bits (the way llama.cpp's Q8_0 does it)
// and integer dot products against the stored weight blocks: the fast alternative to matvec's
// exact f32 path, chosen per Session (MatvecPrecision) and used only for row counts matvec
// handles (decode).
//
// Activation quantization (quantize_row_q8): each block of 32 elements gets the f32 scale
// d = max|x| / 127 and q = round(x / d) in [-127, 127] (d = 0, q = 0 for an all-zero block);
// x̂ = d * q. A block holding inf or NaN gets d = NaN (its outputs are NaN, as on the exact path).
// The weight side is exact: every block's integer quants are multiplied with q in exact integer
// arithmetic, then scaled in f32 (minimum terms use dsum = f32(d * sum q)).
//
// Error bound, for one output: the result approximates sum_i w_i x̂_i (w = dequantize_row's
// weights) up to f32 rounding in the per-block scaling and the sum over blocks, and
// |x̂_i - x_i| <= (1/2 + 2^-15) d_b for element i of block b. So
//   |y - sum_i w_i x_i| <= (1/2 + 2^-15) sum_b d_b sum_{i in b} |w_i|
//                          + gamma_k sum_i (|w_i| + 2 m_i) |x̂_i|,  k = in / 32 + 8,
// gamma_k = k u / (1 - k u), u = 2^-24, m_i = |block minimum| for the types with one (Q4_1:
// |m|; Q4_K, Q5_K: 63 |dmin|), else 0. tests/engine/matvec_int8_test.cpp checks both terms
// for every type and instruction set on random and real blocks.

#include <cstdint>
#include <span>
#include <vector>

#include "engine/matvec.hpp"
#include "model/ggml_type.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

// kExact: matvec's f32 path (the reference; parity tests, profiler, probes). kInt8: this file.
enum class MatvecPrecision { kExact, kInt8 };

inline constexpr int kQ8Block = 32;

// One activation row quantized per 32-element block.
struct Q8Row {
  std::vector<int8_t> q;       // [n]
  std::vector<float> d;        // [n / 32] block scales
  std::vector<int16_t> sum16;  // [n / 16] sums of q over 16 elements
  std::vector<float> dsum;     // [n / 32] d times the block's sum of q (minimum terms)
};

// Quantizes x[0, n) into `out` (resized). n must be a positive multiple of 32. Every `isa`
// gives the same bits (the AVX2 one runs the same f32 operations); throws slkv::Error for an
// instruction set the CPU lacks.
void quantize_row_q8(const float* x, int64_t n, Q8Row& out, MatvecIsa isa = MatvecIsa::best);

// True when the CPU can run kernels for `isa` (baseline and best: always).
bool matvec_isa_available(MatvecIsa isa);

// True when matvec_int8 has kernels for `type` (Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K).
bool matvec_int8_supported(GgmlType type);

// Same contract as matvec (engine/matvec.hpp), with the error bound above. Also requires
// in % 32 == 0. Throws slkv::Error naming the tensor for an unsupported type, a bad shape, or
// an instruction set the CPU lacks.
void matvec_int8(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
                 int64_t n_rows, float* y, MatvecIsa isa = MatvecIsa::best);

// One product of matvec_int8_many: y [n_rows, out] = x · Wᵀ over all of W's rows.
struct MatvecTarget {
  const TensorInfo* weight;
  float* y;
};

// Several products of the same x (q, k, v; gate and up): x quantized once and every product's
// rows shared out in one OpenMP region (passively waiting threads are woken at each region's
// start: three regions for q, k and v cost two more wake-ups per layer and token). The same
// bits as separate matvec_int8 calls; the weights must have the same column count.
void matvec_int8_many(std::span<const MatvecTarget> targets, const float* x, int64_t n_rows,
                      MatvecIsa isa = MatvecIsa::best);

}  // namespace slkv
