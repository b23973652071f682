#pragma once
// The allocation-method interface and its registry. One file per method under methods/; a new
// method is a new file plus one line in registry.cpp.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "compile/options.hpp"

namespace slkv::compile {

// What a method sees: importance per allocation unit (KV head or query head, per the
// granularity) and the budget beyond the window.
struct AllocationInput {
  int64_t n_layers = 0;
  int64_t n_heads = 0;             // allocation units per layer (KV heads or query heads)
  std::vector<double> importance;  // [n_layers, n_heads], s >= 0, finite
  // Tokens mode: B = B_tot - w, tokens per head beyond the window. Ratio mode: 1 (a nominal
  // budget; see `continuous`).
  int64_t budget = 0;
  // Ratio mode: evaluate the method's formulas without floor() and without rounding, so caps
  // scale linearly with B; the compiler turns them into shares of the model pool.
  bool continuous = false;
  const CompileOptions* options = nullptr;
};

struct Allocation {
  std::vector<double> caps;     // [n_layers, n_heads]; tokens beyond the window (integers
                                // unless continuous)
  std::vector<double> weights;  // [n_layers, n_heads]; SA, used to hand out clamp overflow
  nlohmann::json params = nlohmann::json::object();  // parameters recorded in the plan
  // True when the method's published formula is reproduced as is and its total may differ
  // from N * B (real, headkv, pyramid); false when the total is exact by construction.
  bool total_may_differ = false;
};

class AllocationMethod {
 public:
  virtual ~AllocationMethod() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;  // one line for --help
  virtual bool supports_ratio() const { return true; }
  virtual bool uses_importance() const { return true; }  // false: scores do not matter
  virtual Allocation allocate(const AllocationInput& input) const = 0;
};

// nullptr when unknown.
const AllocationMethod* find_method(std::string_view name);
std::vector<std::string> method_names();

// SA = s^tau per unit (0 stays 0).
std::vector<double> tempered(const std::vector<double>& importance, double tau);

// floor(x), or x itself when evaluating the continuous (ratio-mode) formulas.
double floor_unless(double x, bool continuous);

// Factories, one per method file.
std::unique_ptr<AllocationMethod> make_surfacelogic_method();
std::unique_ptr<AllocationMethod> make_real_method();
std::unique_ptr<AllocationMethod> make_headkv_method();
std::unique_ptr<AllocationMethod> make_uniform_method();
std::unique_ptr<AllocationMethod> make_pyramid_method();
std::unique_ptr<AllocationMethod> make_adakv_method();
std::unique_ptr<AllocationMethod> make_streaming_method();
std::unique_ptr<AllocationMethod> make_random_method();

}  // namespace slkv::compile
