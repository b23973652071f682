#include "part_file.hpp"

#include <algorithm>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "results.hpp"

namespace slkv::evaltool {

namespace {
constexpr const char* kPartSchema = "slkv-eval-part";
constexpr int kPartVersion = 1;
}  // namespace

void write_part(const std::string& path, const EvalPart& p) {
  const nlohmann::json j = {{"schema", kPartSchema},
                            {"version", kPartVersion},
                            {"tool_version", p.header.tool_version},
                            {"model", p.header.model},
                            {"settings", p.header.settings},
                            {"inputs", p.header.inputs},
                            {"methods", p.header.methods},
                            {"settings_hash", p.header.settings_hash},
                            {"timings", p.timings},
                            {"shard", {{"index", p.shard_index}, {"count", p.shard_count}}},
                            {"n_prompts_total", p.n_prompts_total},
                            {"prompt_indices", p.prompt_indices},
                            {"prompts", p.prompts}};
  write_file_atomic(path, dump_json(j));
}

EvalPart read_part(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not a JSON file (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(path + ": not an slkv-eval part file (not a JSON object)");
  const std::string schema = j.value("schema", "");
  if (schema == "slkv-eval-results") {
    throw Error(path +
                ": is a whole results file, not a part file (slkv-eval --shard I/N writes parts)");
  }
  if (schema != kPartSchema) throw Error(path + ": not an slkv-eval part file (schema)");
  if (j.value("version", 0) != kPartVersion) {
    throw Error(path + ": part file version " + j.value("version", nlohmann::json()).dump() +
                ", this slkv-eval reads version " + std::to_string(kPartVersion));
  }
  EvalPart p;
  std::string field;
  try {
    field = "tool_version";
    p.header.tool_version = j.at(field).get<std::string>();
    for (const char* f : {"model", "settings", "inputs", "methods"}) {
      field = f;
      (void)j.at(field);
    }
    p.header.model = j.at("model");
    p.header.settings = j.at("settings");
    p.header.inputs = j.at("inputs");
    p.header.methods = j.at("methods");
    field = "settings_hash";
    p.header.settings_hash = j.at(field).get<std::string>();
    field = "timings";
    p.timings = j.at(field).get<bool>();
    field = "shard";
    p.shard_index = j.at(field).at("index").get<int>();
    p.shard_count = j.at(field).at("count").get<int>();
    field = "n_prompts_total";
    p.n_prompts_total = j.at(field).get<int64_t>();
    field = "prompt_indices";
    p.prompt_indices = j.at(field).get<std::vector<int64_t>>();
    field = "prompts";
    p.prompts = j.at(field);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": malformed part file (field '" + field + "': " + e.what() + ")");
  }
  if (p.shard_count < 1 || p.shard_index < 0 || p.shard_index >= p.shard_count) {
    throw Error(path + ": malformed part file (shard " + std::to_string(p.shard_index) + "/" +
                std::to_string(p.shard_count) + ")");
  }
  if (!p.prompts.is_array() || p.prompts.size() != p.prompt_indices.size()) {
    throw Error(path + ": malformed part file (" + std::to_string(p.prompt_indices.size()) +
                " prompt indices but " +
                std::to_string(p.prompts.is_array() ? p.prompts.size() : 0) + " prompt records)");
  }
  if (!std::is_sorted(p.prompt_indices.begin(), p.prompt_indices.end())) {
    throw Error(path + ": malformed part file (prompt indices not in increasing order)");
  }
  // Every record has what the summary reads, for every method of the header.
  for (size_t i = 0; i < p.prompts.size(); ++i) {
    const nlohmann::json& r = p.prompts[i];
    const std::string where = path + ": malformed part file (record of prompt " +
                              std::to_string(p.prompt_indices[i]) + ": ";
    if (!r.is_object() || !r.contains("task") || !r["task"].is_string() || !r.contains("results") ||
        !r["results"].is_object()) {
      throw Error(where + "no task or results)");
    }
    for (const auto& m : p.header.methods) {
      const std::string name = m.is_object() ? m.value("name", "") : "";
      const auto it = r["results"].find(name);
      if (it == r["results"].end() || !it->is_object()) {
        throw Error(where + "no results for method '" + name + "')");
      }
      for (const char* key : {"score", "kl_mean", "top1_agree", "kv_share"}) {
        if (!it->contains(key) || !(*it)[key].is_number()) {
          throw Error(where + "method '" + name + "' has no number '" + key + "')");
        }
      }
    }
  }
  return p;
}

}  // namespace slkv::evaltool
