// Time to open a checkpoint: Checkpoint::open (map, parse metadata and tensor index, build the
// ModelConfig, check tensor shapes) + config() + fingerprint(), median of N runs after one
// warm-up (the file is in the page cache; no tensor bytes are read).
// Usage: slkv_bench_open_model [--runs N] [MODEL ...]   (default: the two test models)

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/checkpoint.hpp"

namespace {

std::vector<std::string> default_models() {
  const char* env = std::getenv("SLKV_MODELS");
  const char* home = std::getenv("HOME");
  const std::filesystem::path dir =
      env && *env ? std::filesystem::path(env)
                  : std::filesystem::path(home ? home : "/tmp") / ".cache/slkv/models";
  std::vector<std::string> out;
  for (const char* f : {"SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"}) {
    if (std::filesystem::exists(dir / f)) out.push_back((dir / f).string());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  std::vector<std::string> models;
  CLI::App app{
      "Time to open a checkpoint (map, parse metadata and tensor index, build the ModelConfig, "
      "check shapes) + config() + fingerprint(): median of --runs after one warm-up."};
  app.add_option("models", models,
                 "GGUF files or Hugging Face model directories (default: the two test models in "
                 "$SLKV_MODELS or ~/.cache/slkv/models)");
  app.add_option("--runs", runs, "Timed opens per model")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (models.empty()) models = default_models();
  if (models.empty()) {
    std::fprintf(stderr, "slkv_bench_open_model: no models (run scripts/get-model.sh)\n");
    return 1;
  }
  std::printf("%-40s %6s %10s %10s %10s %8s\n", "model", "runs", "median_ms", "min_ms", "max_ms",
              "tensors");
  try {
    for (const std::string& path : models) {
      size_t n_tensors = slkv::Checkpoint::open(path)->tensors().size();  // warm-up
      std::vector<double> ms;
      for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto ck = slkv::Checkpoint::open(path);
        const slkv::ModelConfig& config = ck->config();
        const std::string& fp = ck->fingerprint();
        const auto t1 = std::chrono::steady_clock::now();
        if (config.n_layers <= 0 || fp.size() != 32) return 3;
        n_tensors = ck->tensors().size();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      const double median =
          ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
      std::printf("%-40s %6d %10.2f %10.2f %10.2f %8zu\n",
                  std::filesystem::path(path).filename().string().c_str(), runs, median, ms.front(),
                  ms.back(), n_tensors);
    }
  } catch (const slkv::Error& e) {
    std::fprintf(stderr, "slkv_bench_open_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
