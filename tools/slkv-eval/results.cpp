#include "results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/bootstrap_mean.hpp"
#include "core/error.hpp"

namespace slkv::evaltool {

nlohmann::json prompt_json(const PromptOutcome& p, const std::vector<EvalMethod>& methods) {
  nlohmann::json j = {{"id", p.id},
                      {"task", p.task},
                      {"n_tokens", p.n_tokens},
                      {"prefill_s", p.prefill_s},
                      {"fidelity_steps", p.n_fidelity_steps}};
  nlohmann::json res = nlohmann::json::object();
  for (size_t i = 0; i < methods.size(); ++i) {
    const MethodOutcome& m = p.methods[i];
    res[methods[i].name] = {{"answer", m.answer},       {"score", m.score},
                            {"kl_mean", m.kl_mean},     {"top1_agree", m.top1_agree},
                            {"kv_rows", m.kv_rows},     {"kv_bytes", m.kv_bytes},
                            {"kv_share", m.kv_share},   {"decode_tok_s", m.decode_tok_s},
                            {"n_decoded", m.n_decoded}, {"compress_s", m.compress_s}};
  }
  j["results"] = std::move(res);
  return j;
}

nlohmann::json summarize(const nlohmann::json& prompts, const std::vector<EvalMethod>& methods,
                         uint64_t seed) {
  std::vector<std::string> tasks = {"all"};
  for (const auto& p : prompts) {
    const std::string t = p.at("task");
    if (std::find(tasks.begin(), tasks.end(), t) == tasks.end()) tasks.push_back(t);
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const std::string& task : tasks) {
    auto values = [&](const std::string& name, const char* key) {
      std::vector<double> v;
      for (const auto& p : prompts) {
        if (task != "all" && p.at("task") != task) continue;
        v.push_back(p.at("results").at(name).at(key).get<double>());
      }
      return v;
    };
    const std::vector<double> full = values("fullkv", "score");
    double full_mean = 0;
    for (double v : full) full_mean += v;
    full_mean = full.empty() ? 0 : full_mean / static_cast<double>(full.size());
    for (const EvalMethod& m : methods) {
      const std::vector<double> s = values(m.name, "score");
      const MeanInterval ci = bootstrap_mean(s, seed);
      auto mean_of = [&](const char* key) {
        const std::vector<double> v = values(m.name, key);
        double t = 0;
        for (double x : v) t += x;
        return v.empty() ? 0.0 : t / static_cast<double>(v.size());
      };
      nlohmann::json row = {
          {"task", task},
          {"name", m.name},
          {"method", m.method},
          {"budget_mode", m.budget_mode},
          {"budget", m.budget_mode == "full" ? nlohmann::json(nullptr) : nlohmann::json(m.budget)},
          {"n", s.size()},
          {"score_mean", ci.mean},
          {"score_ci", {ci.lo, ci.hi}},
          {"rel_fullkv",
           full_mean > 0 ? nlohmann::json(ci.mean / full_mean) : nlohmann::json(nullptr)},
          {"kl_mean", mean_of("kl_mean")},
          {"top1_mean", mean_of("top1_agree")},
          {"kv_share_mean", mean_of("kv_share")}};
      // Paired difference to the uniform (SnapKV) plan of the same budget and window.
      for (const EvalMethod& u : methods) {
        if (u.method != "uniform" || &u == &m || u.budget_mode != m.budget_mode ||
            u.budget != m.budget || u.window != m.window)
          continue;
        const std::vector<double> su = values(u.name, "score");
        std::vector<double> diff(s.size());
        for (size_t i = 0; i < s.size(); ++i) diff[i] = s[i] - su[i];
        const MeanInterval d = bootstrap_mean(diff, seed + 1);
        row["vs_uniform"] = {{"diff", d.mean}, {"ci", {d.lo, d.hi}}};
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void strip_timings(nlohmann::json& prompt) {
  prompt.erase("prefill_s");
  if (!prompt.contains("results")) return;
  for (auto& [name, r] : prompt["results"].items()) {
    r.erase("decode_tok_s");
    r.erase("compress_s");
  }
}

nlohmann::json results_document(const RunHeader& header, const nlohmann::json& prompts,
                                const nlohmann::json& summary) {
  return {{"schema", "slkv-eval-results"},
          {"version", 1},
          {"tool_version", header.tool_version},
          {"model", header.model},
          {"settings", header.settings},
          {"inputs", header.inputs},
          {"methods", header.methods},
          {"prompts", prompts},
          {"summary", summary}};
}

std::string dump_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string summary_table(const nlohmann::json& summary) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-12s %-24s %5s %7s %15s %6s %8s %6s %8s\n", "task", "method",
                "n", "score", "95% CI", "rel", "KL", "top1", "KV kept");
  out += line;
  for (const auto& r : summary) {
    const double rel = r["rel_fullkv"].is_null() ? NAN : r["rel_fullkv"].get<double>();
    std::snprintf(line, sizeof line,
                  "%-12.12s %-24.24s %5lld %7.3f  [%5.3f, %5.3f] %6.2f %8.4f %6.3f %7.2f%%\n",
                  r["task"].get<std::string>().c_str(), r["name"].get<std::string>().c_str(),
                  static_cast<long long>(r["n"].get<int64_t>()), r["score_mean"].get<double>(),
                  r["score_ci"][0].get<double>(), r["score_ci"][1].get<double>(), rel,
                  r["kl_mean"].get<double>(), r["top1_mean"].get<double>(),
                  100.0 * r["kv_share_mean"].get<double>());
    out += line;
  }
  return out;
}

std::optional<nlohmann::json> read_checkpoint(const std::string& dir, int64_t index,
                                              const std::string& settings_hash,
                                              const std::string& id) {
  const std::string path = dir + "/" + std::to_string(index) + ".json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slkv-eval: %s: unreadable checkpoint (%s); running the prompt again\n",
                 path.c_str(), e.what());
    return std::nullopt;
  }
  if (!j.is_object() || j.value("settings_hash", "") != settings_hash || !j.contains("prompt") ||
      !j["prompt"].is_object() || j["prompt"].value("id", "") != id) {
    throw Error(path + ": checkpoint of another run (settings or prompt differ); remove " + dir +
                " or run without --resume");
  }
  return j["prompt"];
}

void write_checkpoint(const std::string& dir, int64_t index, const std::string& settings_hash,
                      const nlohmann::json& prompt) {
  std::filesystem::create_directories(dir);
  const nlohmann::json j = {{"settings_hash", settings_hash}, {"prompt", prompt}};
  write_file_atomic(dir + "/" + std::to_string(index) + ".json", dump_json(j, -1));
}

void remove_checkpoints(const std::string& dir, const std::vector<int64_t>& indices) {
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return;
  const std::set<int64_t> covered(indices.begin(), indices.end());
  // "<index>.json", and "<index>.json.tmp.XXXXXX" that a killed writer left (core/atomic_file).
  std::vector<std::filesystem::path> doomed;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t dot = name.find('.');
    if (dot == 0 || dot == std::string::npos || name.find_first_not_of("0123456789") != dot ||
        dot > 18) {
      continue;
    }
    const std::string rest = name.substr(dot);
    if (rest != ".json" && rest.rfind(".json.tmp.", 0) != 0) continue;
    if (covered.count(std::stoll(name.substr(0, dot))) != 0) doomed.push_back(e.path());
  }
  for (const auto& path : doomed) {
    if (!std::filesystem::remove(path, ec) && ec) {
      std::fprintf(stderr, "slkv-eval: could not remove checkpoint %s (%s)\n", path.c_str(),
                   ec.message().c_str());
    }
  }
  if (std::filesystem::is_empty(dir, ec) && !ec) std::filesystem::remove(dir, ec);
}

}  // namespace slkv::evaltool
