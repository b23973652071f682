#include "tokenize.hpp"

#include "core/error.hpp"

namespace slkv::inspect {

// Not wired yet: the tokenizer library lands on its own branch and the lead connects it here.
int run_tokenize(const Checkpoint& checkpoint, const InspectOptions& options, std::ostream& out) {
  throw Error("slkv-inspect: --tokenize / --tokenize-file are not available in this build yet");
}

}  // namespace slkv::inspect
