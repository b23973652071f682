// The prompt-batch projections alone: layer 0's seven projection weights of a real checkpoint
// (as stored: quantized or not) times a batch of activation rows, through linear() with each
// product mode, the modes interleaved, best of --rounds per weight. Modes: own (prompt_gemm,
// engine/prompt_gemm.hpp), sgemm (dequantize to scratch + OpenBLAS sgemm), fused (own, with
// q/k/v and gate/up sharing one packing of their activations as the Session calls them).
// GFLOP/s is 2 * rows * out * in over the summed best times, against OpenBLAS sgemm's 2048^3
// peak measured in the same run (best of the measurements before and after).
// Usage (--help explains each option):
//   bench_gemm MODEL [--rows 512] [--rounds 5] [--modes own,fused,sgemm]
// Threads: OMP_NUM_THREADS (default: all cores).

#include <cblas.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common.hpp"
#include "core/error.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/model.hpp"
#include "engine/ops.hpp"
#include "engine/prompt_gemm.hpp"
#include "model/checkpoint.hpp"

namespace {

using namespace slkv::bench;  // bench/common.hpp

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  int64_t rows = 512, rounds = 5;
  std::vector<std::string> modes = {"own", "fused", "sgemm"};
  CLI::App app{
      "The prompt-batch projections alone: layer 0's projection weights of a checkpoint times a "
      "batch of activation rows, per product mode, modes interleaved, best of --rounds, against "
      "OpenBLAS sgemm's 2048^3 peak. Threads: OMP_NUM_THREADS."};
  app.add_option("model", model_path, "GGUF file or Hugging Face model directory")->required();
  app.add_option("--rows", rows, "Activation rows (prompt tokens) per product")
      ->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "Rounds; the fastest per weight is reported")
      ->check(CLI::PositiveNumber);
  app.add_option("--modes", modes,
                 "own (prompt_gemm), fused (own, q/k/v and gate/up sharing one activation "
                 "packing), sgemm (dequantize + OpenBLAS)")
      ->delimiter(',')
      ->check(CLI::IsMember({"own", "fused", "sgemm"}));
  CLI11_PARSE(app, argc, argv);
  try {
    double peak = sgemm_peak_gflops(2048);
    auto checkpoint = slkv::Checkpoint::open(model_path);
    slkv::CheckpointWeights weights(*checkpoint);
    slkv::Model model(checkpoint->config(), weights);  // makes OpenBLAS single-threaded
    const slkv::LayerWeights& lw = model.weights().layers[0];
    const slkv::TensorInfo* group[] = {lw.wq, lw.wk, lw.wv, lw.wo, lw.w_gate, lw.w_up, lw.w_down};
    int64_t max_in = 0, max_out = 0;
    double flops = 0;
    for (const slkv::TensorInfo* w : group) {
      max_in = std::max(max_in, w->shape[1]);
      max_out = std::max(max_out, w->shape[0]);
      flops += 2.0 * rows * w->shape[0] * w->shape[1];
    }
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(rows * max_in));
    for (float& v : x) v = normal(rng);
    std::vector<std::vector<float>> y(7, std::vector<float>(static_cast<size_t>(rows * max_out)));
    slkv::LinearScratch scratch;
    // Seconds per call group: 0 q,k,v  1 o  2 gate,up  3 down (shared activations per group).
    const int groups[][3] = {{0, 1, 2}, {3, -1, -1}, {4, 5, -1}, {6, -1, -1}};
    std::vector<std::vector<double>> best(modes.size(), std::vector<double>(4, 1e300));
    for (int64_t r = 0; r < rounds; ++r) {
      for (size_t m = 0; m < modes.size(); ++m) {
        slkv::detail::set_prompt_gemm(modes[m] == "sgemm" ? slkv::detail::PromptGemmChoice::kSgemm
                                                          : slkv::detail::PromptGemmChoice::kOwn);
        for (int g = 0; g < 4; ++g) {
          const auto t0 = Clock::now();
          if (modes[m] == "fused") {
            std::vector<slkv::GemmTarget> targets;
            for (int i : groups[g]) {
              if (i >= 0) targets.push_back({group[i], 0, group[i]->shape[0], y[i].data()});
            }
            slkv::prompt_gemm(x.data(), rows, group[groups[g][0]]->shape[1], targets, scratch.gemm);
          } else {
            for (int i : groups[g]) {
              if (i >= 0) slkv::linear(*group[i], x.data(), rows, y[i].data(), nullptr, scratch);
            }
          }
          best[m][g] = std::min(best[m][g], seconds_since(t0));
        }
      }
    }
    peak = std::max(peak, sgemm_peak_gflops(2048));
    std::printf(
        "%s layer 0 projections (%s), %lld rows, %d threads, OpenBLAS sgemm 2048^3 peak "
        "%.1f GFLOP/s\n",
        model_path.c_str(), std::string(slkv::ggml_type_name(lw.wq->type)).c_str(),
        static_cast<long long>(rows), omp_get_max_threads(), peak);
    std::printf(
        "| mode | ms (q,k,v / o / gate,up / down) | GFLOP/s | %% of peak | sgemm time / this |\n"
        "|---|---|---:|---:|---:|\n");
    auto total = [&](size_t m) { return best[m][0] + best[m][1] + best[m][2] + best[m][3]; };
    const auto sgemm = std::find(modes.begin(), modes.end(), "sgemm");
    for (size_t m = 0; m < modes.size(); ++m) {
      const double gf = flops / total(m) / 1e9;
      std::printf("| %s | %.2f / %.2f / %.2f / %.2f | %.1f | %.1f%% | ", modes[m].c_str(),
                  best[m][0] * 1e3, best[m][1] * 1e3, best[m][2] * 1e3, best[m][3] * 1e3, gf,
                  100 * gf / peak);
      if (sgemm == modes.end()) {
        std::printf("- |\n");
      } else {
        std::printf("%.2fx |\n", total(static_cast<size_t>(sgemm - modes.begin())) / total(m));
      }
    }
  } catch (const slkv::Error& e) {
    std::fprintf(stderr, "bench_gemm: %s\n", e.what());
    return 1;
  }
  return 0;
}
