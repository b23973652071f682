#pragma once
// The prompt-batch product y = x · Wᵀ over stored (possibly quantized) weights, with its own
// blocking instead of dequantize-to-scratch + OpenBLAS sgemm. That path (ops.hpp,
// linear_range_gemm) dequantizes every weight row to f32, then sgemm packs the same values
// again, packs the activations per call and zeroes the output for beta = 0: about 15% of a
// one-thread prefill (docs/benchmarks.md). Here each block of 16 weight rows is dequantized
// straight into the [k][16] micro-panels the kernel reads, the activations are packed once as
// [k][6] micro-panels for all the weights that share them (q, k, v; gate and up), and 6x16
// register tiles accumulate in f32 with FMA (AVX2), the first K chunk storing without reading
// the output.
//
// Blocking (one thread's view, BLIS order): a block of up to 128 weight rows is dequantized
// and packed once, K is split into chunks of at most 256 (a 16-row micro-panel of one chunk,
// 16 KiB, stays in L1 while it meets 96 activation rows, whose panels stay in L2). Threads
// take blocks of weight rows, the same number each wherever the rows allow
// (detail::weight_row_blocks); with several threads the last blocks are handed out as single
// 16-row panels, so a thread slowed by the machine delays the others by a panel at most.
// Results are f32 products like sgemm's, in another summation order
// (tests/engine/prompt_gemm_test.cpp states the bound).
//
// Where the CPU has AVX-512F, pairs of full 6x16 tiles run as one 12x32 tile in zmm registers
// (same panels, same FMA chains, so the same bits on AVX2 and AVX-512 CPUs). Used by
// linear_range_gemm and linear_many (ops.hpp) on every CPU with AVX2 and FMA: measured faster
// than dequantize + OpenBLAS sgemm on the AMD EPYC (AVX2), and on a Xeon with AVX-512 ahead at
// two threads and level at one (docs/benchmarks.md); detail::set_prompt_gemm overrides it.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "model/tensor_info.hpp"

namespace slkv {

// One product sharing the activations: y [n_rows, out_end - out_begin] = x · W[out_begin:out_end]ᵀ.
struct GemmTarget {
  const TensorInfo* weight;
  int64_t out_begin, out_end;
  float* y;
};

// Reusable buffers: the packed activations and one weight block per OpenMP thread.
struct PromptGemmScratch {
  std::vector<float> packed_x;
  std::vector<std::vector<float>> per_thread;
};

// True when this CPU can run prompt_gemm (x86-64 with AVX2 and FMA).
bool prompt_gemm_supported();

// True when linear_range_gemm should use prompt_gemm on this CPU (see detail::set_prompt_gemm).
bool prompt_gemm_preferred();

// Every target's product over the same x [n_rows, in] (row-major). Each weight is [out, in] of
// any type dequantize_rows reads, with `in` columns. Threads: OpenMP's. Throws slkv::Error
// when the CPU lacks AVX2/FMA, a shape disagrees, or a weight cannot be dequantized (the
// outputs are then unspecified). `after`, when given, is called by every thread of the team
// once all products are complete, inside the same OpenMP region (ops.hpp, TeamWork); not
// after a failed product.
void prompt_gemm(const float* x, int64_t n_rows, int64_t in, std::span<const GemmTarget> targets,
                 PromptGemmScratch& scratch, const std::function<void()>* after = nullptr);

namespace detail {
// How prompt_gemm splits `n` weight rows into per-thread blocks (sizes in order): whole 16-row
// panels (the last block may end inside one), at most 128 rows each, sizes within one panel
// of each other, and a count that is a multiple of n_threads wherever there are enough panels.
std::vector<int64_t> weight_row_blocks(int64_t n, int64_t n_threads);

enum class PromptGemmChoice { kAuto, kOwn, kSgemm };
// For tests and benchmarks: kOwn forces prompt_gemm wherever supported, kSgemm forces the
// OpenBLAS path, kAuto (the default) decides by CPU. Not thread-safe against running forwards.
void set_prompt_gemm(PromptGemmChoice choice);

// True when this CPU has AVX-512F, where prompt_gemm multiplies pairs of full 6x16 tiles as
// one 12x32 tile in zmm registers (the same bits as the AVX2 tiles). For tests and
// benchmarks, set_prompt_gemm_avx512(false) keeps it on the AVX2 tiles.
bool prompt_gemm_avx512_available();
void set_prompt_gemm_avx512(bool allow);
}  // namespace detail

}  // namespace slkv
