#pragma once
// Helpers the CPU benchmarks share (bench/engine.cpp, bench/attention.cpp): timing, the
// OpenBLAS sgemm peak they report shares against, list arguments, tile-kernel modes.

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "engine/attention_tile.hpp"
#include "engine/prompt_gemm.hpp"

namespace slkv::bench {

using Clock = std::chrono::steady_clock;

// How long AllThreadsBlas waits for OpenBLAS's pool to stop spinning: its default timeout is
// 2^28 time-stamp ticks, 0.27 s at a 1 GHz counter, 0.11 s at this VM's 2.4 GHz.
inline constexpr std::chrono::milliseconds kPoolSettle{600};

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds of the whole process (all threads): on a shared, oversubscribed machine this
// moves less with the load than wall time does.
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// OpenBLAS on all OpenMP threads while in scope, then back to the count it had: the engine runs
// sgemm single-threaded inside its own OpenMP team, and a pool left awake after a peak
// measurement competed with that team (engine/ops.hpp, use_single_threaded_blas). Leaving
// scope also waits until OpenBLAS's idle pool threads have gone to sleep: they spin on
// sched_yield for 2^28 time-stamp ticks (OpenBLAS's default thread timeout, about 0.1 s here)
// after their last job, and on a two-CPU machine that spin took CPU from the first prefill
// timed after a peak measurement (docs/benchmarks.md, tenth session).
class AllThreadsBlas {
 public:
  AllThreadsBlas() : before_(openblas_get_num_threads()) {
    openblas_set_num_threads(omp_get_max_threads());
  }
  ~AllThreadsBlas() {
    openblas_set_num_threads(before_);
    std::this_thread::sleep_for(kPoolSettle);
  }
  AllThreadsBlas(const AllThreadsBlas&) = delete;
  AllThreadsBlas& operator=(const AllThreadsBlas&) = delete;

 private:
  int before_;
};

// OpenBLAS sgemm on square n x n matrices, all OpenMP threads, products back to back: at least
// `min_products` of them and at least `min_seconds`.
struct SgemmRates {
  double best = 0;       // GFLOP/s of the fastest product
  double cpu_best = 0;   // the best per process CPU second and thread
  double sustained = 0;  // all the products' FLOPs over their whole time
};
inline SgemmRates time_sgemm(int n, int min_products, double min_seconds) {
  std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a.size(), 0.25f), c(a.size());
  const AllThreadsBlas all_threads;
  const double flops = 2.0 * n * n * n;
  SgemmRates r;
  int products = 0;
  const auto start = Clock::now();
  do {
    const auto t0 = Clock::now();
    const double c0 = process_cpu_seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
                0.0f, c.data(), n);
    r.best = std::max(r.best, flops / seconds_since(t0) / 1e9);
    r.cpu_best =
        std::max(r.cpu_best, flops / (process_cpu_seconds() - c0) / 1e9 * omp_get_max_threads());
    ++products;
  } while (products < min_products || seconds_since(start) < min_seconds);
  r.sustained = flops * products / seconds_since(start) / 1e9;
  return r;
}

// sgemm GFLOP/s on square n x n matrices, OpenBLAS using all OpenMP threads; best of 3. Also
// (cpu_gflops, when given) per process CPU second and thread: on a shared machine, the rate a
// core reaches while it runs, which load moves less than wall time.
inline double sgemm_peak_gflops(int n, double* cpu_gflops = nullptr) {
  const SgemmRates r = time_sgemm(n, 3, 0.0);
  if (cpu_gflops) *cpu_gflops = r.cpu_best;
  return r.best;
}

// The rate sgemm holds over `seconds` of products back to back, a span as long as a prefill,
// where the peak above is the best of three single products of 0.1-0.2 s each on the VM
// (docs/benchmarks.md compares the two). `best_single` gets the fastest product.
inline double sgemm_sustained_gflops(int n, double seconds, double* best_single = nullptr) {
  const SgemmRates r = time_sgemm(n, 1, seconds);
  if (best_single) *best_single = r.best;
  return r.sustained;
}

// The tile kernel cap of a --prefill-attention / --modes value: tile (the best this CPU has),
// tile-avx2, sgemm.
inline detail::TileIsa tile_limit(const std::string& mode) {
  using detail::TileIsa;
  return mode == "tile" ? TileIsa::kAvx512 : mode == "tile-avx2" ? TileIsa::kAvx2 : TileIsa::kNone;
}

// What a mode runs on this CPU for head_dim: "sgemm", "tile avx512", "tile avx2" (a tile mode
// the CPU lacks falls back to the next kernels down, named as such).
inline std::string attention_name(const std::string& mode, int64_t head_dim) {
  using detail::TileIsa;
  const TileIsa saved = detail::set_tile_isa_limit(tile_limit(mode));
  const TileIsa isa = detail::tile_isa(head_dim);
  detail::set_tile_isa_limit(saved);
  return isa == TileIsa::kAvx512 ? "tile avx512" : isa == TileIsa::kAvx2 ? "tile avx2" : "sgemm";
}

// The projection product of a --prefill-weights mode: own and sgemm force one, streamed and
// packed leave the CPU's default (packed weights bypass it anyway).
inline detail::PromptGemmChoice gemm_choice(const std::string& mode) {
  using detail::PromptGemmChoice;
  return mode == "own" || mode == "own-avx2" ? PromptGemmChoice::kOwn
         : mode == "sgemm"                   ? PromptGemmChoice::kSgemm
                                             : PromptGemmChoice::kAuto;
}

// Sets how prompt_gemm runs for a --prefill-weights mode: "own-avx2" keeps it on its AVX2 tiles
// where the CPU has AVX-512; every other mode lets it use them.
inline void apply_weights_mode(const std::string& mode) {
  detail::set_prompt_gemm(gemm_choice(mode));
  detail::set_prompt_gemm_avx512(mode != "own-avx2");
}

// What a --prefill-weights mode runs: "packed (oneDNN)", "streamed (own GEMM)", ...
inline std::string weights_name(const std::string& mode) {
  if (mode == "packed") return "packed (oneDNN)";
  detail::set_prompt_gemm(gemm_choice(mode));
  const bool own = prompt_gemm_preferred();
  detail::set_prompt_gemm(detail::PromptGemmChoice::kAuto);
  const bool zmm = own && mode != "own-avx2" && detail::prompt_gemm_avx512_available();
  return (mode == "streamed" ? "streamed" : "forced") +
         std::string(!own  ? " (dequantize + sgemm)"
                     : zmm ? " (own GEMM, AVX-512 tiles)"
                           : " (own GEMM)");
}

}  // namespace slkv::bench
