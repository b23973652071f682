#pragma once
// Vocabulary of the built-in haystack generator (haystack_vocab.cpp): topics whose subjects,
// verbs and objects combine freely into plausible English, plus topic-free phrase pools.
// Kept apart from the needle entity pools so haystack text never states needle-like facts.

#include <span>

namespace slkv::probes::vocab {

struct Verb {
  const char* base;  // "mend"; the 3rd-person present is derived
  const char* past;  // "mended"
};

struct Topic {
  std::span<const char* const> subjects;  // singular noun phrases, lower case
  std::span<const Verb> verbs;            // transitive, fit every object of the topic
  std::span<const char* const> objects;   // noun phrases, lower case
  std::span<const char* const> places;    // prepositional phrases, lower case
  std::span<const char* const> details;   // full clauses, lower case, no final period
};

std::span<const Topic> topics();
std::span<const char* const> times();    // "in early spring" (sentence-initial: capitalise)
std::span<const char* const> manners();  // "with great patience"
std::span<const char* const> openers();  // "most visitors agree that"
std::span<const char* const> reasons();  // "the roads were closed" (follows "because")
std::span<const char* const> tails();    // "as the custom has long been"
std::span<const char* const> counts();   // "twelve"

}  // namespace slkv::probes::vocab
