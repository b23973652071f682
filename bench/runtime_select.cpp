// Benchmark of the CPU runtime: selection for one layer and compaction bandwidth vs memcpy.
//
// Shape (Llama-3-8B class): 32 KV heads, GQA group 4 -> 128 query heads, head_dim 128,
// T = 32768 prompt tokens, w = 8 window / query rows, max pooling kernel 7, cap 2048 - 8 per
// KV head. Selection runs over disjoint KV-head ranges on `--threads` std::threads (each with
// its own workspace, as the C API allows). Reported: median of `--repeat` runs.
//   (a) from probabilities [128, 8, T] (w query rows each: 134 MB of input per layer)
//   (b) from row-averaged token scores [128, 1, T] (what a fused attention kernel can emit)
// Compaction: gather kept K rows (fp16 as 2-byte elements) from NHD and HND into the varlen
// layout, GB/s, compared with one memcpy of the same number of bytes in the same run.
//
// Usage: runtime_select [--threads N] [--repeat R] [--tokens T]

#include <algorithm>
#include <chrono>
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
  const int64_t n_kv = 32, n_q = 128, w = 8, d = 128, cap = 2048 - w;
  std::printf(
      "shape: %lld query heads, %lld KV heads, head_dim %lld, T %lld, w %lld, cap %lld; "
      "%d thread(s), median of %d\n",
      (long long)n_q, (long long)n_kv, (long long)d, (long long)t, (long long)w, (long long)cap,
      n_threads, repeat);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  std::vector<float> probs(static_cast<size_t>(n_q * w * t));
  for (auto& p : probs) p = uni(rng) / static_cast<float>(t);
  std::vector<int64_t> caps(n_kv, cap);
  std::vector<int32_t> kept(static_cast<size_t>(n_kv * t)), n_kept(n_kv);

  SelectConfig cfg{n_q, n_kv, t, w, w, PoolKind::kMax, 7, true};
  ScoreInput in;
  in.probs = probs.data();
  double ms_probs = select_ms(cfg, in, caps, n_threads, repeat, kept, n_kept);
  std::printf("select from probs [%lld, %lld, T]:     wall %8.3f ms  cpu %8.3f ms  (%.1f GB/s)\n",
              (long long)n_q, (long long)w, ms_probs, g_last_cpu_ms,
              probs.size() * 4.0 / (ms_probs * 1e6));
  cfg.n_rows = 1;  // the first T floats of every query head's rows act as averaged scores
  std::vector<float> scores(static_cast<size_t>(n_q * t));
  for (int64_t h = 0; h < n_q; ++h)
    std::memcpy(scores.data() + h * t, probs.data() + h * w * t, sizeof(float) * t);
  in.probs = scores.data();
  double ms_scores = select_ms(cfg, in, caps, n_threads, repeat, kept, n_kept);
  std::printf("select from token scores [%lld, 1, T]: wall %8.3f ms  cpu %8.3f ms\n",
              (long long)n_q, ms_scores, g_last_cpu_ms);

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
