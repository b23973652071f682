#include "run_header.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace slkv::evaltool {

RunHeader make_run_header(const EvalOptions& o, const ModelConfig& config,
                          const std::string& fingerprint, const std::vector<EvalMethod>& methods,
                          const std::vector<eval::EvalItem>& items) {
  RunHeader h;
  std::string items_text;
  for (const auto& it : items) {
    items_text += it.id + '\x1f' + it.context + '\x1f' + it.question + '\x1f';
    for (const auto& a : it.answers) items_text += a + '\x1e';
  }
  h.settings = {{"chat", o.chat},
                {"system", o.system},
                {"max_new", o.max_new > 0 ? nlohmann::json(o.max_new) : nullptr},
                {"seed", o.seed},
                {"tasks", o.tasks},
                {"lengths", o.lengths},
                {"per_cell", o.per_cell},
                {"window", o.window},
                {"pool_kernel", o.pool_kernel},
                {"granularity", o.granularity},
                {"batch", o.batch}};
  // Recorded only when not the default, so the headers of earlier runs stay as they were.
  if (o.prefill_weights != "streamed") h.settings["prefill_weights"] = o.prefill_weights;
  nlohmann::json plans = nlohmann::json::array();
  h.methods = nlohmann::json::array();
  for (const auto& m : methods) {
    h.methods.push_back(
        {{"name", m.name},
         {"method", m.method},
         {"budget_mode", m.budget_mode},
         {"budget", m.budget_mode == "full" ? nlohmann::json(nullptr) : nlohmann::json(m.budget)},
         {"window", m.window}});
    if (m.plan) plans.push_back({{"name", m.name}, {"path", m.source}, {"sha256", m.plan_hash}});
  }
  h.inputs = {{"tasks_sha256", hash_hex(items_text)}, {"plans", plans}};
  if (!o.profile.empty())
    h.inputs["profile"] = {{"path", o.profile}, {"sha256", hash_hex(read_file(o.profile))}};
  h.tool_version = std::string("slkv-eval ") + SLKV_EVAL_VERSION;
  h.model = {{"path", o.model}, {"arch", config.arch}, {"fingerprint", fingerprint}};
  h.settings_hash = hash_hex(h.settings.dump() + h.inputs.dump() + h.methods.dump() + fingerprint +
                             h.tool_version);
  return h;
}

std::vector<EvalMethod> methods_from_json(const nlohmann::json& method_list) {
  std::vector<EvalMethod> out;
  if (!method_list.is_array()) throw Error("the method list is not an array");
  for (const auto& j : method_list) {
    EvalMethod m;
    m.name = j.at("name").get<std::string>();
    m.method = j.at("method").get<std::string>();
    m.budget_mode = j.at("budget_mode").get<std::string>();
    m.budget = j.at("budget").is_null() ? 0.0 : j.at("budget").get<double>();
    m.window = j.at("window").get<int64_t>();
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace slkv::evaltool
