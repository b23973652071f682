#include "importance.hpp"

#include <nlohmann/json.hpp>

#include "compile/importance.hpp"
#include "core/atomic_file.hpp"

namespace slkv::tools {

void write_importance_json(const std::string& path, const profile::Profile& p, double alpha) {
  // The same importance slkv-compile allocates by when it reads the profile itself.
  compile::ScoreInput input;
  input.kind = "profile";
  input.n_layers = p.meta.n_layers;
  input.n_heads = p.meta.n_query_heads;
  input.scores = p.scores;
  input.labels = p.labels;
  input.source_path = path;
  const std::vector<double> s = compile::query_head_importance(input, alpha);  // [L, H]
  // An ordered object keeps the keys layer-major, as the lineage files list them.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (int64_t l = 0; l < p.meta.n_layers; ++l) {
    for (int64_t h = 0; h < p.meta.n_query_heads; ++h) {
      const double v = s[static_cast<size_t>(l * p.meta.n_query_heads + h)];
      j[std::to_string(l) + "-" + std::to_string(h)] = nlohmann::ordered_json::array({v});
    }
  }
  write_file_atomic(path, j.dump() + "\n");
}

}  // namespace slkv::tools
