#include "tokenize.hpp"

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/tokenizer.hpp"

namespace slkv::inspect {

namespace {

// Token spellings can hold any bytes (byte-level alphabets are valid UTF-8, but a byte
// token's piece is not); never let JSON output throw on them.
std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

// Encoding never adds BOS here (slkv-inspect shows what the text itself tokenizes to) and
// parses special tokens written in the text.
int run_tokenize(const Checkpoint& checkpoint, const InspectOptions& options, std::ostream& out) {
  const Tokenizer tok = load_tokenizer(checkpoint);
  if (!options.tokenize_file.empty()) {
    // read_file refuses a directory (an ifstream reads it as empty) and names the file.
    std::istringstream in(read_file(options.tokenize_file));
    std::string line;
    while (std::getline(in, line)) {  // splits on '\n' only
      const std::vector<int32_t> ids = tok.encode(line, /*add_bos=*/false);
      if (options.json) {
        out << dump(ids) << '\n';
      } else {
        for (size_t i = 0; i < ids.size(); ++i) out << (i ? " " : "") << ids[i];
        out << '\n';
      }
    }
    return 0;
  }
  const std::vector<int32_t> ids = tok.encode(options.tokenize_text, /*add_bos=*/false);
  std::vector<std::string> tokens;
  for (int32_t id : ids) tokens.push_back(tok.token_text(id));
  if (options.json) {
    out << dump({{"ids", ids}, {"tokens", tokens}, {"n_tokens", ids.size()}}) << '\n';
  } else {
    out << ids.size() << " tokens (" << tok.kind_name() << ", no BOS added)\n";
    for (size_t i = 0; i < ids.size(); ++i) out << ids[i] << '\t' << dump(tokens[i]) << '\n';
  }
  return 0;
}

}  // namespace slkv::inspect
