// real: the successor paper's (REAL) released single-stage formula, reproduced as is:
//   SA' = SA + 0.01 SA / (layer sum of SA), p = SA' / sum SA', F = floor(B/beta),
//   pool = max(0, N F - 0.5 N), cap = round_half_even(p pool + (B - F) + 0.5).
// slkv's choices where the formula is undefined: a layer whose SA sums to 0 adds nothing
// (SA' = SA there), and a model whose SA' sums to 0 gets p = 1/N. The total is the formula's,
// not forced to N B.

#include <cmath>

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

class RealMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "real"; }
  std::string_view summary() const override {
    return "REAL's released formula (compatibility; token budgets only)";
  }
  bool supports_ratio() const override { return false; }

  Allocation allocate(const AllocationInput& in) const override {
    const CompileOptions& opt = *in.options;
    const int64_t n_layers = in.n_layers;
    const int64_t n_heads = in.n_heads;
    const double n_units = static_cast<double>(n_layers * n_heads);
    const double b = static_cast<double>(in.budget);

    Allocation out;
    out.total_may_differ = true;
    out.weights = tempered(in.importance, opt.tau);   // [n_layers, n_heads]
    std::vector<double> boosted(out.weights.size());  // [n_layers, n_heads], SA'
    double total = 0.0;
    for (int64_t l = 0; l < n_layers; ++l) {
      double layer_sum = 0.0;
      for (int64_t k = 0; k < n_heads; ++k) layer_sum += out.weights[l * n_heads + k];
      for (int64_t k = 0; k < n_heads; ++k) {
        const double sa = out.weights[l * n_heads + k];
        boosted[l * n_heads + k] = layer_sum > 0.0 ? sa + 0.01 * sa / layer_sum : sa;
        total += boosted[l * n_heads + k];
      }
    }
    const double f = std::floor(b / opt.beta1);
    const double pool = std::max(0.0, n_units * f - 0.5 * n_units);
    out.caps.resize(boosted.size());
    for (size_t i = 0; i < boosted.size(); ++i) {
      const double p = total > 0.0 ? boosted[i] / total : 1.0 / n_units;
      out.caps[i] = std::nearbyint(p * pool + (b - f) + 0.5);  // ties to even
    }
    out.params = {{"beta", opt.beta1}, {"tau", opt.tau}, {"floor", f}, {"pool", pool}};
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_real_method() { return std::make_unique<RealMethod>(); }

}  // namespace slkv::compile
