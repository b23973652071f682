#pragma once
// Fitting generated text to a token budget. Every built-in task grows its context in whole
// units (haystack sentences, list items, coded words) and asks for the largest count whose
// rendered prompt stays within the requested number of tokens; the count is found by
// interpolation on exact token counts of the whole rendered prompt, so a unit is never cut.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "probes/haystack.hpp"
#include "probes/text_encoder.hpp"

namespace slkv::eval {

// Tokens of `text` as the model sees it (no BOS).
int64_t count_tokens(const probes::TextEncoder& enc, std::string_view text);

struct FitResult {
  int64_t n = 0;         // units used
  int64_t n_tokens = 0;  // tokens of render(n)
};

// The largest n <= n_max found with count_tokens(render(n)) <= target_tokens, stopping early
// once within 0.5% (at least 2 tokens) below the target. render must grow with n. Throws
// slkv::Error naming `what` when even render(0) is longer than the target.
FitResult fit_to_tokens(const std::function<std::string(int64_t)>& render, int64_t target_tokens,
                        const probes::TextEncoder& enc, std::string_view what,
                        int64_t n_max = INT64_MAX);

// A text planted in the haystack: one or more whole sentences (a needle, a fact paragraph, an
// assignment). depth in [0, 1] is where it goes, as a fraction of the haystack's sentences.
struct Planted {
  std::string text;
  double depth = 0.0;
  bool paragraph = false;  // set apart by blank lines instead of a space
};

// Haystack sentences drawn from one seeded stream, kept so that contexts of different lengths
// share their prefix.
class HaystackFiller {
 public:
  HaystackFiller(const probes::Haystack& haystack, uint64_t seed);

  // The first n sentences with every planted text inserted at the sentence end nearest its
  // depth (round(depth * n)); texts at the same place keep their order in `planted`.
  std::string context(int64_t n, const std::vector<Planted>& planted);
  // Where planted text i went for n sentences, as a fraction of n (0 when n is 0).
  static double placed_depth(int64_t n, const Planted& planted);

 private:
  const probes::HaystackSentence& sentence(int64_t i);

  std::unique_ptr<probes::SentenceStream> stream_;
  std::vector<probes::HaystackSentence> sentences_;
};

}  // namespace slkv::eval
