// Benchmark of the CUDA runtime kernels against the CPU runtime in the same run, through the
// public C ABI (the way an inference runtime links libslkv_runtime).
//
// Same layer as slkv_bench_runtime_select: 32 KV heads, head_dim 128, T = 32768 prompt tokens,
// window 8, max pooling kernel 7, cap 2048 - 8 per KV head, KV granularity, query-head counts
// 32 (one per KV head) and 128 (GQA 4), scores from the 8 probability rows [n_q, 8, T] and
// from row-averaged scores [n_q, 1, T]. For each case: slkv_select on one CPU thread (median
// wall ms) and slkv_cuda_select on the device (median of CUDA-event ms per call, inputs already
// on the device, after 3 untimed calls); the kept lists must be identical or the program exits
// with status 1. Compaction: slkv_cuda_compact_gather of the kept K rows (2-byte elements, NHD
// and HND) against one device-to-device cudaMemcpy of the same bytes, in GB/s moved.
//
// Usage: slkv_bench_runtime_select_gpu [--tokens T] [--repeat R]

#include <cuda_runtime.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "runtime/plan_json.hpp"
#include "slkv/slkv.h"

namespace {

using Clock = std::chrono::steady_clock;

void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "slkv_bench_runtime_select_gpu: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}

void check_slkv(slkv_status s, const char* what) {
  if (s != SLKV_OK) {
    std::fprintf(stderr, "slkv_bench_runtime_select_gpu: %s: %s\n", what, slkv_last_error());
    std::exit(1);
  }
}

// A device buffer freed on scope exit.
struct DeviceBuffer {
  explicit DeviceBuffer(size_t bytes) {
    check_cuda(cudaMalloc(&ptr, std::max<size_t>(bytes, 1)), "cudaMalloc");
  }
  DeviceBuffer(const void* host, size_t bytes) : DeviceBuffer(bytes) {
    check_cuda(cudaMemcpy(ptr, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy to device");
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { cudaFree(ptr); }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr);
  }
  void* ptr = nullptr;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median CUDA-event milliseconds of fn() on `stream`, after 3 untimed calls.
template <class Fn>
double device_ms(int repeat, cudaStream_t stream, Fn&& fn) {
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "cudaEventCreate");
  check_cuda(cudaEventCreate(&stop), "cudaEventCreate");
  for (int i = 0; i < 3; ++i) fn();
  check_cuda(cudaStreamSynchronize(stream), "warm-up");
  std::vector<double> times;
  for (int r = 0; r < repeat; ++r) {
    check_cuda(cudaEventRecord(start, stream), "cudaEventRecord");
    fn();
    check_cuda(cudaEventRecord(stop, stream), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    check_cuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return median(times);
}

template <class Fn>
double host_ms(int repeat, Fn&& fn) {
  std::vector<double> times;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median(times);
}

slkv_plan* make_plan(int64_t n_q, int64_t n_kv, int64_t d, int64_t window, int64_t cap) {
  slkv::runtime::Plan p;
  p.model = {"llama", 1, n_q, n_kv, d, ""};
  p.source = {"lineage", "00000000000000000000000000000000", "bench", 0, "bench"};
  p.window = window;
  p.pooling = "max";
  p.pooling_kernel = 7;
  p.budget_value = static_cast<double>(cap + window);
  p.caps = {std::vector<double>(static_cast<size_t>(n_kv), static_cast<double>(cap))};
  const std::string text = slkv::runtime::plan_to_json(p);
  slkv_model_desc m;
  slkv_model_desc_init(&m);
  m.n_layers = 1;
  m.n_heads = n_q;
  m.n_kv_heads = n_kv;
  m.head_dim = d;
  slkv_plan* plan = nullptr;
  check_slkv(slkv_plan_load_memory(text.data(), text.size(), "bench.json", &m, &plan), "plan");
  return plan;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 21;
  int64_t t = 32768;
  CLI::App app{
      "CUDA runtime kernels against the CPU runtime, through the C ABI: slkv_cuda_select and "
      "slkv_select on one layer (32 KV heads, head_dim 128, window 8, max pooling 7, cap 2,040; "
      "32 and 128 query heads, 8 rows or 1), kept lists checked equal; then "
      "slkv_cuda_compact_gather against cudaMemcpy of the same bytes. Needs a CUDA device."};
  app.add_option("--tokens", t, "Prompt tokens T of the layer")->check(CLI::Range(64, 1 << 24));
  app.add_option("--repeat", repeat, "Timed GPU calls per case (median; the CPU takes at most 7)")
      ->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);
  if (!slkv_cuda_available()) {
    std::fprintf(stderr,
                 "slkv_bench_runtime_select_gpu: no CUDA device (or a build without CUDA)\n");
    return 1;
  }
  cudaDeviceProp prop{};
  check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  const int64_t n_kv = 32, w = 8, d = 128, cap = 2048 - w;
  std::printf(
      "device: %s, %d SMs; layer: %lld KV heads, head_dim %lld, T %lld, window %lld, "
      "max pool 7, cap %lld; CPU one thread; median of %d\n\n",
      prop.name, prop.multiProcessorCount, (long long)n_kv, (long long)d, (long long)t,
      (long long)w, (long long)cap, repeat);
  std::printf("| query heads | rows | input MB | CPU ms | GPU ms | GPU GB/s (input) | CPU/GPU |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
  cudaStream_t stream;
  check_cuda(cudaStreamCreate(&stream), "cudaStreamCreate");
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  std::vector<int64_t> caps(n_kv, cap);
  std::vector<int32_t> kept(static_cast<size_t>(n_kv * t)), n_kept(n_kv);
  DeviceBuffer d_caps(caps.data(), caps.size() * sizeof(int64_t));
  DeviceBuffer d_kept(kept.size() * sizeof(int32_t)), d_n_kept(n_kept.size() * sizeof(int32_t));
  for (int64_t n_q : {int64_t{32}, int64_t{128}}) {
    slkv_plan* plan = make_plan(n_q, n_kv, d, w, cap);
    for (int64_t n_rows : {w, int64_t{1}}) {
      std::vector<float> probs(static_cast<size_t>(n_q * n_rows * t));
      for (auto& x : probs) x = uni(rng) / static_cast<float>(t);
      slkv_select_params sp;
      slkv_select_params_init(&sp);
      sp.n_tokens = t;
      sp.n_rows = n_rows;
      sp.probs = probs.data();
      sp.caps = caps.data();
      sp.kept = kept.data();
      sp.kept_stride = t;
      sp.n_kept = n_kept.data();
      size_t ws = 0;
      check_slkv(slkv_select_workspace_size(plan, &sp, &ws), "workspace size");
      std::vector<float> workspace(ws / sizeof(float) + 1);
      sp.workspace = workspace.data();
      sp.workspace_bytes = ws;
      const double cpu =
          host_ms(std::min(repeat, 7), [&] { check_slkv(slkv_select(plan, &sp), "slkv_select"); });

      DeviceBuffer d_probs(probs.data(), probs.size() * sizeof(float));
      slkv_select_params gp = sp;
      gp.probs = d_probs.as<float>();
      gp.caps = d_caps.as<int64_t>();
      gp.kept = d_kept.as<int32_t>();
      gp.n_kept = d_n_kept.as<int32_t>();
      check_slkv(slkv_cuda_select_workspace_size(plan, &gp, &ws), "cuda workspace size");
      DeviceBuffer d_ws(ws);
      gp.workspace = d_ws.ptr;
      gp.workspace_bytes = ws;
      const double gpu = device_ms(repeat, stream, [&] {
        check_slkv(slkv_cuda_select(plan, &gp, stream), "slkv_cuda_select");
      });
      std::vector<int32_t> g_kept(kept.size()), g_n_kept(n_kept.size());
      check_cuda(cudaMemcpy(g_kept.data(), d_kept.ptr, g_kept.size() * 4, cudaMemcpyDeviceToHost),
                 "copy kept");
      check_cuda(
          cudaMemcpy(g_n_kept.data(), d_n_kept.ptr, g_n_kept.size() * 4, cudaMemcpyDeviceToHost),
          "copy n_kept");
      for (int64_t h = 0; h < n_kv; ++h) {
        bool same = g_n_kept[h] == n_kept[h];
        for (int32_t i = 0; same && i < n_kept[h]; ++i) same = g_kept[h * t + i] == kept[h * t + i];
        if (!same) {
          std::fprintf(stderr,
                       "slkv_bench_runtime_select_gpu: GPU kept list of head %lld differs "
                       "from the CPU's (%lld q heads, %lld rows)\n",
                       (long long)h, (long long)n_q, (long long)n_rows);
          return 1;
        }
      }
      const double mb = probs.size() * 4.0 / 1e6;
      std::printf("| %lld | %lld | %.1f | %.2f | %.3f | %.0f | %.0fx |\n", (long long)n_q,
                  (long long)n_rows, mb, cpu, gpu, mb / gpu, cpu / gpu);
    }
    slkv_plan_free(plan);
  }

  // Compaction: 2-byte elements, kept lists of the last selection (on the device), 64 rows of
  // slack per head.
  std::vector<int64_t> offsets(n_kv + 1);
  std::vector<int32_t> lengths(n_kv);
  check_slkv(slkv_compact_layout(n_kept.data(), n_kv, 64, offsets.data(), lengths.data()),
             "compact layout");
  const size_t row_bytes = static_cast<size_t>(d) * 2;
  size_t moved = 0;
  for (int64_t h = 0; h < n_kv; ++h) moved += static_cast<size_t>(lengths[h]) * row_bytes;
  DeviceBuffer d_src(static_cast<size_t>(t * n_kv) * row_bytes);
  DeviceBuffer d_dst(static_cast<size_t>(offsets[n_kv]) * row_bytes);
  check_cuda(cudaMemset(d_src.ptr, 1, static_cast<size_t>(t * n_kv) * row_bytes), "cudaMemset");
  DeviceBuffer d_off(offsets.data(), offsets.size() * sizeof(int64_t));
  DeviceBuffer d_len(lengths.data(), lengths.size() * sizeof(int32_t));
  const double copy = device_ms(repeat, stream, [&] {
    check_cuda(cudaMemcpyAsync(d_dst.ptr, d_src.ptr, moved, cudaMemcpyDeviceToDevice, stream),
               "cudaMemcpyAsync");
  });
  std::printf("\n| compaction (%.1f MB moved) | GPU ms | GB/s moved | share of cudaMemcpy |\n",
              moved / 1e6);
  std::printf("|---|---:|---:|---:|\n");
  std::printf("| cudaMemcpy device to device | %.4f | %.0f | 100%% |\n", copy,
              moved / (copy * 1e6));
  for (slkv_kv_layout layout : {SLKV_LAYOUT_NHD, SLKV_LAYOUT_HND}) {
    slkv_compact_params cp;
    slkv_compact_params_init(&cp);
    cp.n_tokens = t;
    cp.n_kv_heads = n_kv;
    cp.n_plan_heads = n_kv;
    cp.head_dim = d;
    cp.elem_bytes = 2;
    cp.layout = layout;
    cp.src = d_src.ptr;
    cp.kept = d_kept.as<int32_t>();
    cp.kept_stride = t;
    cp.offsets = d_off.as<int64_t>();
    cp.lengths = d_len.as<int32_t>();
    cp.dst = d_dst.ptr;
    cp.stream = stream;
    const double ms = device_ms(repeat, stream, [&] {
      check_slkv(slkv_cuda_compact_gather(&cp), "slkv_cuda_compact_gather");
    });
    std::printf("| slkv_cuda_compact_gather %s | %.4f | %.0f | %.0f%% |\n",
                layout == SLKV_LAYOUT_NHD ? "NHD" : "HND", ms, moved / (ms * 1e6),
                100.0 * copy / ms);
  }
  cudaStreamDestroy(stream);
  return 0;
}
