#pragma once
// --tokenize / --tokenize-file of slkv-inspect. The seam where the tokenizer library plugs in.

#include <ostream>

#include "inspect_options.hpp"
#include "model/checkpoint.hpp"

namespace slkv::inspect {

// Tokenizes options.tokenize_text or each line of options.tokenize_file with the checkpoint's
// tokenizer and prints the result to `out`. Returns the process exit code.
int run_tokenize(const Checkpoint& checkpoint, const InspectOptions& options, std::ostream& out);

}  // namespace slkv::inspect
