// Needle-in-a-haystack tasks: "The special magic <kind> for <key> is: <value>." sentences in
// the haystack, asked for by key. Keys are "adjective noun" pairs, distinct within an item.

#include "eval/suite_tasks.hpp"
#include "eval/word_pools.hpp"
#include "probes/rng.hpp"

namespace slkv::eval::tasks {
namespace {

enum class ValueKind { kNumber, kWord, kUuid };

std::string_view kind_word(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNumber:
      return "number";
    case ValueKind::kWord:
      return "word";
    case ValueKind::kUuid:
      return "uuid";
  }
  return "";
}

std::vector<std::string> values(probes::Rng& rng, ValueKind kind, size_t n) {
  switch (kind) {
    case ValueKind::kNumber:
      return pools::distinct_numbers(rng, n);
    case ValueKind::kWord:
      return pools::distinct_words(rng, pools::common_nouns(), n);
    case ValueKind::kUuid: {
      std::vector<std::string> out;
      while (out.size() < n) out.push_back(pools::uuid_like(rng));
      return out;
    }
  }
  return {};
}

std::string needle(ValueKind kind, const std::string& key, const std::string& value) {
  return "The special magic " + std::string(kind_word(kind)) + " for " + key + " is: " + value +
         ".";
}

double depth(probes::Rng& rng) { return static_cast<double>(rng.below(1001)) / 1000.0; }

// n_keys needles of one kind; one is asked.
EvalItem single_or_multikey(const TaskInput& in, ValueKind kind, size_t n_keys, int64_t max_new) {
  probes::Rng rng(in.seed);
  const std::vector<std::string> keys = pools::distinct_keys(rng, n_keys);
  const std::vector<std::string> vals = values(rng, kind, n_keys);
  const auto asked = static_cast<size_t>(rng.below(n_keys));
  std::vector<Planted> planted;
  for (size_t k = 0; k < n_keys; ++k)
    planted.push_back({needle(kind, keys[k], vals[k]), depth(rng)});
  EvalItem item;
  item.question = "What is the special magic " + std::string(kind_word(kind)) + " for " +
                  keys[asked] + "? Answer:";
  item.answers = {vals[asked]};
  item.max_new = max_new;
  fill_with_haystack(item, planted, static_cast<int>(asked), in);
  return item;
}

}  // namespace

EvalItem niah_single_number(const TaskInput& in) {
  return single_or_multikey(in, ValueKind::kNumber, 1, 24);
}
EvalItem niah_single_word(const TaskInput& in) {
  return single_or_multikey(in, ValueKind::kWord, 1, 16);
}
EvalItem niah_single_uuid(const TaskInput& in) {
  return single_or_multikey(in, ValueKind::kUuid, 1, 48);
}
EvalItem niah_multikey(const TaskInput& in) {
  return single_or_multikey(in, ValueKind::kNumber, 4, 24);
}

EvalItem niah_multivalue(const TaskInput& in) {
  constexpr size_t kValues = 4;
  probes::Rng rng(in.seed);
  const std::string key = pools::distinct_keys(rng, 1)[0];
  const std::vector<std::string> vals = pools::distinct_numbers(rng, kValues);
  std::vector<Planted> planted;
  for (const std::string& v : vals) {
    planted.push_back(
        {"One of the special magic numbers for " + key + " is: " + v + ".", depth(rng)});
  }
  EvalItem item;
  item.question = "What are all the special magic numbers for " + key + "? Answer:";
  item.answers = vals;
  item.max_new = 64;
  fill_with_haystack(item, planted, -1, in);
  return item;
}

EvalItem niah_multiquery(const TaskInput& in) {
  constexpr size_t kKeys = 4;
  probes::Rng rng(in.seed);
  const std::vector<std::string> keys = pools::distinct_keys(rng, kKeys);
  const std::vector<std::string> vals = pools::distinct_numbers(rng, kKeys);
  std::vector<Planted> planted;
  for (size_t k = 0; k < kKeys; ++k) {
    planted.push_back({needle(ValueKind::kNumber, keys[k], vals[k]), depth(rng)});
  }
  EvalItem item;
  item.question = "What are the special magic numbers for " + keys[0] + ", " + keys[1] + ", " +
                  keys[2] + " and " + keys[3] + "? Answer:";
  item.answers = vals;
  item.max_new = 64;
  fill_with_haystack(item, planted, -1, in);
  return item;
}

}  // namespace slkv::eval::tasks
