// adakv (Ada-KV): the split between heads is decided at run time from token scores (per layer,
// the global top-(H B) pooled scores across heads; head h's share c_h; cap =
// round(0.8 c_h + int(0.2 B))). The plan records what is fixed offline: every layer's total
// (H B, shown as B per head) and the floor int(0.2 B).

#include <cmath>

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

class AdaKvMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "adakv"; }
  std::string_view summary() const override {
    return "Ada-KV: layer totals and a floor; heads split at run time by token scores";
  }
  bool uses_importance() const override { return false; }

  Allocation allocate(const AllocationInput& in) const override {
    const CompileOptions& opt = *in.options;
    const double b = static_cast<double>(in.budget);
    Allocation out;
    const size_t n = static_cast<size_t>(in.n_layers * in.n_heads);
    out.caps.assign(n, b);
    out.weights.assign(n, 0.0);
    const double floor_tokens =
        in.continuous ? opt.adakv_floor_fraction * b : std::trunc(opt.adakv_floor_fraction * b);
    out.params = {{"floor_fraction", opt.adakv_floor_fraction},
                  {"adaptive_fraction", 1.0 - opt.adakv_floor_fraction},
                  {"floor", floor_tokens},
                  {"layer_total", b * static_cast<double>(in.n_heads)},
                  {"decided_at", "runtime"}};
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_adakv_method() { return std::make_unique<AdaKvMethod>(); }

}  // namespace slkv::compile
