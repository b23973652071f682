// streaming (StreamingLLM): every head keeps the same cap as uniform, filled at run time with
// the first sink_tokens positions (attention sinks) and the most recent tokens instead of the
// best-scored ones (runtime/run_time_methods.hpp). A score-free baseline.

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

class StreamingMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "streaming"; }
  std::string_view summary() const override {
    return "StreamingLLM: uniform caps filled with attention sinks + the most recent tokens";
  }
  bool uses_importance() const override { return false; }

  Allocation allocate(const AllocationInput& in) const override {
    Allocation out;
    const size_t n = static_cast<size_t>(in.n_layers * in.n_heads);
    out.caps.assign(n, static_cast<double>(in.budget));
    out.weights.assign(n, 0.0);
    out.params = {{"sink_tokens", in.options->sink_tokens}, {"decided_at", "runtime"}};
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_streaming_method() {
  return std::make_unique<StreamingMethod>();
}

}  // namespace slkv::compile
