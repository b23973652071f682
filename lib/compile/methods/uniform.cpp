// uniform (SnapKV): every head keeps B_tot tokens, i.e. B beyond the window.

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

class UniformMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "uniform"; }
  std::string_view summary() const override { return "SnapKV: the same cap for every head"; }
  bool uses_importance() const override { return false; }

  Allocation allocate(const AllocationInput& in) const override {
    Allocation out;
    const size_t n = static_cast<size_t>(in.n_layers * in.n_heads);
    out.caps.assign(n, static_cast<double>(in.budget));
    out.weights.assign(n, 0.0);
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_uniform_method() {
  return std::make_unique<UniformMethod>();
}

}  // namespace slkv::compile
