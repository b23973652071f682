// Prefill attention alone: one batch of queries (the Session's 512 by default) attending over a
// cache that already holds `context` keys before it, as the engine's last prefill batch does,
// for each tile-product mode (the best tile kernels, the AVX2 ones, sgemm), the modes
// interleaved, best of --rounds. GFLOP/s counts 4 * head_dim per visible (query head, key) pair,
// as slkv_bench_engine does, against OpenBLAS sgemm's 2048^3 peak measured in the same run.
// Shapes: SmolLM2-135M (9 heads, 3 KV heads, head_dim 64) and Gemma 3 270M (4 heads, 1 KV head,
// head_dim 256, no window: its global layers) by default.
// Usage (--help explains each option):
//   bench_attention [--context 1536,7680] [--batch 512] [--rounds 5]
//                   [--modes tile,tile-avx2,sgemm] [--kv-type f32] [--shapes smollm2,gemma3]
// Threads: OMP_NUM_THREADS (default: all cores).

#include "engine/attention.hpp"

#include <cblas.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common.hpp"
#include "engine/attention_tile.hpp"
#include "engine/kv_cache.hpp"
#include "engine/kv_type.hpp"

namespace {

using namespace slkv::bench;  // bench/common.hpp

struct Shape {
  const char* key;
  const char* name;
  int64_t n_heads, n_kv_heads, head_dim;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> contexts = {1536, 7680};
  int64_t batch = 512, rounds = 5;
  std::vector<std::string> modes = {"tile", "tile-avx2", "sgemm"};
  std::string kv = "f32";
  std::vector<std::string> shape_names = {"smollm2", "gemma3"};
  CLI::App app{
      "Prefill attention alone: one batch of queries attending over a cache holding `context` "
      "keys before it, per tile-product mode, against OpenBLAS sgemm's 2048^3 peak measured in "
      "the same run. Threads: OMP_NUM_THREADS. Lists are comma-separated."};
  app.add_option("--context", contexts, "Keys already in the cache before the batch")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  app.add_option("--batch", batch, "Queries in the batch")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "Rounds, modes interleaved; the fastest is reported")
      ->check(CLI::PositiveNumber);
  app.add_option("--modes", modes, "tile (the best tile kernels), tile-avx2, sgemm")
      ->delimiter(',')
      ->check(CLI::IsMember({"tile", "tile-avx2", "sgemm"}));
  app.add_option("--kv-type", kv, "KV cache element type")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  app.add_option("--shapes", shape_names,
                 "smollm2 (9 heads, 3 KV heads, head_dim 64), gemma3 (4, 1, 256; no window)")
      ->delimiter(',')
      ->check(CLI::IsMember({"smollm2", "gemma3"}));
  CLI11_PARSE(app, argc, argv);
  const double peak = sgemm_peak_gflops(2048);
  std::printf("%d threads, OpenBLAS sgemm 2048^3 peak %.1f GFLOP/s, batch %lld, %s cache\n",
              omp_get_max_threads(), peak, static_cast<long long>(batch), kv.c_str());
  std::printf(
      "| shape | context | mode | ms | GFLOP/s | %% of peak |\n|---|---:|---|---:|---:|---:|\n");
  const Shape known[] = {{"smollm2", "SmolLM2-135M", 9, 3, 64},
                         {"gemma3", "Gemma 3 270M", 4, 1, 256}};
  std::vector<Shape> shapes;
  for (const std::string& n : shape_names) {
    const Shape* it = std::find_if(std::begin(known), std::end(known),
                                   [&](const Shape& sh) { return n == sh.key; });
    if (it == std::end(known)) {
      std::fprintf(stderr, "bench_attention: unknown shape '%s' (smollm2, gemma3)\n", n.c_str());
      return 2;
    }
    shapes.push_back(*it);
  }
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (const Shape& sh : shapes) {
    const int64_t hd = sh.head_dim, H = sh.n_heads, G = sh.n_kv_heads;
    for (int64_t ctx : contexts) {
      slkv::KvCache cache(1, G, hd, slkv::parse_kv_type(kv));
      const int64_t total = ctx + batch;
      std::vector<float> k(static_cast<size_t>(total * G * hd)), v(k.size());
      for (float& x : k) x = normal(rng);
      for (float& x : v) x = normal(rng);
      std::vector<int64_t> pos(static_cast<size_t>(total));
      for (int64_t i = 0; i < total; ++i) pos[static_cast<size_t>(i)] = i;
      cache.append(0, pos, k.data(), v.data());
      const std::vector<int64_t> qpos(pos.begin() + ctx, pos.end());
      std::vector<float> q(static_cast<size_t>(batch * H * hd)), out(q.size());
      for (float& x : q) x = normal(rng);
      std::vector<float> row_max(static_cast<size_t>(H * batch)), row_sum(row_max.size());
      const slkv::AttentionParams p{H, G, hd, 1.0f / std::sqrt(static_cast<float>(hd)), 0};
      // Visible pairs: query t (position ctx + t) sees ctx + t + 1 keys.
      const double pairs = static_cast<double>(batch) * ctx + batch * (batch + 1) / 2.0;
      const double flops = 4.0 * hd * H * pairs;
      std::vector<double> best(modes.size(), 1e300);
      for (int64_t r = 0; r < rounds; ++r) {
        for (size_t m = 0; m < modes.size(); ++m) {
          slkv::detail::set_tile_isa_limit(tile_limit(modes[m]));
          const auto t0 = Clock::now();
          slkv::attention_forward(p, cache, 0, qpos, q.data(), out.data(), row_max.data(),
                                  row_sum.data());
          best[m] = std::min(best[m], seconds_since(t0));
        }
      }
      for (size_t m = 0; m < modes.size(); ++m) {
        const double gf = flops / best[m] / 1e9;
        std::printf("| %s | %lld | %s | %.2f | %.1f | %.1f%% |\n", sh.name,
                    static_cast<long long>(ctx), attention_name(modes[m], hd).c_str(),
                    best[m] * 1e3, gf, 100 * gf / peak);
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
