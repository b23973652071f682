// C ABI: methods decided at run time (Ada-KV's split; see runtime/run_time_methods.hpp).
#include <limits>
#include <string>

#include "runtime/c_api_internal.hpp"
#include "runtime/run_time_methods.hpp"
#include "slkv/slkv.h"

using namespace slkv::runtime;

extern "C" {

bool slkv_plan_is_adaptive(const slkv_plan* plan) { return plan && is_adaptive(plan->plan); }

slkv_status slkv_plan_adaptive_caps(slkv_plan* plan, int64_t layer, int64_t n_tokens,
                                    const float* pooled_scores, int64_t* caps, size_t n_caps) {
  return capi::guarded(plan, [&]() -> slkv_status {
    if (!plan) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "plan is NULL");
    const Plan& p = plan->plan;
    const int64_t n_heads = p.n_plan_heads();
    if (layer < 0 || layer >= p.model.n_layers)
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        "slkv_plan_adaptive_caps: layer " + std::to_string(layer) +
                            " is outside [0, " + std::to_string(p.model.n_layers) + ")",
                        plan);
    if (n_tokens < 0 || n_tokens > std::numeric_limits<int32_t>::max())
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        "slkv_plan_adaptive_caps: n_tokens out of range", plan);
    if (!caps || n_caps < static_cast<size_t>(n_heads))
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        "slkv_plan_adaptive_caps: caps must hold n_plan_heads (" +
                            std::to_string(n_heads) + ") values",
                        plan);
    for (int64_t h = 0; h < n_heads; ++h) {
      if (caps[h] < 0)
        return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "slkv_plan_adaptive_caps: caps must be >= 0",
                          plan);
    }
    if (!is_adaptive(p)) {
      capi::clear_error(plan);
      return SLKV_OK;
    }
    const int64_t n_cand = n_tokens > p.window ? n_tokens - p.window : 0;
    if (n_cand > 0 && !pooled_scores)
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        "slkv_plan_adaptive_caps: pooled_scores is NULL", plan);
    for (int64_t i = 0; i < n_heads * n_cand; ++i) {
      if (pooled_scores[i] != pooled_scores[i])
        return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                          "slkv_plan_adaptive_caps: a pooled score is NaN", plan);
    }
    adaptive_caps(p, {pooled_scores, static_cast<size_t>(n_heads * n_cand)}, n_cand,
                  {caps, static_cast<size_t>(n_heads)});
    capi::clear_error(plan);
    return SLKV_OK;
  });
}

}  // extern "C"
