#pragma once
// Dense building blocks of the forward pass, all in f32: RMSNorm, linear layers over stored
// (possibly quantized) weights, activations. For many rows (prefill) weights are dequantized
// block by block into caller-owned scratch right before they are multiplied (engine/
// prompt_gemm.hpp's own panels on CPUs with AVX2 and FMA, row chunks for OpenBLAS sgemm
// elsewhere), so nothing model-sized is resident (unless the caller passes a packed copy:
// engine/packed_linear.hpp); for a few rows (decode) engine/matvec.hpp dots the stored blocks.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/matvec_int8.hpp"
#include "engine/prompt_gemm.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

// Reusable dequantization scratch, one buffer per OpenMP thread, each at most `max_floats`
// (weights are processed in row chunks that fit), and the caller's choice of matvec precision
// for few-row products (kInt8: matvec_int8 for the types it supports, matvec otherwise).
struct LinearScratch {
  std::vector<std::vector<float>> per_thread;
  int64_t max_floats = int64_t{1} << 20;  // 4 MiB per thread
  MatvecPrecision precision = MatvecPrecision::kExact;
  PromptGemmScratch gemm;  // engine/prompt_gemm.hpp's buffers
};

// Makes OpenBLAS single-threaded: the engine parallelizes with OpenMP itself (each thread runs
// sgemm on its own slice of output rows), and OpenBLAS's own pthreads would compete with the
// OpenMP team. Called by Model's constructor and before each OpenMP region that calls sgemm
// (the host program may have changed the setting in between); a no-op when already 1. Not from
// inside a parallel region.
void use_single_threaded_blas();

// y = x / rms(x) * weight for one row of `dim` floats; x and y may alias.
void rms_norm_row(const float* x, const float* weight, int64_t dim, double eps, float* y);

// y[t, :] = x[t, :] / rms(x[t, :]) * weight, for t < n_rows. x and y may alias.
// x, y: [n_rows, dim]; weight: [dim].
void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t dim, double eps,
              float* y);

// The residual step between two blocks, in one pass over the rows (one OpenMP region instead of
// up to three: each region's start and end wake a sleeping thread). Per row t:
//   delta[t] = rms_norm(delta[t], delta_weight)   when delta_weight (Gemma 3's post-norms)
//   x[t] += delta[t]
//   delta[t] = rms_norm(x[t], weight)             when weight (the next block's input norm)
// The same per-row arithmetic as rms_norm and add_in_place called in turn: the same bits.
void add_rms_norm(float* x, float* delta, const float* delta_weight, const float* weight,
                  int64_t n_rows, int64_t dim, double eps);
// The same rows shared with an orphaned `omp for`: for TeamWork (below).
void add_rms_norm_team(float* x, float* delta, const float* delta_weight, const float* weight,
                       int64_t n_rows, int64_t dim, double eps);

// Elementwise work that follows a product and reads its output: RoPE after q and k, the
// activation after gate and up, the residual step after o and down. Every thread of the team
// that ran the product calls it once after the product's last barrier, so it needs no OpenMP
// region of its own (with passive waiting, each region's start and end wakes a sleeping
// thread: a two-thread 2,048-token SmolLM2 prefill made about 4,500 context switches before
// this, about 2,500 after). It must
// share its work with orphaned `#pragma omp for` loops (the *_team functions) and must not
// throw. It is always the last work of its region, whose end joins the threads, so the
// *_team loops end without a barrier of their own (nowait). Where the product ran without a team
// (other product paths, biases to add first) it is called in a region of its own above
// kMatvecMaxRows rows, and by the calling thread alone for a decode step's few rows.
using TeamWork = std::function<void()>;

class PackedLinear;

// y = x · Wᵀ (+ bias): x [n_rows, in], W = `weight` stored [out, in], y [n_rows, out].
// `bias` is [out] or nullptr. `packed`, when given, is `weight` packed (engine/packed_linear.hpp)
// and does the product for more than kMatvecMaxRows rows.
// `after`, when given, runs once the product is complete (TeamWork above).
void linear(const TensorInfo& weight, const float* x, int64_t n_rows, float* y, const float* bias,
            LinearScratch& scratch, const PackedLinear* packed = nullptr,
            const TeamWork* after = nullptr);

// Several products of the same x: linear() for each, except that a many-row batch through
// prompt_gemm packs x once for all of them (q, k, v; gate and up), and a decode step through
// the int8 matvec quantizes x once and runs all of them in one OpenMP region
// (matvec_int8_many). Same results as separate linear() calls, bit for bit.
struct LinearCall {
  const TensorInfo* weight;
  float* y;
  const float* bias = nullptr;
  const PackedLinear* packed = nullptr;
};
void linear_many(std::span<const LinearCall> calls, const float* x, int64_t n_rows,
                 LinearScratch& scratch, const TeamWork* after = nullptr);

// Same, for only the output columns [out_begin, out_end) of W; y is [n_rows, out_end-out_begin].
void linear_range(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
                  int64_t n_rows, float* y, const float* bias, LinearScratch& scratch);

// linear_range without bias for a batch of rows (linear_range uses it above kMatvecMaxRows rows
// and for types matvec lacks): above kMatvecMaxRows rows through prompt_gemm where
// prompt_gemm_preferred() (engine/prompt_gemm.hpp), otherwise, and for few rows, by
// dequantizing row chunks to scratch for OpenBLAS sgemm / sgemv.
void linear_range_gemm(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
                       int64_t n_rows, float* y, LinearScratch& scratch);

// gate[i] = act(gate[i]) * up[i] for i < n; act is SiLU or tanh-approximated GELU.
void silu_mul(float* gate, const float* up, int64_t n);
void gelu_tanh_mul(float* gate, const float* up, int64_t n);
// The same shared with an orphaned `omp for`, for TeamWork.
void silu_mul_team(float* gate, const float* up, int64_t n);
void gelu_tanh_mul_team(float* gate, const float* up, int64_t n);

// x[i] += y[i] for i < n (the residual add), on OpenMP's threads for large n.
void add_in_place(float* x, const float* y, int64_t n);

// Reads a small tensor (norm weight, bias, rope factors) as f32, checking its element count.
std::vector<float> read_vector(const TensorInfo& tensor, int64_t expected_elements);

}  // namespace slkv
