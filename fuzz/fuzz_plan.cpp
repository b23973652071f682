// libFuzzer target: the budget-plan loader (JSON) and the caps arithmetic on what it accepts.
// Any text must load or throw PlanError; a loaded plan's caps for any layer and prompt length
// must come back (bounded time, caps in [0, T - w]) or throw PlanError.

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "runtime/plan_caps.hpp"
#include "runtime/plan_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slkv::runtime;
  Plan plan;
  try {
    plan = plan_from_json(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const PlanError&) {
    return 0;
  }
  std::vector<int64_t> caps(static_cast<size_t>(plan.n_plan_heads()));
  for (int64_t n_tokens : {int64_t{0}, int64_t{1}, int64_t{4097}, kPlanMaxTokens}) {
    for (int64_t layer = 0; layer < plan.model.n_layers && layer < 4; ++layer) {
      try {
        caps_for_length(plan, layer, n_tokens, caps);
      } catch (const PlanError&) {
        continue;
      }
      for (int64_t c : caps) {
        if (c < 0 || c > std::max<int64_t>(0, n_tokens - plan.window)) std::abort();
      }
    }
  }
  return 0;
}
