// Engine speed: prefill tokens/s at several prompt lengths, decode tokens/s at a given context,
// the GFLOP/s these reach against OpenBLAS sgemm's measured peak in the same run, and peak
// resident memory. Prompts are pseudo-random token ids (speed does not depend on the text).
// Usage (--help explains each option):
//   bench_engine MODEL [--prefill 512,2048,8192] [--decode-context 512,2048]
//                      [--decode-tokens 16] [--matvec exact,int8] [--rounds 2]
//                      [--kv-type f32,f16] [--batch 512] [--decode-kernel avx512]
//                      [--prefill-weights streamed,own,own-avx2,sgemm,packed] [--prefill-rounds 1]
//                      [--prefill-attention tile,tile-avx2,sgemm] [--warmup 512]
// --prefill-weights: streamed (the default: each prompt batch dequantizes and packs every weight
// as it goes, through whichever product this CPU uses by default), own (forced: prompt_gemm,
// engine/prompt_gemm.hpp, dequantizing into its own panels, with its AVX-512 tiles where the CPU
// has them; own-avx2 the same on its AVX2 tiles only), sgemm (forced: dequantize to
// scratch + OpenBLAS sgemm) and/or packed (Model::pack_prefill_weights, oneDNN; the packing time
// and bytes are printed once). --prefill-attention: the products of prefill attention tiles through
// the register-tiled kernels (engine/attention_tile.hpp: `tile` the best this CPU has, the default;
// `tile-avx2` the AVX2 ones) and/or OpenBLAS sgemm; every weight mode runs with every attention
// mode, and each line names the kernels that ran. --prefill-rounds: each
// prefill is run this many times per mode, the modes interleaved, and the fastest run is reported;
// with more than one round the sgemm peak is re-measured before each round and the highest is the
// yardstick (printed at the end).
// --decode-kernel avx512|avx2|tiled: caps the attention kernel of decode steps (default: the
// best this CPU has), to compare them on one machine.
// --batch: the Session's largest batch (a longer prompt runs in batches of this many tokens).
// Decode runs each --matvec precision in turn, --rounds times --decode-tokens tokens each.
// Every prefill and decode is repeated for each --kv-type (KV cache element type).
// Threads: OMP_NUM_THREADS (default: all cores).

#include <cblas.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "core/error.hpp"
#include "engine/attention_decode.hpp"
#include "engine/attention_tile.hpp"
#include "engine/checkpoint_weights.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "model/checkpoint.hpp"

namespace {

using namespace slkv::bench;  // bench/common.hpp

// Peak resident set (VmHWM) in MiB.
double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// OpenBLAS sgemm on the model's own projection shapes (q, k, v, o, gate, up, down) with m
// tokens, laid out as the engine calls it (x [m, in] times w [out, in] transposed), all threads
// on each call, best of 3 per shape: their FLOPs over their summed times. The ceiling the
// projections could reach with f32 weights and no dequantization, to read the prefill share
// against (the square 2048^3 peak is the yardstick; these shapes are smaller).
double projection_sgemm_gflops(const slkv::ModelConfig& c, int m) {
  const int q = static_cast<int>(c.n_heads * c.head_dim),
            kv = static_cast<int>(c.n_kv_heads * c.head_dim);
  const int h = static_cast<int>(c.hidden), f = static_cast<int>(c.ffn_hidden);
  const int shapes[][2] = {{q, h}, {kv, h}, {kv, h}, {h, q}, {f, h}, {f, h}, {h, f}};  // {out, in}
  const AllThreadsBlas all_threads;
  double flops = 0, secs = 0;
  for (const auto& sh : shapes) {
    const int out = sh[0], in = sh[1];
    std::vector<float> x(static_cast<size_t>(m) * in, 0.5f),
        w(static_cast<size_t>(out) * in, 0.25f), y(static_cast<size_t>(m) * out);
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      const auto t0 = Clock::now();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, out, in, 1.0f, x.data(), in, w.data(),
                  in, 0.0f, y.data(), out);
      best = std::min(best, seconds_since(t0));
    }
    flops += 2.0 * m * out * in;
    secs += best;
  }
  return flops / secs / 1e9;
}

// FLOPs of a forward over tokens at positions [past, past + n) with logits for the last one:
// 2 per multiply-add in every projection, and 4 * head_dim per (query head, visible key).
double forward_flops(const slkv::ModelConfig& c, int64_t past, int64_t n) {
  const double q = c.n_heads * c.head_dim, kv = c.n_kv_heads * c.head_dim;
  const double per_token_layer =
      2.0 * (c.hidden * (q + 2 * kv) + q * c.hidden + 3.0 * c.hidden * c.ffn_hidden);
  double flops = per_token_layer * c.n_layers * n + 2.0 * c.vocab_size * c.hidden;
  for (int64_t il = 0; il < c.n_layers; ++il) {
    const int64_t w = c.layer_sliding[il] ? c.sliding_window : 0;
    for (int64_t p = past; p < past + n; ++p) {
      const int64_t keys = w > 0 ? std::min<int64_t>(p + 1, w) : p + 1;
      flops += 4.0 * c.head_dim * c.n_heads * keys;
    }
  }
  return flops;
}

std::vector<int32_t> random_prompt(int64_t n, int64_t vocab) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> d(0, static_cast<int32_t>(vocab - 1));
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (auto& x : ids) x = d(rng);
  return ids;
}

// The 1-minute load average (the machine may be shared).
double load_average() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

const char* decode_kernel_name(slkv::detail::DecodeIsa isa) {
  switch (isa) {
    case slkv::detail::DecodeIsa::kAvx512:
      return "avx512";
    case slkv::detail::DecodeIsa::kAvx2:
      return "avx2";
    case slkv::detail::DecodeIsa::kNone:
      break;
  }
  return "tiled";
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::vector<int64_t> prefill = {512, 2048, 8192};
  std::vector<int64_t> decode_contexts = {2048};
  int64_t decode_tokens = 16, rounds = 2, batch = 0;  // 0: the Session's default
  int64_t prefill_rounds = 1;
  int64_t warmup = 512;
  std::vector<std::string> weight_modes = {"streamed"};
  std::vector<std::string> attention_modes = {"tile"};
  std::vector<std::string> precisions = {"exact", "int8"};
  std::vector<std::string> kv_types = {"f32"};
  std::string decode_kernel;
  double sustained_seconds = 0;
  CLI::App app{
      "Engine speed: prefill tokens/s per prompt length and decode tokens/s per context, the "
      "GFLOP/s they reach against OpenBLAS sgemm's 2048^3 peak measured in the same run, CPU "
      "seconds and peak memory. Threads: OMP_NUM_THREADS. Lists are comma-separated."};
  app.add_option("model", model_path, "GGUF file or Hugging Face model directory")->required();
  app.add_option("--prefill", prefill, "Prompt lengths to prefill")->delimiter(',');
  app.add_option("--decode-context", decode_contexts,
                 "Prompt lengths after which to decode (a length not in --prefill decodes "
                 "nothing; 0 for none)")
      ->delimiter(',');
  app.add_option("--decode-tokens", decode_tokens, "Greedy tokens per decode round")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rounds", rounds, "Decode rounds per context (0: no decode)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--matvec", precisions, "Decode products: exact (f32) and/or int8")
      ->delimiter(',')
      ->check(CLI::IsMember({"exact", "int8"}));
  app.add_option("--kv-type", kv_types, "KV cache element types, each run in turn")
      ->delimiter(',')
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  app.add_option("--batch", batch, "The Session's largest prompt batch (0: its default, 512)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--prefill-rounds", prefill_rounds,
                 "Runs of each prefill per mode, interleaved; the fastest is reported and the "
                 "sgemm peak re-measured before each round")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup,
                 "Tokens of one untimed prefill before any timed one (0: none). The first "
                 "forward of a process touches the mapped weights and scratch for the first "
                 "time; on the 2-vCPU VM a first 512-token prefill with two threads was 14-18% "
                 "slower than the next")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--prefill-weights", weight_modes,
                 "streamed (default path), own (prompt_gemm forced; AVX-512 tiles where the CPU "
                 "has them), own-avx2 (prompt_gemm on its AVX2 tiles only), sgemm (dequantize + "
                 "OpenBLAS forced), packed (oneDNN, packed at load)")
      ->delimiter(',')
      ->check(CLI::IsMember({"streamed", "own", "own-avx2", "sgemm", "packed"}));
  app.add_option("--prefill-attention", attention_modes,
                 "Prefill attention products: tile (best tile kernels), tile-avx2, sgemm")
      ->delimiter(',')
      ->check(CLI::IsMember({"tile", "tile-avx2", "sgemm"}));
  app.add_option("--decode-kernel", decode_kernel,
                 "Cap the decode attention kernel (default: the best this CPU has)")
      ->check(CLI::IsMember({"avx512", "avx2", "tiled"}));
  app.add_option("--sustained-peak", sustained_seconds,
                 "Seconds of back-to-back OpenBLAS sgemm 2048^3 products at the end, reported "
                 "as their sustained GFLOP/s beside the peak (the best single product); 0: none")
      ->check(CLI::Range(0.0, 600.0));
  CLI11_PARSE(app, argc, argv);
  if (!decode_kernel.empty()) {
    using slkv::detail::DecodeIsa;
    slkv::detail::set_decode_isa_limit(decode_kernel == "avx512" ? DecodeIsa::kAvx512
                                       : decode_kernel == "avx2" ? DecodeIsa::kAvx2
                                                                 : DecodeIsa::kNone);
  }
  try {
    double cpu_peak = 0;
    double peak = sgemm_peak_gflops(2048, &cpu_peak);
    int peak_measurements = 1;
    auto checkpoint = slkv::Checkpoint::open(model_path);
    slkv::CheckpointWeights weights(*checkpoint);
    slkv::Model model(checkpoint->config(), weights);
    const slkv::ModelConfig& c = model.config();
    // A second Model over the same stored weights, its projections packed (only if asked for).
    slkv::Model packed_model(checkpoint->config(), weights);
    if (std::find(weight_modes.begin(), weight_modes.end(), "packed") != weight_modes.end()) {
      const auto t0 = Clock::now();
      const double bytes = static_cast<double>(packed_model.pack_prefill_weights());
      std::printf("packed prefill weights (oneDNN): %.0f MiB in %.2f s\n", bytes / 1048576.0,
                  seconds_since(t0));
    }
    std::printf(
        "model %s, %d threads, OpenBLAS sgemm 2048^3 peak %.1f GFLOP/s (%.1f per CPU "
        "second x threads), load average %.2f, decode attention %s\n",
        model_path.c_str(), omp_get_max_threads(), peak, cpu_peak, load_average(),
        decode_kernel_name(slkv::detail::decode_isa(c.head_dim)));
    const int proj_m = static_cast<int>(batch > 0 ? batch : slkv::Session::kDefaultMaxBatch);
    const double proj = projection_sgemm_gflops(c, proj_m);
    std::printf(
        "OpenBLAS sgemm on the model's projection shapes at %d tokens: %.1f GFLOP/s, %.1f%% of "
        "the 2048^3 peak\n",
        proj_m, proj, 100 * proj / peak);
    if (warmup > 0) {
      const auto t0 = Clock::now();
      slkv::Session session(model, batch > 0 ? batch : slkv::Session::kDefaultMaxBatch);
      session.forward_last(random_prompt(warmup, c.vocab_size));
      std::printf("warm-up: one untimed %lld-token prefill, %.3f s\n",
                  static_cast<long long>(warmup), seconds_since(t0));
    }
    std::printf("%-8s %8s %10s %10s %8s %10s %9s\n", "phase", "tokens", "seconds", "tokens/s",
                "GFLOP/s", "% of peak", "cpu s");
    for (const std::string& kv : kv_types)
      for (int64_t n : prefill) {
        const auto ids = random_prompt(n, c.vocab_size);
        std::vector<std::pair<std::string, std::string>> modes;  // (weights, attention)
        for (const std::string& w : weight_modes)
          for (const std::string& a : attention_modes) modes.emplace_back(w, a);
        const size_t nm = modes.size();
        std::vector<double> best_s(nm, 1e300), best_cpu(nm, 1e300);
        std::vector<float> last;
        std::optional<slkv::Session> timed;  // the latest run's; decode continues from it
        for (int64_t round = 0; round < prefill_rounds; ++round) {
          if (prefill_rounds > 1) {
            // The peak moves with the host's load too: re-measure it each round and keep the
            // highest, so the shares below are against the best the machine showed.
            double cp = 0;
            peak = std::max(peak, sgemm_peak_gflops(2048, &cp));
            cpu_peak = std::max(cpu_peak, cp);
            ++peak_measurements;
          }
          for (size_t m = 0; m < nm; ++m) {
            const slkv::Model& mm = modes[m].first == "packed" ? packed_model : model;
            slkv::detail::set_tile_isa_limit(tile_limit(modes[m].second));
            apply_weights_mode(modes[m].first);
            slkv::Session& session =
                timed.emplace(mm, batch > 0 ? batch : slkv::Session::kDefaultMaxBatch);
            session.set_kv_type(slkv::parse_kv_type(kv));
            const auto t0 = Clock::now();
            const double cpu0 = process_cpu_seconds();
            last = session.forward_last(ids);
            const double s = seconds_since(t0);
            if (s < best_s[m]) {
              best_s[m] = s;
              best_cpu[m] = process_cpu_seconds() - cpu0;
            }
          }
        }
        slkv::Session& session = *timed;
        for (size_t m = 0; m < nm; ++m) {
          const double s = best_s[m], cpu = best_cpu[m];
          const double gf = forward_flops(c, 0, n) / s / 1e9;
          std::printf(
              "%-8s %8lld %10.3f %10.1f %8.1f %9.1f%% %9.2f   (%s weights, %s attention, %s "
              "cache %.1f MiB, %.1f tokens per CPU second, %.1f%% of the CPU-second peak)\n",
              "prefill", static_cast<long long>(n), s, n / s, gf, 100 * gf / peak, cpu,
              weights_name(modes[m].first).c_str(),
              attention_name(modes[m].second, c.head_dim).c_str(), kv.c_str(),
              session.cache().bytes_held() / 1048576.0, n / cpu,
              100 * forward_flops(c, 0, n) / cpu * omp_get_max_threads() / 1e9 / cpu_peak);
        }
        std::fflush(stdout);
        if (std::find(decode_contexts.begin(), decode_contexts.end(), n) != decode_contexts.end()) {
          // Decode from this context with each matvec precision, interleaved in `rounds` rounds
          // of decode_tokens tokens each (load drift on a shared machine hits both alike); the
          // context grows by decode_tokens per round.
          const size_t np = precisions.size();
          std::vector<double> wall(np), cpu(np), flops(np);
          std::vector<int64_t> done(np);
          int32_t token = slkv::argmax(last);
          for (int64_t round = 0; round < rounds; ++round) {
            for (size_t p = 0; p < np; ++p) {
              session.set_matvec_precision(precisions[p] == "int8" ? slkv::MatvecPrecision::kInt8
                                                                   : slkv::MatvecPrecision::kExact);
              const auto t1 = Clock::now();
              const double c1 = process_cpu_seconds();
              for (int64_t k = 0; k < decode_tokens; ++k) {
                flops[p] += forward_flops(c, session.n_past(), 1);
                const int32_t one[1] = {token};
                token = slkv::argmax(session.forward_last(one));
              }
              wall[p] += seconds_since(t1);
              cpu[p] += process_cpu_seconds() - c1;
              done[p] += decode_tokens;
            }
          }
          for (size_t p = 0; p < np; ++p) {
            const double gfd = flops[p] / wall[p] / 1e9;
            std::printf(
                "%-8s %8lld %10.3f %10.2f %8.1f %9.1f%% %9.2f   (%s, %s cache, context %lld, "
                "%.2f tokens per CPU second)\n",
                "decode", static_cast<long long>(done[p]), wall[p], done[p] / wall[p], gfd,
                100 * gfd / peak, cpu[p], precisions[p].c_str(), kv.c_str(),
                static_cast<long long>(n), done[p] / cpu[p]);
          }
          std::fflush(stdout);
        }
        std::printf("peak RSS after prefill %lld: %.0f MiB\n", static_cast<long long>(n),
                    peak_rss_mib());
      }
    std::printf(
        "load average at the end %.2f; highest OpenBLAS sgemm 2048^3 peak of %d measurements: "
        "%.1f GFLOP/s (%.1f per CPU second x threads)\n",
        load_average(), peak_measurements, peak, cpu_peak);
    if (sustained_seconds > 0) {
      double best_single = 0;
      const double sustained = sgemm_sustained_gflops(2048, sustained_seconds, &best_single);
      std::printf(
          "OpenBLAS sgemm 2048^3 back to back for %.1f s: %.1f GFLOP/s sustained (fastest "
          "single product %.1f)\n",
          sustained_seconds, sustained, best_single);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_engine: %s\n", e.what());
    return 1;
  }
  return 0;
}
