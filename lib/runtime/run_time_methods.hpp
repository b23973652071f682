#pragma once
// Methods whose selection is decided at run time rather than fully by the plan's caps:
//   streaming (StreamingLLM): scores are ignored; a head keeps the first sink_tokens positions
//     (attention sinks) and the most recent ones up to its cap, plus the window.
//   adakv (Ada-KV): the plan fixes each layer's total; the split between the layer's heads comes
//     from the pooled token scores at prefill: the layer's global top-(total) scores across its
//     heads give head h a count c_h, and cap_h = round(adaptive_fraction * c_h + floor) with
//     floor = int(floor_fraction * total / n_plan_heads) (METHOD.md section 5), at most T - w.

#include <cstdint>
#include <span>

#include "runtime/plan.hpp"

namespace slkv::runtime {

// -1 when the plan ranks by score, else its number of sink tokens (method "streaming").
int64_t streaming_sinks(const Plan& plan);

bool is_adaptive(const Plan& plan);

// Throws PlanError when a run-time method's parameters are missing or out of range.
void check_run_time_method(const Plan& plan, const std::string& source);

// Ada-KV caps of one layer. pooled: [n_plan_heads, n_candidates] pooled token scores (as
// slkv_select writes them); caps: in: the plan's caps for the prompt (their sum is the layer
// total), out: the run-time caps. Ties in the global ranking go to the lower (head, position).
void adaptive_caps(const Plan& plan, std::span<const float> pooled, int64_t n_candidates,
                   std::span<int64_t> caps);

}  // namespace slkv::runtime
