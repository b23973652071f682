// Dequantization throughput per type: GB/s of f32 output and of quantized input, on buffers
// large enough to leave the caches (64 MiB of output by default), median of several runs.
// CPU single-thread (dequantize_row) and all OpenMP threads (dequantize_tensor); with
// --gpu (CUDA builds) the device kernel, timed with CUDA events, excluding transfers.
//
//   slkv_bench_dequant [--out-mib 64] [--runs 7] [--types Q4_0,Q4_K] [--gpu] [--portable]
// Prints a markdown table.

#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "model/quant.hpp"
#include "model/quant_blocks.hpp"

#if defined(SLKV_HAVE_CUDA)
#include <cuda_runtime.h>

#include "dequant.hpp"
#include "device.hpp"
#endif

namespace {

using slkv::GgmlType;

struct Options {
  double out_mib = 64;
  int runs = 7;
  std::vector<std::string> types;
  bool gpu = false;
  bool portable = false;
};

const std::vector<GgmlType> kAllTypes = {
    GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
    GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
    GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

// Random bytes (splitmix64) with every f16 scale field set to a normal value, so that no run
// spends its time on NaN/inf arithmetic that real checkpoints never hold.
std::vector<uint8_t> make_input(GgmlType type, int64_t n_blocks, uint32_t block_bytes) {
  std::vector<uint8_t> buf(n_blocks * block_bytes);  // [n_blocks, block_bytes]
  uint64_t state = 0x5EEDull + static_cast<uint64_t>(type);
  for (size_t i = 0; i < buf.size(); i += 8) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (size_t k = 0; k < 8 && i + k < buf.size(); ++k) buf[i + k] = uint8_t(z >> (8 * k));
  }
  std::vector<int> scale_offsets;
  switch (type) {
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
      scale_offsets = {0};
      break;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
      scale_offsets = {0, 2};
      break;
    case GgmlType::Q2_K:
      scale_offsets = {80, 82};
      break;
    case GgmlType::Q3_K:
      scale_offsets = {108};
      break;
    case GgmlType::Q6_K:
      scale_offsets = {208};
      break;
    case GgmlType::F16:  // every element is a scale-like f16: clear exponent bit 14
      for (size_t i = 1; i < buf.size(); i += 2) buf[i] &= 0xBF;
      break;
    default:
      break;
  }
  for (int64_t b = 0; b < n_blocks; ++b) {
    for (int off : scale_offsets) buf[b * block_bytes + off + 1] &= 0xBF;  // |x| < 2
  }
  return buf;
}

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Timing {
  double wall;  // median wall-clock seconds
  double cpu;   // median CPU seconds of the calling thread (immune to preemption)
};

template <typename F>
Timing median_seconds(int runs, F&& fn) {
  fn();  // warm-up: page in and fault the output buffer
  std::vector<double> wall, cpu;
  for (int r = 0; r < runs; ++r) {
    const double c0 = thread_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(thread_cpu_seconds() - c0);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

struct Row {
  std::string type;
  double in_mib, out_mib;
  double st_out, st_in, st_cpu_out, mt_out, mt_in, gpu_out = -1, gpu_in = -1;
};

#if defined(SLKV_HAVE_CUDA)
// Median kernel time in seconds, or -1 when the launch fails.
double gpu_seconds(GgmlType type, const std::vector<uint8_t>& in, int64_t n_elements, int runs) {
  void* d_in = nullptr;
  float* d_out = nullptr;
  if (cudaMalloc(&d_in, in.size()) != cudaSuccess ||
      cudaMalloc(reinterpret_cast<void**>(&d_out), n_elements * sizeof(float)) != cudaSuccess) {
    cudaFree(d_in);
    return -1;
  }
  cudaMemcpy(d_in, in.data(), in.size(), cudaMemcpyHostToDevice);
  cudaEvent_t e0, e1;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  std::vector<double> t;
  bool ok = slkv::cuda::dequantize(type, d_in, d_out, n_elements, nullptr) == 0;
  for (int r = 0; ok && r < runs; ++r) {
    cudaEventRecord(e0);
    ok = slkv::cuda::dequantize(type, d_in, d_out, n_elements, nullptr) == 0;
    cudaEventRecord(e1);
    cudaEventSynchronize(e1);
    float ms = 0;
    cudaEventElapsedTime(&ms, e0, e1);
    t.push_back(ms * 1e-3);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaFree(d_in);
  cudaFree(d_out);
  if (!ok || t.empty()) return -1;
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
#endif

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"slkv dequantization benchmark"};
  app.add_option("--out-mib", opt.out_mib, "f32 output per run in MiB")->check(CLI::Range(1, 4096));
  app.add_option("--runs", opt.runs, "timed runs per measurement (median)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--types", opt.types, "types to run (default all)")->delimiter(',');
  app.add_flag("--gpu", opt.gpu, "also time the CUDA kernel (CUDA builds)");
  app.add_flag("--portable", opt.portable,
               "CPU: the portable decoders only, not the AVX2 + F16C forms of the hot types");
  CLI11_PARSE(app, argc, argv);
  slkv::detail::set_dequant_portable_only(opt.portable);
#if !defined(SLKV_HAVE_CUDA)
  if (opt.gpu) {
    std::fprintf(stderr, "slkv_bench_dequant: built without CUDA; --gpu is not available\n");
    return 2;
  }
#else
  if (opt.gpu && !slkv::cuda::device_available()) {
    std::fprintf(stderr, "slkv_bench_dequant: no CUDA device\n");
    return 2;
  }
#endif

  std::vector<Row> rows;
  for (GgmlType type : kAllTypes) {
    const std::string name(slkv::ggml_type_name(type));
    if (!opt.types.empty() &&
        std::find(opt.types.begin(), opt.types.end(), name) == opt.types.end())
      continue;
    const auto traits = *slkv::ggml_type_traits(static_cast<uint32_t>(type));
    const int64_t row_elements = 4096;  // multiple of every block size
    const int64_t n_rows = std::max<int64_t>(1, int64_t(opt.out_mib * 1048576 / 4) / row_elements);
    const int64_t n_elements = n_rows * row_elements;
    const int64_t n_blocks = n_elements / traits.block_elements;
    const auto in = make_input(type, n_blocks, traits.block_bytes);
    std::vector<float> out(n_elements);  // [n_rows, row_elements]

    slkv::TensorInfo t;
    t.name = "bench";
    t.type = type;
    t.shape = {n_rows, row_elements};
    t.n_bytes = in.size();
    t.data = in.data();

    Row row;
    row.type = name;
    row.in_mib = in.size() / 1048576.0;
    row.out_mib = n_elements * 4 / 1048576.0;
    const double out_gb = n_elements * 4 / 1e9, in_gb = in.size() / 1e9;
    const Timing st = median_seconds(
        opt.runs, [&] { slkv::dequantize_row(type, in.data(), out.data(), n_elements); });
    const double mt =
        median_seconds(opt.runs, [&] { slkv::dequantize_tensor(t, out.data()); }).wall;
    row.st_out = out_gb / st.wall;
    row.st_in = in_gb / st.wall;
    row.st_cpu_out = out_gb / st.cpu;
    row.mt_out = out_gb / mt;
    row.mt_in = in_gb / mt;
#if defined(SLKV_HAVE_CUDA)
    if (opt.gpu) {
      const double g = gpu_seconds(type, in, n_elements, opt.runs);
      if (g > 0) {
        row.gpu_out = out_gb / g;
        row.gpu_in = in_gb / g;
      }
    }
#endif
    rows.push_back(row);
  }

  std::printf("threads: %d, output per run: %.0f MiB, median of %d runs, GB = 1e9 bytes\n\n",
              omp_get_max_threads(), opt.out_mib, opt.runs);
  std::printf(
      "| type | input MiB | 1 thread out GB/s | 1 thread in GB/s | 1 thread out GB/s (CPU time) "
      "| %d threads out GB/s | %d threads in GB/s |%s\n",
      omp_get_max_threads(), omp_get_max_threads(), opt.gpu ? " GPU out GB/s | GPU in GB/s |" : "");
  std::printf("|---|---:|---:|---:|---:|---:|---:|%s\n", opt.gpu ? "---:|---:|" : "");
  for (const Row& r : rows) {
    std::printf("| %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f |", r.type.c_str(), r.in_mib,
                r.st_out, r.st_in, r.st_cpu_out, r.mt_out, r.mt_in);
    if (opt.gpu) {
      if (r.gpu_out > 0) {
        std::printf(" %.1f | %.1f |", r.gpu_out, r.gpu_in);
      } else {
        std::printf(" failed | failed |");
      }
    }
    std::printf("\n");
  }
  return 0;
}
