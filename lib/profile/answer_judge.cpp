#include "profile/answer_judge.hpp"

#include <sstream>

#include "core/error.hpp"
#include "profile/scores.hpp"

namespace slkv::profile {
namespace {

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{normalize_answer(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// `needle` occurs in `hay` as a contiguous run of words.
bool contains_run(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool same = true;
    for (size_t j = 0; j < needle.size() && same; ++j) same = hay[i + j] == needle[j];
    if (same) return true;
  }
  return false;
}

}  // namespace

bool answer_correct(probes::NeedleFamily family, std::string_view answer_form,
                    const std::vector<std::string>& choices, std::string_view prediction,
                    std::string_view gold) {
  if (answer_form == "yesno") {
    const auto pred = words(prediction);
    const auto ref = words(gold);
    return !pred.empty() && ref.size() == 1 && pred.front() == ref.front();
  }
  if (answer_form == "composed") {  // the whole answer as a run of words: one part alone fails
    const auto ref = words(gold);
    return !ref.empty() && contains_run(words(prediction), ref);
  }
  if (!choices.empty()) {  // choice forms and lookups with candidates
    const auto pred = words(prediction);
    bool named_gold = false;
    for (const std::string& option : choices) {
      const bool named = contains_run(pred, words(option));
      if (normalize_answer(option) == normalize_answer(gold)) {
        named_gold = named;
      } else if (named) {
        return false;
      }
    }
    return named_gold;
  }
  return probe_succeeded(family, prediction, gold);
}

double chance_corrected(double success_rate, double chance) {
  SLKV_CHECK(chance >= 0.0 && chance < 1.0, "chance level must be in [0, 1)");
  return (success_rate - chance) / (1.0 - chance);
}

}  // namespace slkv::profile
