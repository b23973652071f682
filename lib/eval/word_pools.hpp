#pragma once
// Words and values of the built-in tasks: keys, value words, list words, jobs, coded words,
// numbers and uuid-like strings. Plain, common English where a model must copy or count words,
// so that small tokenizers see short, familiar pieces.

#include <span>
#include <string>
#include <vector>

#include "probes/rng.hpp"

namespace slkv::eval::pools {

std::span<const char* const> key_adjectives();  // "amber", "quiet"
std::span<const char* const> key_nouns();       // "falcon", "harbor"
std::span<const char* const> common_nouns();    // list words for cwe and niah word values
std::span<const char* const> jobs();            // "baker", "pilot"
std::span<const char* const> pets();            // "parrot", "tortoise"

// n distinct keys "adjective noun" (n <= adjectives * nouns).
std::vector<std::string> distinct_keys(probes::Rng& rng, size_t n);
// n distinct items drawn from `pool` (n <= pool.size()), in draw order.
std::vector<std::string> distinct_words(probes::Rng& rng, std::span<const char* const> pool,
                                        size_t n);
// n distinct 7-digit numbers.
std::vector<std::string> distinct_numbers(probes::Rng& rng, size_t n);
// "3f9a1c2e-7b4d-41e0-9c2a-5d8e7f6a1b3c": 8-4-4-4-12 lowercase hex.
std::string uuid_like(probes::Rng& rng);
// n distinct pronounceable coded words of two consonant-vowel syllables ("kalo", "mire").
std::vector<std::string> coded_words(probes::Rng& rng, size_t n);
// n distinct 5-letter upper-case variable names ("QXJKE").
std::vector<std::string> variable_names(probes::Rng& rng, size_t n);

}  // namespace slkv::eval::pools
