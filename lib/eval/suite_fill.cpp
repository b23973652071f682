#include "core/error.hpp"
#include "eval/suite_tasks.hpp"
#include "probes/rng.hpp"

namespace slkv::eval::tasks {

void fill_with_haystack(EvalItem& item, const std::vector<Planted>& planted, int asked,
                        const TaskInput& in) {
  SLKV_CHECK(in.haystack != nullptr && in.enc != nullptr, "task input without haystack/encoder");
  HaystackFiller filler(*in.haystack, probes::derive_seed(in.seed, "haystack", 0));
  auto render = [&](int64_t n) {
    item.context = filler.context(n, planted);
    return render_prompt(item);
  };
  const FitResult fit = fit_to_tokens(render, in.target_tokens, *in.enc, in.task);
  item.context = filler.context(fit.n, planted);
  if (asked >= 0) {
    item.depth = HaystackFiller::placed_depth(fit.n, planted[static_cast<size_t>(asked)]);
  }
}

std::string_view article(std::string_view noun) {
  return !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos ? "an"
                                                                                            : "a";
}

}  // namespace slkv::eval::tasks
