// The softmax exponentials alone (engine/softmax_exp.hpp): exp_shift_sum and softmax_row_max
// per ISA on score rows of one attention key block (256 floats, in L1), as prefill attention and
// SiLU/GELU call them. Best of --rounds; each round runs every ISA in turn, so a slow stretch of
// a shared machine hits them all. Prints ns per element and the ISAs' ratios to the portable loop.
// Usage: slkv_bench_softmax_exp [--row 256] [--rounds 15] [--seconds 0.2]

#include "engine/softmax_exp.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using slkv::detail::SoftmaxIsa;
using Clock = std::chrono::steady_clock;

const char* isa_name(SoftmaxIsa isa) {
  switch (isa) {
    case SoftmaxIsa::kPortable:
      return "portable";
    case SoftmaxIsa::kAvx2:
      return "avx2";
    case SoftmaxIsa::kAvx512:
      return "avx512";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "The softmax exponentials alone: exp_shift_sum and softmax_row_max per ISA on score rows "
      "of one attention key block, best of --rounds, in ns per element."};
  int64_t row = 256;
  int rounds = 15;
  double seconds = 0.2;
  app.add_option("--row", row, "Floats per row (prefill attention's key block: 256)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_option("--rounds", rounds, "Rounds; the fastest is reported")->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "Time per ISA and round")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  // Scores shifted by their maximum land in [-20, 0] for most kept keys; the exponential costs
  // the same anywhere in its range.
  std::vector<float> src(static_cast<size_t>(row)), s(src.size());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-20.0f, 0.0f);
  for (float& v : src) v = dist(rng);
  std::vector<SoftmaxIsa> isas;
  for (SoftmaxIsa isa : {SoftmaxIsa::kPortable, SoftmaxIsa::kAvx2, SoftmaxIsa::kAvx512})
    if (slkv::detail::softmax_isa_supported(isa)) isas.push_back(isa);
  std::vector<double> best_exp(isas.size(), 1e30), best_max(isas.size(), 1e30);
  volatile float sink = 0.0f;
  // ns per element of `body` (one call on a fresh copy of the row), the copy's time included.
  auto time_calls = [&](auto&& body) {
    int64_t calls = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < seconds) {
      for (int i = 0; i < 64; ++i, ++calls) {
        std::copy(src.begin(), src.end(), s.begin());
        sink = sink + body();
      }
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    return elapsed / static_cast<double>(calls) / static_cast<double>(row) * 1e9;
  };
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < isas.size(); ++i) {
      const SoftmaxIsa isa = isas[i];
      best_exp[i] = std::min(best_exp[i], time_calls([&] {
                               return slkv::detail::exp_shift_sum_isa(isa, s.data(), row, 0.0f);
                             }));
      best_max[i] = std::min(best_max[i], time_calls([&] {
                               return slkv::detail::softmax_row_max_isa(isa, s.data(), row);
                             }));
    }
  }
  std::printf("row %lld floats, best of %d rounds of %.2f s (a row copy included in each call)\n",
              static_cast<long long>(row), rounds, seconds);
  std::printf(
      "| isa | exp_shift_sum ns/elem | x portable | row_max ns/elem |\n|---|---:|---:|---:|\n");
  for (size_t i = 0; i < isas.size(); ++i) {
    std::printf("| %s | %.3f | %.1fx | %.3f |\n", isa_name(isas[i]), best_exp[i],
                best_exp[0] / best_exp[i], best_max[i]);
  }
  return 0;
}
