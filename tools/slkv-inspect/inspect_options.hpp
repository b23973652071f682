#pragma once
// Options of slkv-inspect, filled from the command line by setup_inspect_options.

#include <CLI/CLI.hpp>
#include <string>

namespace slkv::inspect {

struct InspectOptions {
  std::string model;           // .gguf file or HF checkpoint directory
  bool json = false;           // machine-readable output
  bool list_tensors = false;   // list every tensor
  bool list_metadata = false;  // list every GGUF metadata key
  std::string dequant_tensor;  // GGUF-style tensor name to dump as f32
  std::string out_path;        // where --dequant writes
  std::string tokenize_text;   // --tokenize TEXT
  std::string tokenize_file;   // --tokenize-file FILE (one JSON id array per line with --json)
};

void setup_inspect_options(CLI::App& app, InspectOptions& options);

}  // namespace slkv::inspect
