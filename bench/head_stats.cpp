// Cost of the profiler's per-row statistics (lib/profile/head_stats) against the attention work
// that produced the row: for each key count T, the time HeadStats::row_stats() takes on one
// softmax row, next to the time of computing that row in the first place for one query head
// (q·K over head_dim plus a softmax, single thread, no BLAS): the floor of what the engine
// spends per tapped row. Median of several runs, single thread.
//
//   slkv_bench_head_stats [--keys 1024,4096,8192,32768] [--head-dim 64] [--runs 7]
// Prints a markdown table.

#include "profile/head_stats.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "probes/rng.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Softmax of q·k_j / sqrt(d) for one query over n keys; keys [n, d] row-major.
void attention_row(const std::vector<float>& q, const std::vector<float>& keys, int64_t n,
                   int64_t d, std::vector<float>& row) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  float max_logit = -INFINITY;
  for (int64_t j = 0; j < n; ++j) {
    const float* k = keys.data() + j * d;
    float dot = 0;
    for (int64_t i = 0; i < d; ++i) dot += q[static_cast<size_t>(i)] * k[i];
    row[static_cast<size_t>(j)] = dot * scale;
    max_logit = std::max(max_logit, row[static_cast<size_t>(j)]);
  }
  double total = 0;
  for (int64_t j = 0; j < n; ++j) {
    row[static_cast<size_t>(j)] = std::exp(row[static_cast<size_t>(j)] - max_logit);
    total += row[static_cast<size_t>(j)];
  }
  const auto inv = static_cast<float>(1.0 / total);
  for (int64_t j = 0; j < n; ++j) row[static_cast<size_t>(j)] *= inv;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> key_counts{1024, 4096, 8192, 32768};
  int64_t head_dim = 64;
  int runs = 7;
  CLI::App app{"slkv head-statistics cost per tapped attention row"};
  app.add_option("--keys", key_counts, "key counts T")->delimiter(',');
  app.add_option("--head-dim", head_dim, "head dimension of the yardstick attention row");
  app.add_option("--runs", runs, "timed repetitions (median reported)");
  CLI11_PARSE(app, argc, argv);

  std::printf("| keys T | rows | statistics us/row | q·K+softmax us/row | ratio |\n");
  std::printf("|---:|---:|---:|---:|---:|\n");
  for (int64_t n : key_counts) {
    slkv::probes::Rng rng(static_cast<uint64_t>(n));
    auto uniform = [&] { return static_cast<float>(rng.below(1u << 24)) / (1u << 24) - 0.5f; };
    std::vector<float> keys(static_cast<size_t>(n * head_dim));  // [n, head_dim]
    for (auto& x : keys) x = 2 * uniform();
    std::vector<float> q(static_cast<size_t>(head_dim));
    for (auto& x : q) x = 4 * uniform();
    std::vector<float> row(static_cast<size_t>(n));
    attention_row(q, keys, n, head_dim, row);

    std::vector<int32_t> tokens(static_cast<size_t>(n));
    for (auto& t : tokens) t = static_cast<int32_t>(rng.below(32000));
    // A needle of 40 tokens at 30% depth, 2 distractor blocks of 30 tokens.
    const std::vector<slkv::probes::Span> needle{{n * 3 / 10, n * 3 / 10 + 40}};
    const std::vector<slkv::probes::Span> distractors{{n / 10, n / 10 + 30},
                                                      {n * 7 / 10, n * 7 / 10 + 30}};
    const int rows_per_run = static_cast<int>(std::max<int64_t>(8, (1 << 22) / n));

    std::vector<double> observe_us, attention_us;
    volatile float sink = 0;
    for (int r = 0; r < runs; ++r) {
      slkv::profile::HeadStats stats(1, 1);
      stats.begin_probe({tokens, needle, distractors});
      const int32_t emitted = tokens[static_cast<size_t>(n * 3 / 10)];
      auto t0 = Clock::now();
      for (int i = 0; i < rows_per_run; ++i) {
        sink = sink + static_cast<float>(stats.row_stats(0, row, emitted).wtp);
      }
      auto t1 = Clock::now();
      for (int i = 0; i < rows_per_run; ++i) {
        q[0] += 1e-6f;
        attention_row(q, keys, n, head_dim, row);
        sink = sink + row[0];
      }
      auto t2 = Clock::now();
      observe_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() /
                           rows_per_run);
      attention_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count() /
                             rows_per_run);
    }
    const double o = median(observe_us), a = median(attention_us);
    std::printf("| %lld | %d | %.1f | %.1f | %.2f |\n", static_cast<long long>(n), rows_per_run, o,
                a, o / a);
  }
  std::printf(
      "\nstatistics = HeadStats::row_stats(), the whole per-row work of observe() "
      "except a dozen additions into the head's accumulator.\n");
  return 0;
}
