#pragma once
// Writes a compiled plan to disk atomically, through the runtime's own serializer
// (lib/runtime/plan_json.*, docs/budget-format.md), so the compiler cannot write a plan the
// runtime would refuse.

#include <string>

#include "runtime/plan.hpp"

namespace slkv::compile {

// Validates the plan and returns its canonical text (same plan, same bytes). Throws
// slkv::Error when the runtime's validation refuses it.
std::string plan_text(const runtime::Plan& plan);

// Temp file, fsync, rename: an existing `path` is untouched if anything fails.
void write_plan(const runtime::Plan& plan, const std::string& path);

}  // namespace slkv::compile
