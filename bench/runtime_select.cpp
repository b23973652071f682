// Benchmark of the CPU runtime: selection for one layer and compaction bandwidth vs memcpy.
//
// One layer of 32 KV heads, head_dim 128, T = 32768 prompt tokens, w = 8 window / query rows,
// max pooling kernel 7, cap 2048 - 8 per KV head, KV granularity. Two query-head counts:
//   (a) 32 query heads (MHA-like, one query head per KV head: the headline case)
//   (b) 128 query heads (GQA group 4, Llama-3-8B class)
// each from the w probability rows [n_q, 8, T] and from row-averaged token scores [n_q, 1, T]
// (what a fused attention kernel can emit). Selection runs over disjoint KV-head ranges on
// `--threads` std::threads (each with its own workspace, as the C API allows). Reported:
// median of `--repeat` runs, wall and process CPU time, and a hash of the kept lists.
// Compaction: gather kept K rows (fp16 as 2-byte elements) from NHD and HND into the varlen
// layout, GB/s, compared with one memcpy of the same number of bytes in the same run.
//
// Usage: runtime_select [--threads N] [--repeat R] [--tokens T]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/compact.hpp"
#include "runtime/select.hpp"

using namespace slkv::runtime;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Medians of wall time and of process CPU time (all threads) per run. On a shared, loaded
// machine the CPU time is the steadier figure; on an idle one they agree for one thread.
double g_last_cpu_ms = 0;

template <class Fn>
double median_ms(int repeat, Fn&& fn) {
  std::vector<double> times, cpu;
  for (int r = 0; r < repeat; ++r) {
    double c0 = cpu_ms();
    auto t0 = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu.push_back(cpu_ms() - c0);
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu.begin(), cpu.end());
  g_last_cpu_ms = cpu[cpu.size() / 2];
  return times[times.size() / 2];
}

double select_ms(const SelectConfig& cfg, const ScoreInput& in, const std::vector<int64_t>& caps,
                 int n_threads, int repeat, std::vector<int32_t>& kept,
                 std::vector<int32_t>& n_kept) {
  const int64_t n_plan = cfg.n_plan_heads();
  const auto ws_floats = static_cast<size_t>(select_workspace_floats(cfg, in));
  std::vector<std::vector<float>> ws(n_threads, std::vector<float>(ws_floats));
  SelectOutput out{nullptr, kept.data(), cfg.n_tokens, n_kept.data()};
  auto run_range = [&](int i) {
    const int64_t begin = n_plan * i / n_threads, end = n_plan * (i + 1) / n_threads;
    const char* error = nullptr;
    if (!select_layer(cfg, in, caps, begin, end, ws[i], out, &error)) {
      std::fprintf(stderr, "select failed: %s\n", error);
      std::exit(1);
    }
  };
  return median_ms(repeat, [&] {
    std::vector<std::thread> threads;
    for (int i = 1; i < n_threads; ++i) threads.emplace_back(run_range, i);
    run_range(0);
    for (auto& t : threads) t.join();
  });
}

}  // namespace

int main(int argc, char** argv) {
  int n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeat = 21;
  int64_t t = 32768;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--threads") n_threads = std::atoi(argv[i + 1]);
    if (a == "--repeat") repeat = std::atoi(argv[i + 1]);
    if (a == "--tokens") t = std::atoll(argv[i + 1]);
  }
  const int64_t n_kv = 32, w = 8, d = 128, cap = 2048 - w;
  std::printf(
      "layer: %lld KV heads, head_dim %lld, T %lld, w %lld, max pool 7, cap %lld; "
      "%d thread(s), median of %d\n",
      (long long)n_kv, (long long)d, (long long)t, (long long)w, (long long)cap, n_threads, repeat);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  std::vector<int64_t> caps(n_kv, cap);
  std::vector<int32_t> kept(static_cast<size_t>(n_kv * t)), n_kept(n_kv);
  // Rows: (a) MHA-like, 32 query heads = 32 KV heads; (b) GQA 4, 128 query heads. Each from the
  // w probability rows [n_q, w, T] and from row-averaged token scores [n_q, 1, T].
  for (int64_t n_q : {int64_t{32}, int64_t{128}}) {
    for (int64_t n_rows : {w, int64_t{1}}) {
      std::vector<float> probs(static_cast<size_t>(n_q * n_rows * t));
      for (auto& p : probs) p = uni(rng) / static_cast<float>(t);
      SelectConfig cfg{n_q, n_kv, t, n_rows, w, PoolKind::kMax, 7, true};
      ScoreInput in;
      in.probs = probs.data();
      const double ms = select_ms(cfg, in, caps, n_threads, repeat, kept, n_kept);
      // FNV-1a of every kept list: identical before and after an optimisation.
      uint64_t hash = 1469598103934665603ull;
      for (int64_t h = 0; h < n_kv; ++h)
        for (int32_t i = 0; i < n_kept[h]; ++i)
          hash = (hash ^ static_cast<uint32_t>(kept[h * t + i])) * 1099511628211ull;
      std::printf(
          "select %3lld q heads from [%lld, %lld, T] (%6.1f MB): wall %8.3f ms  cpu %8.3f ms  "
          "(%.1f GB/s by wall)  kept-hash %016llx\n",
          (long long)n_q, (long long)n_q, (long long)n_rows, probs.size() * 4.0 / 1e6, ms,
          g_last_cpu_ms, probs.size() * 4.0 / (ms * 1e6), (unsigned long long)hash);
    }
  }

  // Compaction: 2-byte elements, kept lists from the last selection, 64 rows of slack.
  std::vector<int64_t> offsets(n_kv + 1);
  std::vector<int32_t> lengths(n_kv);
  compact_layout(n_kept.data(), n_kv, 64, offsets.data(), lengths.data());
  const size_t row_bytes = d * 2;
  std::vector<unsigned char> src(static_cast<size_t>(t * n_kv) * row_bytes, 1);
  std::vector<unsigned char> dst(static_cast<size_t>(offsets[n_kv]) * row_bytes);
  size_t moved = 0;
  for (int64_t h = 0; h < n_kv; ++h) moved += static_cast<size_t>(lengths[h]) * row_bytes;
  std::vector<unsigned char> flat(moved);
  double ms_memcpy = median_ms(repeat, [&] { std::memcpy(dst.data(), src.data(), moved); });
  const double cpu_memcpy = g_last_cpu_ms;
  std::printf("memcpy of %.1f MB:                    wall %8.3f ms  cpu %8.3f ms  (%.1f GB/s)\n",
              moved / 1e6, ms_memcpy, cpu_memcpy, moved / (ms_memcpy * 1e6));
  for (KvLayout layout : {KvLayout::kNhd, KvLayout::kHnd}) {
    CompactConfig cc{t, n_kv, n_kv, d, 2, layout};
    double ms = median_ms(repeat, [&] {
      compact_gather(cc, src.data(), kept.data(), t, offsets.data(), lengths.data(), dst.data());
    });
    std::printf(
        "compact gather %s (%.1f MB):          wall %8.3f ms  cpu %8.3f ms  (%.1f GB/s, "
        "%.0f%% of memcpy by wall, %.0f%% by cpu)\n",
        layout == KvLayout::kNhd ? "NHD" : "HND", moved / 1e6, ms, g_last_cpu_ms,
        moved / (ms * 1e6), 100.0 * ms_memcpy / ms, 100.0 * cpu_memcpy / g_last_cpu_ms);
  }
  return 0;
}
