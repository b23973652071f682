// pyramid (PyramidKV), reproduced as is: min = B // beta, max = 2B - min; when the prompt
// length T is known and max >= T - w, max = T - w and min = 2B - max; layer l keeps
// max - l ((max - min) // (L - 1)) in every head. The integer step makes the total differ
// from N B (the published formula's behaviour); ratio mode uses the exact divisions.

#include <cmath>

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

class PyramidMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "pyramid"; }
  std::string_view summary() const override {
    return "PyramidKV: caps fall linearly from the first layer to the last";
  }
  bool uses_importance() const override { return false; }

  Allocation allocate(const AllocationInput& in) const override {
    const CompileOptions& opt = *in.options;
    const double b = static_cast<double>(in.budget);
    double min_cap = floor_unless(b / opt.pyramid_beta, in.continuous);
    double max_cap = 2 * b - min_cap;
    if (!in.continuous && opt.prompt_tokens) {
      const double room = static_cast<double>(*opt.prompt_tokens - opt.window);
      if (max_cap >= room) {
        max_cap = room;
        min_cap = 2 * b - max_cap;
      }
    }
    const double step =
        in.n_layers > 1 ? floor_unless((max_cap - min_cap) / static_cast<double>(in.n_layers - 1),
                                       in.continuous)
                        : 0.0;
    Allocation out;
    out.total_may_differ = !in.continuous;
    out.caps.resize(static_cast<size_t>(in.n_layers * in.n_heads));
    out.weights.assign(out.caps.size(), 0.0);
    for (int64_t l = 0; l < in.n_layers; ++l) {
      const double cap = std::max(0.0, max_cap - static_cast<double>(l) * step);
      for (int64_t k = 0; k < in.n_heads; ++k) out.caps[l * in.n_heads + k] = cap;
    }
    out.params = {
        {"pyramid_beta", opt.pyramid_beta}, {"min", min_cap}, {"max", max_cap}, {"step", step}};
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_pyramid_method() {
  return std::make_unique<PyramidMethod>();
}

}  // namespace slkv::compile
