#include "inspect_options.hpp"

namespace slkv::inspect {

void setup_inspect_options(CLI::App& app, InspectOptions& o) {
  app.description(
      "Print a checkpoint's architecture, hyperparameters and tensors; dump a tensor as f32.");
  app.add_option("MODEL", o.model, "a .gguf file or a Hugging Face checkpoint directory")
      ->required();
  app.add_flag("--json", o.json, "machine-readable JSON output");
  app.add_flag("--tensors", o.list_tensors, "list every tensor (name, type, shape, bytes)");
  app.add_flag("--metadata", o.list_metadata, "list every GGUF metadata key");
  auto* dequant = app.add_option("--dequant", o.dequant_tensor,
                                 "write this tensor (GGUF name) as raw little-endian f32");
  auto* out = app.add_option("--out", o.out_path, "output file for --dequant");
  dequant->needs(out);
  out->needs(dequant);
  auto* tok = app.add_option("--tokenize", o.tokenize_text, "tokenize TEXT; print ids and pieces");
  auto* tok_file = app.add_option("--tokenize-file", o.tokenize_file,
                                  "tokenize each line of FILE (no BOS); with --json one array "
                                  "of ids per line");
  tok->excludes(tok_file);
  dequant->excludes(tok)->excludes(tok_file);
}

}  // namespace slkv::inspect
