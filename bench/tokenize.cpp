// Tokenizer encoding throughput on the parity corpus repeated to --mb MB, in two modes:
// "document" encodes it as one text, "lines" encodes each line as its own call (prompt-sized
// inputs). No BOS, special-token parsing on, one thread, best of --runs.
// tests/reference/tokenizer_bench.py runs this and llama.cpp's tokenizer on the same text in the
// same run and reports the ratio (docs/benchmarks.md).
//
// Output: a markdown table, then one "RESULT <model> <mode> <bytes> <seconds> <n_tokens> <hash>"
// line per model and mode for the script.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/gguf.hpp"
#include "model/tokenizer.hpp"

namespace {

struct Options {
  std::vector<std::string> models;
  std::string corpus;
  double megabytes = 1.0;
  int runs = 5;
};

void setup_options(CLI::App& app, Options& opt) {
  app.add_option("models", opt.models, "GGUF files whose tokenizers to time")->required();
  app.add_option("--corpus", opt.corpus, "text to repeat (default: the parity corpus)");
  app.add_option("--mb", opt.megabytes, "size of the repeated text in MB (10^6 bytes)");
  app.add_option("--runs", opt.runs, "timed runs per model; the best is reported");
}

uint64_t fnv1a(const std::vector<int32_t>& ids) {
  uint64_t h = 1469598103934665603ull;
  for (int32_t id : ids) {
    h ^= static_cast<uint32_t>(id);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tokenizer encoding throughput"};
  Options opt;
  opt.corpus = std::string(SLKV_SOURCE_DIR) + "/tests/data/tokenizer/corpus.txt";
  setup_options(app, opt);
  CLI11_PARSE(app, argc, argv);
  try {
    const std::string corpus = slkv::read_file(opt.corpus);
    if (corpus.empty()) throw slkv::Error(opt.corpus + ": empty corpus");
    std::string text;
    const auto target = static_cast<size_t>(opt.megabytes * 1e6);
    while (text.size() < target) text += corpus;
    std::vector<std::string_view> lines;  // [n_lines] views into text, without the '\n'
    for (size_t begin = 0; begin < text.size();) {
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      lines.push_back(std::string_view(text).substr(begin, end - begin));
      begin = end + 1;
    }

    std::printf("| model | kind | mode | text MB | tokens | best s | MB/s |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    std::vector<std::string> results;
    for (const std::string& path : opt.models) {
      const slkv::GgufFile gguf(path);
      const slkv::Tokenizer tok = slkv::tokenizer_from_gguf(gguf);
      const std::string name = path.substr(path.find_last_of('/') + 1);
      for (const char* mode : {"document", "lines"}) {
        const bool whole = std::string(mode) == "document";
        std::vector<int32_t> ids;
        double best = 1e30;
        for (int run = 0; run < std::max(1, opt.runs); ++run) {
          ids.clear();
          const auto t0 = std::chrono::steady_clock::now();
          if (whole) {
            ids = tok.encode(text, /*add_bos=*/false, /*parse_special=*/true);
          } else {
            for (std::string_view line : lines) {
              const std::vector<int32_t> line_ids = tok.encode(line, false, true);
              ids.insert(ids.end(), line_ids.begin(), line_ids.end());
            }
          }
          const auto t1 = std::chrono::steady_clock::now();
          best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
        }
        std::printf("| %s | %s | %s | %.2f | %zu | %.3f | %.2f |\n", name.c_str(),
                    std::string(tok.kind_name()).c_str(), mode, text.size() / 1e6, ids.size(), best,
                    text.size() / 1e6 / best);
        char line[512];
        std::snprintf(line, sizeof(line), "RESULT %s %s %zu %.6f %zu %016llx", name.c_str(), mode,
                      text.size(), best, ids.size(), static_cast<unsigned long long>(fnv1a(ids)));
        results.push_back(line);
      }
    }
    for (const std::string& line : results) std::printf("%s\n", line.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slkv_bench_tokenize: %s\n", e.what());
    return 1;
  }
  return 0;
}
