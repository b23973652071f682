#pragma once
// y = x · Wᵀ for a few activation rows (decode: one row per token) computed straight from the
// stored blocks: each weight block is decoded into a small stack buffer and dotted with every
// x row while it is in L1, so no matrix is dequantized into a scratch buffer. Used by
// linear_range when n_rows <= kMatvecMaxRows; other row counts go through linear_range_gemm.
//
// Numerics: the decoded weights are bit-identical to dequantize_row's (same formulas, same
// f32 operation order, no contraction). Only the dot products differ from a plain left-to-right
// sum: each row is accumulated in f32 in kMatvecLanes interleaved partial sums (lane l holds the
// elements i with i % kMatvecLanes == l, fused multiply-adds on CPUs with FMA), which are then
// added in order. For n = in products the standard bound gives
// |computed - exact| <= gamma_n * sum_i |w_i x_i| with gamma_n = n u / (1 - n u), u = 2^-24,
// the same bound as sgemm's; tests/engine/matvec_test.cpp checks it for every type.

#include <cstdint>

#include "model/ggml_type.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

inline constexpr int64_t kMatvecMaxRows = 8;
inline constexpr int kMatvecLanes = 16;

// Which kernels matvec uses: the fastest the CPU supports (AVX2+FMA+F16C when present), or
// the portable baseline loops (tests run both). avx2 and avx512_vnni name one instruction set
// for matvec_int8's kernels (engine/matvec_int8.hpp); the exact f32 path has no AVX-512 form
// and treats both as best.
enum class MatvecIsa { best, baseline, avx2, avx512_vnni };

// True when matvec handles `type` (every type dequantize_row supports).
bool matvec_supported(GgmlType type);

// y[t, j - out_begin] = sum_i W[j, i] * x[t, i] for t < n_rows, out_begin <= j < out_end.
// weight: 2-D [out, in], stored type with matvec_supported; x: [n_rows, in] f32;
// y: [n_rows, out_end - out_begin]. 1 <= n_rows <= kMatvecMaxRows. Parallel over output rows
// (OpenMP) when the matrix is large enough. Throws slkv::Error naming the tensor when its
// byte size does not match its shape and type or the type is unsupported.
void matvec(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
            int64_t n_rows, float* y, MatvecIsa isa = MatvecIsa::best);

}  // namespace slkv
