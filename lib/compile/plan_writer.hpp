#pragma once
// Writes a compiled plan to disk atomically. The JSON layout belongs to the runtime
// (lib/runtime/plan_json.*, docs/budget-format.md); until that serializer is merged this file
// holds an interim one with the same fields, so the tool and its tests can run end to end.

#include <string>

#include "runtime/plan.hpp"

namespace slkv::compile {

// Deterministic text: same plan, same bytes.
std::string plan_text(const runtime::Plan& plan);

// Temp file, fsync, rename: an existing `path` is untouched if anything fails.
void write_plan(const runtime::Plan& plan, const std::string& path);

}  // namespace slkv::compile
