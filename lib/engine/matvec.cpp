#include "engine/matvec.hpp"

#include <omp.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <string>

#include "core/cpu_features.hpp"
#include "core/error.hpp"
#include "model/quant.hpp"
#include "model/quant_blocks.hpp"

// Decoded weights must match dequantize_row bit for bit: no contraction of d * q + m.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace slkv {
namespace {

namespace base {
#define SLKV_MV_MADD(a, b, c) ((a) * (b) + (c))
#include "engine/matvec_kernels.inc"
#undef SLKV_MV_MADD
}  // namespace base

// The same kernels compiled for AVX2 + FMA + F16C (with the intrinsic decoders of
// matvec_avx2.inc), chosen at run time when the CPU has them (the
// project builds for the baseline x86-64 ISA).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SLKV_MV_HAVE_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define SLKV_MV_AVX2 1
namespace avx2 {
#define SLKV_MV_MADD(a, b, c) __builtin_fmaf((a), (b), (c))
#include "engine/matvec_kernels.inc"
#undef SLKV_MV_MADD
}  // namespace avx2
#undef SLKV_MV_AVX2
#undef SLKV_MV_HAVE_FAST_DECODERS
#undef SLKV_MV_HAVE_FAST_ACCUMULATE
#pragma GCC pop_options
#endif

bool cpu_has_avx2_fma() {
#if defined(SLKV_MV_HAVE_AVX2)
  static const bool has =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
  return has;
#else
  return false;
#endif
}

base::RowsFn pick_kernel(GgmlType type, int64_t n_rows, MatvecIsa isa) {
#if defined(SLKV_MV_HAVE_AVX2)
  if (isa != MatvecIsa::baseline && cpu_has_avx2_fma()) return avx2::pick_rows(type, n_rows);
#else
  (void)isa;
#endif
  return base::pick_rows(type, n_rows);
}

// Output rows per OpenMP work unit, and the weight size (elements) below which the team is
// not started (its start-up costs more than the work). With passive waiting (the default) a
// team's start wakes a sleeping thread: with 2^16 SmolLM2's two-thread decode at context 512
// was slower than one thread's on the 2-vCPU VM; 2^20 (its q/k/v, o and down on one thread, gate/up
// and the LM head shared) was faster for SmolLM2 and about level for Gemma 3
// (docs/benchmarks.md, "Fewer wake-ups").
constexpr int64_t kRowsPerTask = 16;
constexpr int64_t kParallelMinElements = int64_t{1} << 20;

}  // namespace

bool matvec_supported(GgmlType type) {
  return dequant_supported(type) && base::pick_rows(type, 1) != nullptr;
}

void matvec(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
            int64_t n_rows, float* y, MatvecIsa isa) {
  const std::string where = "matvec over tensor '" + weight.name + "'";
  SLKV_CHECK(weight.shape.size() == 2, where + ": weight must be 2-D");
  SLKV_CHECK(n_rows >= 1 && n_rows <= kMatvecMaxRows, where + ": row count out of range");
  const int64_t out = weight.shape[0];
  const int64_t in = weight.shape[1];
  SLKV_CHECK(out_begin >= 0 && out_begin < out_end && out_end <= out, where + ": row range");
  const auto traits = ggml_type_traits(static_cast<uint32_t>(weight.type));
  const base::RowsFn fn = pick_kernel(weight.type, n_rows, isa);
  if (!traits || !fn) {
    throw Error(where + ": type " + std::string(ggml_type_name(weight.type)) + " not supported");
  }
  if (in <= 0 || in % traits->block_elements != 0) {
    throw Error(where + ": row of " + std::to_string(in) + " elements is not a multiple of the " +
                std::string(traits->name) + " block size");
  }
  const int64_t row_bytes = in / traits->block_elements * traits->block_bytes;
  if (static_cast<uint64_t>(row_bytes) * static_cast<uint64_t>(out) != weight.n_bytes) {
    throw Error(where + ": holds " + std::to_string(weight.n_bytes) +
                " bytes but its shape and type need " + std::to_string(row_bytes * out));
  }
  SLKV_CHECK(weight.data != nullptr && x != nullptr && y != nullptr, where + ": null buffer");
  const int64_t n_out = out_end - out_begin;
  const uint8_t* rows = weight.data + out_begin * row_bytes;
  const int64_t n_tasks = (n_out + kRowsPerTask - 1) / kRowsPerTask;
  const bool parallel = n_out * in >= kParallelMinElements && omp_get_max_threads() > 1;
  // Dynamic: a preempted thread (shared machines) does not hold up the whole matrix.
#pragma omp parallel for schedule(dynamic, 4) if (parallel)
  for (int64_t task = 0; task < n_tasks; ++task) {
    const int64_t j0 = task * kRowsPerTask;
    const int64_t j1 = std::min(n_out, j0 + kRowsPerTask);
    fn(rows + j0 * row_bytes, row_bytes, in, 0, j1 - j0, x, n_out, y + j0);
  }
}

}  // namespace slkv
