// Variable tracking: "VAR QXJKE = 48213." starts a chain, "VAR BMTOA = VAR QXJKE." extends
// it; two distractor chains start from other values. The answer is every variable of the chain
// that starts from the asked value, in chain order.

#include <algorithm>

#include "eval/suite_tasks.hpp"
#include "eval/word_pools.hpp"
#include "probes/rng.hpp"

namespace slkv::eval::tasks {

EvalItem vt(const TaskInput& in) {
  constexpr size_t kChains = 3;  // the asked chain and two distractor chains
  constexpr size_t kHops = 4;    // assignments after the first: 5 variables per chain
  probes::Rng rng(in.seed);
  const std::vector<std::string> names = pools::variable_names(rng, kChains * (kHops + 1));
  std::vector<std::string> values;
  while (values.size() < kChains) {
    std::string v = std::to_string(rng.between(10000, 99999));
    if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  }
  std::vector<Planted> planted;
  for (size_t c = 0; c < kChains; ++c) {
    std::vector<double> depths;
    for (size_t h = 0; h <= kHops; ++h)
      depths.push_back(static_cast<double>(rng.below(1001)) / 1000);
    std::sort(depths.begin(), depths.end());  // a variable is assigned before it is used
    for (size_t h = 0; h <= kHops; ++h) {
      const std::string& var = names[c * (kHops + 1) + h];
      const std::string rhs = h == 0 ? values[c] : "VAR " + names[c * (kHops + 1) + h - 1];
      planted.push_back({"VAR " + var + " = " + rhs + ".", depths[h]});
    }
  }
  EvalItem item;
  item.question = "Find all variables that are assigned the value " + values[0] +
                  " in the text above, directly or through other variables. Answer:";
  item.answers.assign(names.begin(), names.begin() + kHops + 1);
  item.max_new = 40;  // room for the five names and a short lead-in, not for all fifteen
  fill_with_haystack(item, planted, 0, in);
  return item;
}

}  // namespace slkv::eval::tasks
