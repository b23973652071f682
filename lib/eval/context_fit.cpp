#include "eval/context_fit.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace slkv::eval {

int64_t count_tokens(const probes::TextEncoder& enc, std::string_view text) {
  return static_cast<int64_t>(enc.encode(text).size());
}

FitResult fit_to_tokens(const std::function<std::string(int64_t)>& render, int64_t target_tokens,
                        const probes::TextEncoder& enc, std::string_view what, int64_t n_max) {
  const int64_t base = count_tokens(enc, render(0));
  if (base > target_tokens) {
    throw Error(std::string(what) + ": " + std::to_string(target_tokens) +
                " tokens is shorter than the task's fixed text (" + std::to_string(base) +
                " tokens)");
  }
  const int64_t tolerance = std::max<int64_t>(2, target_tokens / 200);
  FitResult lo{0, base};                            // fits
  int64_t hi = n_max < INT64_MAX ? n_max + 1 : -1;  // smallest count known not to fit, or -1
  double per_unit = 1.0;  // tokens per unit, refined from every measurement
  int64_t n = std::min<int64_t>(1, n_max);
  if (n_max <= 0) return lo;
  for (int iter = 0; iter < 64; ++iter) {
    if (target_tokens - lo.n_tokens <= tolerance) break;
    if (hi >= 0 && hi - lo.n <= 1) break;
    const int64_t t = count_tokens(enc, render(n));
    if (t > base) per_unit = static_cast<double>(t - base) / static_cast<double>(n);
    if (t <= target_tokens) {
      lo = {n, t};
    } else {
      hi = n;
    }
    // Next guess: interpolate from the best fitting count, aiming just under the target.
    const double room = static_cast<double>(target_tokens - lo.n_tokens);
    int64_t next = lo.n + std::max<int64_t>(1, static_cast<int64_t>(std::floor(room / per_unit)));
    if (hi >= 0) next = std::min(next, hi - 1);
    if (next <= lo.n) break;
    n = next;
  }
  return lo;
}

HaystackFiller::HaystackFiller(const probes::Haystack& haystack, uint64_t seed)
    : stream_(haystack.stream(seed)) {}

const probes::HaystackSentence& HaystackFiller::sentence(int64_t i) {
  while (static_cast<int64_t>(sentences_.size()) <= i) sentences_.push_back(stream_->next());
  return sentences_[static_cast<size_t>(i)];
}

double HaystackFiller::placed_depth(int64_t n, const Planted& planted) {
  if (n <= 0) return 0.0;
  const auto at = static_cast<int64_t>(std::llround(std::clamp(planted.depth, 0.0, 1.0) * n));
  return static_cast<double>(at) / static_cast<double>(n);
}

std::string HaystackFiller::context(int64_t n, const std::vector<Planted>& planted) {
  std::vector<int64_t> at(planted.size());
  for (size_t p = 0; p < planted.size(); ++p) {
    at[p] = std::llround(std::clamp(planted[p].depth, 0.0, 1.0) * static_cast<double>(n));
  }
  std::string out;
  bool paragraph_next = false;  // a planted paragraph ends: the next text starts a paragraph
  auto append = [&](const std::string& text, bool paragraph) {
    if (!out.empty()) out += (paragraph || paragraph_next) ? "\n\n" : " ";
    out += text;
  };
  for (int64_t j = 0; j <= n; ++j) {
    for (size_t p = 0; p < planted.size(); ++p) {
      if (at[p] != j) continue;
      append(planted[p].text, planted[p].paragraph);
      paragraph_next = planted[p].paragraph;
    }
    if (j == n) break;
    const probes::HaystackSentence& s = sentence(j);
    append(s.text, s.paragraph_start);
    paragraph_next = false;
  }
  return out;
}

}  // namespace slkv::eval
