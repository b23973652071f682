// Single-row matvec throughput per weight type: the exact f32 path (matvec) against the int8
// path (matvec_int8) for each instruction set, on random blocks of a given shape (weights
// small enough for L2 by default, so this measures the kernels, not memory). Times are process
// CPU seconds (a shared machine's load moves them less than wall time), best of --reps.
// Usage (--help explains each option):
//   slkv_bench_matvec [--out 1536] [--in 576] [--iters 200] [--reps 5]
// Threads: OMP_NUM_THREADS (1 recommended).

#include "engine/matvec.hpp"

#include <omp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "engine/matvec_int8.hpp"
#include "model/ggml_type.hpp"

namespace {

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

const char* isa_name(slkv::MatvecIsa isa) {
  switch (isa) {
    case slkv::MatvecIsa::best:
      return "best";
    case slkv::MatvecIsa::baseline:
      return "baseline";
    case slkv::MatvecIsa::avx2:
      return "avx2";
    case slkv::MatvecIsa::avx512_vnni:
      return "avx512_vnni";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  int64_t out = 1536, in = 576, iters = 200, reps = 5;
  CLI::App app{
      "Single-row matvec throughput per weight type: exact f32 against int8 activations, per "
      "instruction set, on random blocks. GMAC/s per process CPU second, best of --reps. "
      "Threads: OMP_NUM_THREADS (1 recommended)."};
  app.add_option("--out", out, "Output rows")->check(CLI::PositiveNumber);
  app.add_option("--in", in, "Row length (rounded down to whole blocks of each type)")
      ->check(CLI::Range(int64_t{256}, int64_t{1} << 20));
  app.add_option("--iters", iters, "Products per repetition")->check(CLI::PositiveNumber);
  app.add_option("--reps", reps, "Repetitions; the fastest is reported")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  using slkv::GgmlType;
  using slkv::MatvecIsa;
  std::printf("matvec %lld x %lld, one activation row, %d threads; GMAC/s = out*in*iters / CPU s\n",
              static_cast<long long>(out), static_cast<long long>(in), omp_get_max_threads());
  std::printf(
      "| type | exact baseline | exact best | int8 baseline | int8 avx2 | int8 avx512_vnni "
      "|\n|---|---|---|---|---|---|\n");
  std::mt19937 rng(1);
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q8_0,
                        GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
    const auto traits = *slkv::ggml_type_traits(static_cast<uint32_t>(type));
    const int64_t row_in = in / traits.block_elements * traits.block_elements;
    std::vector<uint8_t> bytes(
        static_cast<size_t>(out * row_in / traits.block_elements * traits.block_bytes));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    // Keep f16 scales finite: clear each block's exponent bits above 2^1 (any 0x7C00 pattern).
    for (size_t b = 0; b + 1 < bytes.size(); b += 2) bytes[b + 1] &= 0x3F;
    slkv::TensorInfo w;
    w.name = "bench";
    w.type = type;
    w.shape = {out, row_in};
    w.n_bytes = bytes.size();
    w.data = bytes.data();
    std::vector<float> x(static_cast<size_t>(row_in)), y(static_cast<size_t>(out));
    for (auto& v : x) v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
    std::printf("| %s |", slkv::ggml_type_name(type).data());
    const struct {
      bool int8;
      MatvecIsa isa;
    } runs[] = {{false, MatvecIsa::baseline},
                {false, MatvecIsa::best},
                {true, MatvecIsa::baseline},
                {true, MatvecIsa::avx2},
                {true, MatvecIsa::avx512_vnni}};
    for (const auto& r : runs) {
      if (!slkv::matvec_isa_available(r.isa)) {
        std::printf(" n/a (%s) |", isa_name(r.isa));
        continue;
      }
      double best = 1e30;
      for (int64_t rep = 0; rep < reps; ++rep) {
        const double t0 = process_cpu_seconds();
        for (int64_t it = 0; it < iters; ++it) {
          if (r.int8) {
            slkv::matvec_int8(w, 0, out, x.data(), 1, y.data(), r.isa);
          } else {
            slkv::matvec(w, 0, out, x.data(), 1, y.data(), r.isa);
          }
        }
        best = std::min(best, process_cpu_seconds() - t0);
      }
      std::printf(" %.2f |", static_cast<double>(out * row_in * iters) / best / 1e9);
    }
    std::printf("\n");
  }
  return 0;
}
