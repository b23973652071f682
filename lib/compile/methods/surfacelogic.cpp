// surfacelogic: the two-stage allocation of METHOD.md section 5 (slkv's default).
//   Stage 1: B_l = H (B - floor(B/beta1)) + pi_l N floor(B/beta1), pi_l = layer share of SA.
//   Stage 2: cap_h = (b_l - floor(b_l/beta2)) + (SA_h / layer SA) H floor(b_l/beta2), b_l = B_l/H.
// Layer totals are rounded by largest remainder to sum to N B exactly, then head caps by
// largest remainder to their layer total.

#include <numeric>

#include "compile/method.hpp"
#include "compile/rounding.hpp"

namespace slkv::compile {

namespace {

class SurfaceLogicMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "surfacelogic"; }
  std::string_view summary() const override {
    return "two-stage SurfaceLogicKV: layers by their share of s^tau, then heads in a layer "
           "(default)";
  }

  Allocation allocate(const AllocationInput& in) const override {
    const CompileOptions& opt = *in.options;
    const int64_t n_layers = in.n_layers;
    const int64_t n_heads = in.n_heads;
    const double n_units = static_cast<double>(n_layers * n_heads);
    const double h = static_cast<double>(n_heads);
    const double b = static_cast<double>(in.budget);

    Allocation out;
    out.weights = tempered(in.importance, opt.tau);  // [n_layers, n_heads]
    std::vector<double> layer_sa(n_layers, 0.0);     // [n_layers]
    for (int64_t l = 0; l < n_layers; ++l) {
      for (int64_t k = 0; k < n_heads; ++k) layer_sa[l] += out.weights[l * n_heads + k];
    }
    const double total_sa = std::accumulate(layer_sa.begin(), layer_sa.end(), 0.0);

    // Stage 1. With no mass anywhere the pool is spread evenly over the layers.
    const double f1 = floor_unless(b / opt.beta1, in.continuous);
    std::vector<double> layer_budget(n_layers);  // [n_layers], B_l
    for (int64_t l = 0; l < n_layers; ++l) {
      const double pi = total_sa > 0.0 ? layer_sa[l] / total_sa : 1.0 / n_layers;
      layer_budget[l] = h * (b - f1) + pi * n_units * f1;
    }
    std::vector<int64_t> layer_total;  // [n_layers]
    if (!in.continuous) {
      layer_total = round_largest_remainder(layer_budget, n_layers * n_heads * in.budget);
    }

    // Stage 2.
    out.caps.assign(n_layers * n_heads, 0.0);
    for (int64_t l = 0; l < n_layers; ++l) {
      const double per_head = layer_budget[l] / h;  // b_l
      const double f2 = floor_unless(per_head / opt.beta2, in.continuous);
      std::vector<double> caps(n_heads);  // [n_heads]
      for (int64_t k = 0; k < n_heads; ++k) {
        const double share =
            layer_sa[l] > 0.0 ? out.weights[l * n_heads + k] / layer_sa[l] : 1.0 / h;
        caps[k] = (per_head - f2) + share * h * f2;
      }
      if (!in.continuous) {
        const auto rounded = round_largest_remainder(caps, layer_total[l]);
        for (int64_t k = 0; k < n_heads; ++k) caps[k] = static_cast<double>(rounded[k]);
      }
      std::copy(caps.begin(), caps.end(), out.caps.begin() + l * n_heads);
    }
    out.params = {{"beta1", opt.beta1},
                  {"beta2", opt.beta2},
                  {"tau", opt.tau},
                  {"alpha", opt.alpha},
                  {"stage1_floor", f1}};
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_surfacelogic_method() {
  return std::make_unique<SurfaceLogicMethod>();
}

}  // namespace slkv::compile
