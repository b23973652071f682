#pragma once
// Entity and value pools of the needle templates: people, places, made-up products and codes.
// Disjoint from the haystack vocabulary, so a needle never collides with haystack prose.

#include <span>
#include <string>

#include "probes/rng.hpp"

namespace slkv::probes::pools {

std::span<const char* const> first_names();
std::span<const char* const> last_names();
std::span<const char* const> cities();
std::span<const char* const> colours();
std::span<const char* const> nouns();        // concrete nouns for passphrases, objects
std::span<const char* const> brands();       // made-up product brands
std::span<const char* const> places();       // "north depot", "west archive"
std::span<const char* const> rooms();        // "pantry", "attic"
std::span<const char* const> ingredients();  // "smoked paprika"
std::span<const char* const> contests();     // "regional chess open"
std::span<const char* const> teams();        // "Alder"

std::string full_name(Rng& rng);      // "Mara Okafor"
std::string product_model(Rng& rng);  // "Vantor K7"
std::string gate_code(Rng& rng);      // "B14"

}  // namespace slkv::probes::pools
