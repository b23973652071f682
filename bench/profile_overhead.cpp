// Profiling throughput against plain inference on the same probe, in the same process:
//   plain:     prefill the prompt, then feed the gold answer token by token, no observer;
//   profiling: the same through ProbeRunner (teacher-forced), the tap asking for the answer
//              rows and HeadStats reducing them.
// Prints tokens/s of both, the overhead, and the peak resident memory of the process.
//
//   OMP_NUM_THREADS=2 bench_profile_overhead MODEL [--length 2048] [--runs 3] [--no-plain]
// (--no-plain prints 0 for the plain columns)

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "../tools/slkv-profile/tokenizer_encoder.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/model.hpp"
#include "model/checkpoint.hpp"
#include "model/tokenizer.hpp"
#include "probes/haystack.hpp"
#include "probes/probe_set.hpp"
#include "profile/probe_runner.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_profile_overhead: slkv-profile's cost over plain inference"};
  std::string model_path;
  int64_t length = 2048;
  int runs = 3;
  app.add_option("model", model_path, "checkpoint")->required();
  app.add_option("--length", length, "probe length in tokens");
  app.add_option("--runs", runs, "repetitions (median reported)");
  bool no_plain = false;
  app.add_flag("--no-plain", no_plain, "only the profiling pass (for its peak memory alone)");
  CLI11_PARSE(app, argc, argv);
  try {
    auto ckpt = slkv::Checkpoint::open(model_path);
    slkv::Tokenizer tok = slkv::tokenizer_from_gguf(*ckpt->gguf());
    slkv::CheckpointWeights weights(*ckpt);
    slkv::Model model(ckpt->config(), weights);
    slkv::tools::TokenizerEncoder encoder(tok);
    slkv::probes::ProbeConfig pc;
    pc.lengths_tokens = {length};
    pc.depths = {0.5};
    pc.families = {slkv::probes::NeedleFamily::kSurface};
    const slkv::probes::Probe probe =
        slkv::probes::build_probe(pc, slkv::probes::Haystack::builtin(), encoder, 0);
    const int64_t n_tokens =
        probe.n_prompt() + static_cast<int64_t>(probe.answer_tokens.size()) - 1;

    slkv::Session session(model);
    slkv::profile::ProbeRunnerOptions ro;
    ro.teacher_force = true;
    slkv::profile::ProbeRunner runner(
        session, [&tok](std::span<const int32_t> ids) { return tok.decode(ids); }, ro);
    std::vector<double> plain, profiled, stats;
    for (int r = 0; r < runs; ++r) {
      session.reset();
      auto t0 = Clock::now();
      if (!no_plain) {
        session.forward_last(probe.tokens);
        for (size_t i = 0; i + 1 < probe.answer_tokens.size(); ++i) {
          const int32_t one[1] = {probe.answer_tokens[i]};
          session.forward_last(one);
        }
      }
      plain.push_back(since(t0));
      t0 = Clock::now();
      const slkv::profile::ProbeRunResult res = runner.run(probe);
      profiled.push_back(since(t0));
      stats.push_back(res.stats_seconds);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double p = no_plain ? 0.0 : median(plain), q = median(profiled);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf(
        "| model | probe tokens | plain tok/s | profiling tok/s | overhead | "
        "head-stats s | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|\n");
    std::printf("| %s | %lld | %.1f | %.1f | %+.1f%% | %.3f | %.0f |\n",
                ckpt->config().name.c_str(), static_cast<long long>(n_tokens),
                no_plain ? 0.0 : n_tokens / p, n_tokens / q, no_plain ? 0.0 : 100.0 * (q - p) / p,
                median(stats), ru.ru_maxrss / 1024.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_profile_overhead: %s\n", e.what());
    return 1;
  }
  return 0;
}
