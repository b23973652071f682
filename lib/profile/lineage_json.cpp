#include "profile/lineage_json.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "profile/scores.hpp"

namespace slkv::profile {

void export_lineage(const std::string& dir, const PerProbeStats& stats) {
  stats.validate(dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_file_error(dir, "cannot create directory: " + ec.message());
  const int64_t n_heads = stats.n_heads_total();
  for (ScoreKind kind : kAllScores) {
    const std::vector<float>& values = per_probe_values(stats, kind);
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (int64_t l = 0; l < stats.n_layers; ++l) {
      for (int64_t h = 0; h < stats.n_query_heads; ++h) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (int64_t p = 0; p < stats.n_probes(); ++p) {
          if (!score_admits(kind, stats.probes[static_cast<size_t>(p)])) continue;
          list.push_back(values[static_cast<size_t>(p * n_heads + l * stats.n_query_heads + h)]);
        }
        out[std::to_string(l) + "-" + std::to_string(h)] = std::move(list);
      }
    }
    const std::string path =
        (std::filesystem::path(dir) / (std::string(score_name(kind)) + ".json")).string();
    write_file_atomic(path, out.dump() + "\n");
  }
}

namespace {

bool parse_index(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [ptr, err] = std::from_chars(s.data(), s.data() + s.size(), out);
  return err == std::errc() && ptr == s.data() + s.size() && out >= 0 && out < (1 << 20);
}

}  // namespace

LineageScores read_lineage_json(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw_file_error(path, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw_file_error(path, "expected an object {\"<layer>-<head>\": [...]}");
  std::map<std::pair<int64_t, int64_t>, std::vector<double>> heads;
  LineageScores out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const size_t dash = key.find('-');
    int64_t layer = 0, head = 0;
    if (dash == std::string::npos || !parse_index(std::string_view(key).substr(0, dash), layer) ||
        !parse_index(std::string_view(key).substr(dash + 1), head)) {
      throw_file_error(path, "key '" + key + "' is not \"<layer>-<head>\"");
    }
    if (!it.value().is_array()) throw_file_error(path, "value of '" + key + "' is not a list");
    std::vector<double> values;
    for (const auto& v : it.value()) {
      if (!v.is_number()) throw_file_error(path, "value of '" + key + "' holds a non-number");
      const double x = v.get<double>();
      if (!std::isfinite(x)) throw_file_error(path, "value of '" + key + "' is not finite");
      values.push_back(x);
    }
    if (!heads.emplace(std::pair{layer, head}, std::move(values)).second) {
      throw_file_error(path, "duplicate head " + key);
    }
    out.n_layers = std::max(out.n_layers, layer + 1);
    out.n_query_heads = std::max(out.n_query_heads, head + 1);
  }
  if (heads.empty()) throw_file_error(path, "no heads");
  if (static_cast<int64_t>(heads.size()) != out.n_layers * out.n_query_heads) {
    throw_file_error(path, "heads do not form a full [" + std::to_string(out.n_layers) + ", " +
                               std::to_string(out.n_query_heads) + "] grid (" +
                               std::to_string(heads.size()) + " keys)");
  }
  out.per_head.resize(heads.size());
  for (auto& [lh, values] : heads) {
    out.per_head[static_cast<size_t>(lh.first * out.n_query_heads + lh.second)] = std::move(values);
  }
  return out;
}

std::vector<float> LineageScores::means() const {
  std::vector<float> out;
  for (const auto& v : per_head) {
    double s = 0;
    for (double x : v) s += x;
    out.push_back(v.empty() ? 0.0f : static_cast<float>(s / static_cast<double>(v.size())));
  }
  return out;
}

}  // namespace slkv::profile
