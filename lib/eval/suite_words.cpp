// Word extraction: cwe (a numbered list of common words, three of them repeated far more often
// than the rest) and fwe (a coded text whose word frequencies follow a Zipf law; the three most
// frequent coded words are asked).

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "eval/suite_tasks.hpp"
#include "eval/word_pools.hpp"
#include "probes/rng.hpp"

namespace slkv::eval::tasks {
namespace {

constexpr size_t kAnswers = 3;

// Mean tokens of one list item, from the first 16 pool words.
double tokens_per_item(const probes::TextEncoder& enc, const std::vector<std::string>& words,
                       const std::string& prefix) {
  const size_t n = std::min<size_t>(16, words.size());
  int64_t total = 0;
  for (size_t i = 0; i < n; ++i) total += count_tokens(enc, prefix + words[i]);
  return n > 0 ? static_cast<double>(total) / static_cast<double>(n) : 1.0;
}

}  // namespace

EvalItem cwe(const TaskInput& in) {
  probes::Rng rng(in.seed);
  std::vector<std::string> words =
      pools::distinct_words(rng, pools::common_nouns(), pools::common_nouns().size());
  const std::vector<std::string> common(words.begin(), words.begin() + kAnswers);
  const std::vector<std::string> rare(words.begin() + kAnswers, words.end());
  const uint64_t shuffle_seed = rng.next();

  EvalItem item;
  item.question = "What are the three most common words in the list above? Answer:";
  item.answers = common;
  item.max_new = 32;  // SmolLM2 spends ~12 tokens restating the question, then quotes each word
  const std::string intro =
      "Below is a numbered list of words. Some of the words appear many more times than others.";

  // Repetitions: every rare word `rare_times`, every common word at least 20 times and at least
  // five times as often as a rare word; the list grows by distinct rare words.
  const double per_item = tokens_per_item(*in.enc, rare, "\n100. ");
  const auto items_wanted = static_cast<double>(in.target_tokens) / per_item;
  const int64_t rare_times = std::max<int64_t>(
      2, static_cast<int64_t>(std::ceil(items_wanted / (0.8 * static_cast<double>(rare.size())))));
  const int64_t common_times = std::max<int64_t>(20, 5 * rare_times);

  auto list = [&](int64_t n_rare) {
    std::vector<const std::string*> seq;
    for (const std::string& w : common) seq.insert(seq.end(), common_times, &w);
    for (int64_t r = 0; r < n_rare; ++r) seq.insert(seq.end(), rare_times, &rare[r]);
    probes::Rng order(shuffle_seed);
    order.shuffle(seq);
    std::string out = intro;
    for (size_t i = 0; i < seq.size(); ++i) out += "\n" + std::to_string(i + 1) + ". " + *seq[i];
    return out;
  };
  auto render = [&](int64_t n_rare) {
    item.context = list(n_rare);
    return render_prompt(item);
  };
  const FitResult fit =
      fit_to_tokens(render, in.target_tokens, *in.enc, in.task, static_cast<int64_t>(rare.size()));
  item.context = list(fit.n);
  return item;
}

EvalItem fwe(const TaskInput& in) {
  constexpr size_t kVocab = 40;
  constexpr double kAlpha = 2.0;
  constexpr size_t kPerSentence = 8;
  probes::Rng rng(in.seed);
  const std::vector<std::string> vocab = pools::coded_words(rng, kVocab);  // rank order
  const uint64_t shuffle_seed = rng.next();

  EvalItem item;
  item.question = "What are the three most frequent coded words in the text above? Answer:";
  item.answers.assign(vocab.begin(), vocab.begin() + kAnswers);
  item.max_new = 24;
  const std::string intro =
      "Read the following coded text and keep track of how often each coded word appears.";

  std::vector<double> weight(kVocab);
  double total_weight = 0;
  for (size_t r = 0; r < kVocab; ++r) total_weight += weight[r] = std::pow(r + 1.0, -kAlpha);

  // Counts for n words: floor of the Zipf share, the remainder to the most frequent word, so the
  // top three always stay strictly ahead of the rest for the n the fit uses.
  auto text = [&](int64_t n) {
    std::vector<const std::string*> seq;
    int64_t used = 0;
    std::vector<int64_t> count(kVocab);
    for (size_t r = 0; r < kVocab; ++r) {
      count[r] =
          static_cast<int64_t>(std::floor(static_cast<double>(n) * weight[r] / total_weight));
      used += count[r];
    }
    count[0] += n - used;
    for (size_t r = 0; r < kVocab; ++r) seq.insert(seq.end(), count[r], &vocab[r]);
    probes::Rng order(shuffle_seed);
    order.shuffle(seq);
    std::string out = intro + "\n";
    for (size_t i = 0; i < seq.size(); ++i) {
      out += *seq[i];
      out += (i + 1) % kPerSentence == 0 || i + 1 == seq.size() ? ". " : " ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  };
  auto render = [&](int64_t n) {
    item.context = text(n);
    return render_prompt(item);
  };
  const FitResult fit = fit_to_tokens(render, in.target_tokens, *in.enc, in.task);
  if (fit.n < 50) {
    throw Error("fwe: " + std::to_string(in.target_tokens) +
                " tokens hold too few coded words to rank their frequencies");
  }
  item.context = text(fit.n);
  return item;
}

}  // namespace slkv::eval::tasks
