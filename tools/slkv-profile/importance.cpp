#include "importance.hpp"

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"

namespace slkv::tools {

void write_importance_json(const std::string& path, const profile::Profile& p, double alpha) {
  const std::vector<float>& logic = p.scores.logic;
  const std::vector<float>& surface = p.scores.surface;
  double sum_logic = 0, sum_surface = 0;
  for (float v : logic) sum_logic += v;
  for (float v : surface) sum_surface += v;
  // An ordered object keeps the keys layer-major, as the lineage files list them.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (int64_t l = 0; l < p.meta.n_layers; ++l) {
    for (int64_t h = 0; h < p.meta.n_query_heads; ++h) {
      const size_t i = static_cast<size_t>(l * p.meta.n_query_heads + h);
      double s = 0;
      if (p.labels.flags[i] != profile::kFlagIgnoring) {
        if (sum_logic > 0) s += logic[i] / sum_logic;
        if (sum_surface > 0) s += alpha * surface[i] / sum_surface;
      }
      j[std::to_string(l) + "-" + std::to_string(h)] = nlohmann::ordered_json::array({s});
    }
  }
  write_file_atomic(path, j.dump() + "\n");
}

}  // namespace slkv::tools
