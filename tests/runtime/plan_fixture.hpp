#pragma once
// A small, fully populated plan the runtime tests share: 3 layers, 8 query heads, 2 KV heads.

#include "runtime/plan.hpp"

namespace slkv::test {

inline runtime::Plan sample_plan(runtime::BudgetMode mode = runtime::BudgetMode::kTokens) {
  runtime::Plan p;
  p.model = {"llama", 3, 8, 2, 16, "0123456789abcdef0123456789abcdef"};
  p.source = {"lineage", "fedcba9876543210fedcba9876543210", "Llama-3-8B-Instruct_retrieval", 42,
              "0.1.0"};
  p.granularity = runtime::Granularity::kKvHead;
  p.gqa_aggregation = "sum";
  p.window = 4;
  p.pooling = "max";
  p.pooling_kernel = 7;
  p.budget_mode = mode;
  p.method = "surfacelogic";
  p.method_params = {{"beta1", 1.351}, {"beta2", 1.351}, {"tau", 0.98}, {"alpha", 0.5}};
  if (mode == runtime::BudgetMode::kTokens) {
    p.budget_value = 24;
    p.caps = {{30, 10}, {2, 38}, {20, 20}};
  } else {
    p.budget_value = 0.25;
    p.caps = {{0.3, 0.1}, {0.05, 0.35}, {0.0, 0.2}};
  }
  p.labels = {{"logic", "ignoring"}, {"ignoring", "surface"}, {"ignoring", "distracted"}};
  return p;
}

}  // namespace slkv::test
