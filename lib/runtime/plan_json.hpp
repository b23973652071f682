#pragma once
// Canonical JSON form of a budget plan (docs/budget-format.md, docs/budget-plan.schema.json).
// plan_to_json() writes members in a fixed order with fixed number formatting and appends an
// XXH3-128 checksum of the content, so the same Plan always gives a byte-identical file.
// plan_from_json() validates everything (schema, version, shapes, caps, checksum) and throws
// PlanError with a message that starts with `source_name`.

#include <string>
#include <string_view>

#include "runtime/plan.hpp"

namespace slkv::runtime {

// Throws PlanError when the plan is inconsistent (see validate_plan).
std::string plan_to_json(const Plan& plan);

Plan plan_from_json(std::string_view text, const std::string& source_name);

// Checks shapes, enums and caps; throws PlanError("<source_name>: <problem>").
void validate_plan(const Plan& plan, const std::string& source_name);

// "xxh3-128:<32 hex digits>" of the canonical content (the file without its checksum member).
std::string plan_checksum(const Plan& plan);

const char* granularity_name(Granularity g);
const char* budget_mode_name(BudgetMode m);

}  // namespace slkv::runtime
