#include "compile/plan_writer.hpp"

#include "core/atomic_file.hpp"
#include "core/hash.hpp"

namespace slkv::compile {

std::string plan_text(const runtime::Plan& plan) {
  // Interim layout (keys sorted by nlohmann's std::map, so the text is deterministic).
  nlohmann::json j;
  j["schema"] = {{"name", runtime::kPlanSchemaName}, {"version", runtime::kPlanSchemaVersion}};
  j["model"] = {{"arch", plan.model.arch},         {"n_layers", plan.model.n_layers},
                {"n_heads", plan.model.n_heads},   {"n_kv_heads", plan.model.n_kv_heads},
                {"head_dim", plan.model.head_dim}, {"fingerprint", plan.model.fingerprint}};
  j["source"] = {{"kind", plan.source.kind},
                 {"hash", plan.source.hash},
                 {"probe_set", plan.source.probe_set},
                 {"seed", plan.source.seed},
                 {"tool_version", plan.source.tool_version}};
  j["granularity"] = plan.granularity == runtime::Granularity::kKvHead ? "kv_head" : "query_head";
  j["gqa_aggregation"] = plan.gqa_aggregation;
  j["window"] = plan.window;
  j["pooling"] = {{"kind", plan.pooling}, {"kernel", plan.pooling_kernel}};
  j["budget"] = {{"mode", plan.budget_mode == runtime::BudgetMode::kTokens ? "tokens" : "ratio"},
                 {"value", plan.budget_value}};
  j["method"] = {{"name", plan.method}, {"params", plan.method_params}};
  j["min_cap"] = plan.min_cap;
  j["caps"] = plan.caps;
  if (!plan.labels.empty()) j["labels"] = plan.labels;
  j["checksum"] = hash_hex(j.dump());
  return j.dump(1) + "\n";
}

void write_plan(const runtime::Plan& plan, const std::string& path) {
  write_file_atomic(path, plan_text(plan));
}

}  // namespace slkv::compile
