#pragma once
// What slkv-inspect prints about a checkpoint, as JSON (--json) or as text.

#include <nlohmann/json.hpp>
#include <ostream>

#include "inspect_options.hpp"
#include "model/checkpoint.hpp"

namespace slkv::inspect {

// Keys: arch, name, format, path, fingerprint, n_layers, n_heads, n_kv_heads, head_dim,
// hidden, ffn_hidden, vocab_size, context_length, ... (docs/cli.md lists them all).
nlohmann::json checkpoint_summary(const Checkpoint& checkpoint, const InspectOptions& options);

void print_summary_text(std::ostream& out, const nlohmann::json& summary);

}  // namespace slkv::inspect
