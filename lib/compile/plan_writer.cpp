#include "compile/plan_writer.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "runtime/plan_json.hpp"

namespace slkv::compile {

std::string plan_text(const runtime::Plan& plan) {
  try {
    runtime::validate_plan(plan, "compiled plan");
    return runtime::plan_to_json(plan);
  } catch (const runtime::PlanError& e) {
    // A plan the runtime refuses is a compiler bug, not bad input; say so.
    throw Error(std::string("internal: the runtime refuses the compiled plan: ") + e.what());
  }
}

void write_plan(const runtime::Plan& plan, const std::string& path) {
  write_file_atomic(path, plan_text(plan), OutputKind::kText);
}

}  // namespace slkv::compile
