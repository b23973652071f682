#include "compile/lineage_scores.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace slkv::compile {

const char* primary_label(uint8_t flags) {
  if (flags & kFlagSurface) return "surface";
  if (flags & kFlagLogic) return "logic";
  if (flags & kFlagIgnoring) return "ignoring";
  return "distracted";
}

namespace {

// Parses a non-negative decimal integer that is the whole of `s` (no sign, no spaces).
bool parse_index(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::pair<int64_t, int64_t> parse_key(const std::string& key, const std::string& path) {
  const size_t dash = key.find('-');
  int64_t layer = 0;
  int64_t head = 0;
  if (dash == std::string::npos || !parse_index(std::string_view(key).substr(0, dash), &layer) ||
      !parse_index(std::string_view(key).substr(dash + 1), &head)) {
    throw_file_error(path,
                     "key \"" + key + "\" is not \"<layer>-<query head>\" (0-based integers)");
  }
  return {layer, head};
}

}  // namespace

HeadScores parse_lineage_scores(std::string_view text, const std::string& path, int64_t n_layers,
                                int64_t n_heads) {
  if (n_layers <= 0 || n_heads <= 0) {
    throw Error("lineage scores: model shape must have at least one layer and one head");
  }
  // The callback sees every key before nlohmann would silently keep only one of two equal keys.
  std::set<std::string> raw_keys;
  auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1) {
      const std::string key = parsed.get<std::string>();
      if (!raw_keys.insert(key).second) {
        throw_file_error(path, "key \"" + key + "\" appears twice");
      }
    }
    return true;
  };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text, on_event);
  } catch (const nlohmann::json::parse_error& e) {
    const bool has_nan = text.find("NaN") != std::string_view::npos ||
                         text.find("Infinity") != std::string_view::npos;
    throw_file_error(path, e.byte > 0 ? e.byte - 1 : 0,
                     std::string("not valid JSON") +
                         (has_nan ? " (NaN and Infinity are not JSON numbers; scores must be "
                                    "finite)"
                                  : "") +
                         ": " + e.what());
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double
    throw_file_error(path, std::string("not valid scores: ") + e.what());
  }
  if (!doc.is_object()) {
    throw_file_error(path, "expected a JSON object {\"<layer>-<query head>\": [scores...]}");
  }

  HeadScores scores;
  scores.n_layers = n_layers;
  scores.n_heads = n_heads;
  scores.kind = "lineage";
  scores.source_path = path;
  scores.source_hash = hash_hex(text);
  const size_t n_total = static_cast<size_t>(n_layers * n_heads);
  scores.direct.assign(n_total, 0.0);
  std::vector<bool> seen(n_total, false);

  for (const auto& [key, value] : doc.items()) {
    const auto [layer, head] = parse_key(key, path);
    if (layer >= n_layers || head >= n_heads) {
      throw_file_error(path, "key \"" + key + "\" is outside the model shape (" +
                                 std::to_string(n_layers) + " layers x " + std::to_string(n_heads) +
                                 " query heads)");
    }
    const size_t at = scores.index(layer, head);
    if (seen[at]) {
      throw_file_error(path, "key \"" + key + "\" names layer " + std::to_string(layer) +
                                 ", query head " + std::to_string(head) +
                                 " which another key already gave");
    }
    seen[at] = true;
    if (!value.is_array() || value.empty()) {
      throw_file_error(path, "key \"" + key + "\": expected a non-empty list of scores");
    }
    double sum = 0.0;
    for (size_t i = 0; i < value.size(); ++i) {
      const auto& v = value[i];
      if (!v.is_number()) {
        throw_file_error(
            path, "key \"" + key + "\", probe " + std::to_string(i) + ": score is not a number");
      }
      const double x = v.get<double>();
      if (!std::isfinite(x) || x < 0.0) {
        throw_file_error(path, "key \"" + key + "\", probe " + std::to_string(i) + ": score " +
                                   v.dump() + " is not a finite non-negative number");
      }
      sum += x;
    }
    scores.direct[at] = sum / static_cast<double>(value.size());
    scores.n_probes = std::max<int64_t>(scores.n_probes, static_cast<int64_t>(value.size()));
  }
  for (size_t at = 0; at < n_total; ++at) {
    if (!seen[at]) {
      const int64_t layer = static_cast<int64_t>(at) / n_heads;
      const int64_t head = static_cast<int64_t>(at) % n_heads;
      throw_file_error(path, "no scores for layer " + std::to_string(layer) + ", query head " +
                                 std::to_string(head) + " (key \"" + std::to_string(layer) + "-" +
                                 std::to_string(head) + "\"); the file has " +
                                 std::to_string(doc.size()) + " keys, the model " +
                                 std::to_string(n_total) + " query heads");
    }
  }
  return scores;
}

HeadScores read_lineage_scores(const std::string& path, int64_t n_layers, int64_t n_heads) {
  const std::string text = read_file(path);
  return parse_lineage_scores(text, path, n_layers, n_heads);
}

}  // namespace slkv::compile
