// random (control): the surfacelogic allocation with each layer's head caps shuffled by a
// seeded permutation. Layer totals, the budget and every cap value stay those of surfacelogic;
// only which head gets which cap changes, so an evaluation can tell whether the profile's
// choice of heads matters.

#include <algorithm>
#include <random>

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

class RandomMethod final : public AllocationMethod {
 public:
  std::string_view name() const override { return "random"; }
  std::string_view summary() const override {
    return "control: surfacelogic's caps shuffled among each layer's heads (--seed)";
  }

  Allocation allocate(const AllocationInput& in) const override {
    Allocation out = find_method("surfacelogic")->allocate(in);
    // std::mt19937_64 is specified exactly by the standard; the shuffle is our own
    // Fisher-Yates so the permutation does not depend on the standard library.
    std::mt19937_64 rng(in.options->seed);
    for (int64_t l = 0; l < in.n_layers; ++l) {
      const auto begin = static_cast<size_t>(l * in.n_heads);
      for (int64_t i = in.n_heads - 1; i > 0; --i) {
        const auto j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
        std::swap(out.caps[begin + static_cast<size_t>(i)],
                  out.caps[begin + static_cast<size_t>(j)]);
        std::swap(out.weights[begin + static_cast<size_t>(i)],
                  out.weights[begin + static_cast<size_t>(j)]);
      }
    }
    out.params["control"] = "surfacelogic caps shuffled within each layer";
    out.params["seed"] = in.options->seed;
    return out;
  }
};

}  // namespace

std::unique_ptr<AllocationMethod> make_random_method() { return std::make_unique<RandomMethod>(); }

}  // namespace slkv::compile
