// Question answering over facts: paragraphs about several people (city, job, pet), set apart
// in the haystack; one attribute of one person is asked. Every person's attribute values are
// distinct, so only the right paragraph answers the question.

#include "eval/suite_tasks.hpp"
#include "eval/word_pools.hpp"
#include "probes/needle_pools.hpp"
#include "probes/rng.hpp"

namespace slkv::eval::tasks {

EvalItem qa(const TaskInput& in) {
  constexpr size_t kPeople = 5;
  probes::Rng rng(in.seed);
  const std::vector<std::string> first =
      pools::distinct_words(rng, probes::pools::first_names(), kPeople);
  const std::vector<std::string> last =
      pools::distinct_words(rng, probes::pools::last_names(), kPeople);
  const std::vector<std::string> cities =
      pools::distinct_words(rng, probes::pools::cities(), kPeople);
  const std::vector<std::string> jobs = pools::distinct_words(rng, pools::jobs(), kPeople);
  const std::vector<std::string> pets = pools::distinct_words(rng, pools::pets(), kPeople);
  std::vector<Planted> planted;
  for (size_t p = 0; p < kPeople; ++p) {
    const std::string name = first[p] + " " + last[p];
    std::string text = name + " lives in " + cities[p] + ". " + first[p] + " works as " +
                       std::string(article(jobs[p])) + " " + jobs[p] + ". " + first[p] +
                       " has a pet " + pets[p] + ".";
    planted.push_back({std::move(text), static_cast<double>(rng.below(1001)) / 1000, true});
  }
  const auto asked = static_cast<size_t>(rng.below(kPeople));
  const std::string name = first[asked] + " " + last[asked];
  EvalItem item;
  switch (rng.below(3)) {
    case 0:
      item.question = "In which city does " + name + " live? Answer:";
      item.answers = {cities[asked]};
      break;
    case 1:
      item.question = "What does " + name + " work as? Answer:";  // mirrors "works as a"
      item.answers = {jobs[asked]};
      break;
    default:
      item.question = "What pet does " + name + " have? Answer:";
      item.answers = {pets[asked]};
      break;
  }
  item.max_new = 16;
  fill_with_haystack(item, planted, static_cast<int>(asked), in);
  return item;
}

}  // namespace slkv::eval::tasks
