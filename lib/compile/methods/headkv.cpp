// headkv: HeadKV's formula, reproduced as is: p = SA / sum SA, F = floor(B/beta),
//   cap = round_half_even(p N F + B - F)
// (HeadKV rounds with torch.round, which breaks ties to even). A model whose SA sums to 0 gets
// p = 1/N. The total is the formula's, not forced to N B. Ratio mode drops the floor().

#include <cmath>

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

class HeadKvMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "headkv"; }
  std::string_view summary() const override {
    return "HeadKV's single-stage formula (compatibility)";
  }

  Allocation allocate(const AllocationInput& in) const override {
    const CompileOptions& opt = *in.options;
    const double n_units = static_cast<double>(in.n_layers * in.n_heads);
    const double b = static_cast<double>(in.budget);

    Allocation out;
    out.total_may_differ = !in.continuous;
    out.weights = tempered(in.importance, opt.tau);  // [n_layers, n_heads]
    double total = 0.0;
    for (double sa : out.weights) total += sa;
    const double f = floor_unless(b / opt.beta1, in.continuous);
    out.caps.resize(out.weights.size());
    for (size_t i = 0; i < out.weights.size(); ++i) {
      const double p = total > 0.0 ? out.weights[i] / total : 1.0 / n_units;
      const double cap = p * n_units * f + b - f;
      out.caps[i] = in.continuous ? cap : std::nearbyint(cap);
    }
    out.params = {{"beta", opt.beta1}, {"tau", opt.tau}, {"floor", f}};
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_headkv_method() { return std::make_unique<HeadKvMethod>(); }

}  // namespace slkv::compile
