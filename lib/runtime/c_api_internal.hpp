#pragma once
// Shared plumbing of the C ABI files: the plan handle, error recording and the exception
// barrier that turns every C++ failure into an slkv_status.

#include <new>
#include <string>

#include "runtime/plan.hpp"
#include "slkv/slkv.h"

struct slkv_plan {
  slkv::runtime::Plan plan;
  std::string last_error;
};

namespace slkv::runtime::capi {

// Records `message` for slkv_last_error() (and on `plan` when given); returns `status`.
slkv_status fail(slkv_status status, const std::string& message, slkv_plan* plan = nullptr);

// Clears the thread's last error on entry to a successful call path.
void clear_error(slkv_plan* plan = nullptr);

// Runs fn() (returning slkv_status) so that no exception crosses the C boundary.
template <class Fn>
slkv_status guarded(slkv_plan* plan, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const PlanError& e) {
    slkv_status s = SLKV_ERROR_INVALID_PLAN;
    if (e.kind() == PlanError::Kind::kParse) s = SLKV_ERROR_PARSE;
    if (e.kind() == PlanError::Kind::kSchema) s = SLKV_ERROR_SCHEMA;
    if (e.kind() == PlanError::Kind::kChecksum) s = SLKV_ERROR_CHECKSUM;
    return fail(s, e.what(), plan);
  } catch (const std::bad_alloc&) {
    return fail(SLKV_ERROR_OUT_OF_MEMORY, "out of memory", plan);
  } catch (const std::exception& e) {
    return fail(SLKV_ERROR_INTERNAL, std::string("internal error: ") + e.what(), plan);
  } catch (...) {
    return fail(SLKV_ERROR_INTERNAL, "internal error", plan);
  }
}

}  // namespace slkv::runtime::capi
