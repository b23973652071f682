#include "probes/needle_pools.hpp"

namespace slkv::probes::pools {
namespace {

constexpr const char* kFirstNames[] = {
    "Mara",   "Theo",   "Ilse",   "Oskar",  "Nadia",  "Felix",   "Priya",  "Tomas", "Yuki",
    "Amara",  "Lucian", "Greta",  "Rafael", "Sanne",  "Idris",   "Leona",  "Kwame", "Elif",
    "Dmitri", "Soraya", "Henrik", "Ines",   "Matteo", "Zainab",  "Callum", "Noor",  "Bruno",
    "Freya",  "Anouk",  "Jonas",  "Lila",   "Emeka",  "Ottilie", "Ravi",   "Signe", "Cyrus"};
constexpr const char* kLastNames[] = {
    "Okafor",    "Lindqvist", "Moreau",   "Castellano", "Brandt",      "Nakamura",   "Haddad",
    "Kowalski",  "Ferreira",  "Van Dijk", "Oyelaran",   "Sorensen",    "Achterberg", "Iyer",
    "Delacroix", "Petrov",    "Mwangi",   "Quinlan",    "Ravensworth", "Szabo",      "Tanaka",
    "Urquhart",  "Valdivia",  "Whitlock", "Yilmaz",     "Zamora",      "Abernathy",  "Bellamy"};
constexpr const char* kCities[] = {
    "Porto",   "Ghent", "Tallinn", "Valparaiso", "Kyoto",   "Bergen",  "Trieste",
    "Cork",    "Lyon",  "Krakow",  "Adelaide",   "Halifax", "Tbilisi", "Ljubljana",
    "Mombasa", "Cusco", "Uppsala", "Bologna",    "Aarhus",  "Quebec",  "Seville",
    "Dunedin", "Riga",  "Antwerp", "Salzburg",   "Granada", "Leipzig", "Nantes"};
constexpr const char* kColours[] = {"crimson", "teal",  "amber",   "violet", "ochre",
                                    "indigo",  "coral", "olive",   "maroon", "turquoise",
                                    "saffron", "slate", "scarlet", "lilac"};
constexpr const char* kNouns[] = {"lantern", "harbor",  "falcon", "willow", "compass", "ember",
                                  "thistle", "anchor",  "meadow", "quartz", "sparrow", "orchard",
                                  "beacon",  "glacier", "violin", "pebble", "cedar",   "comet",
                                  "marble",  "tundra",  "saddle", "kettle", "ribbon",  "summit"};
constexpr const char* kBrands[] = {"Vantor", "Brisa",   "Kestrel", "Nimbra", "Orvale",
                                   "Tessar", "Quillon", "Zephra",  "Lumio",  "Halcyx"};
constexpr const char* kPlaces[] = {"north depot",    "east warehouse", "west archive",
                                   "harbour office", "south annex",    "river station",
                                   "upper workshop", "lower vault",    "old mint",
                                   "signal tower",   "grain store",    "pump house"};
constexpr const char* kRooms[] = {"pantry",    "attic",        "cellar",   "study",
                                  "garage",    "larder",       "loft",     "workshop",
                                  "boathouse", "conservatory", "scullery", "library"};
constexpr const char* kIngredients[] = {"smoked paprika", "star anise",       "black cardamom",
                                        "sumac",          "fennel pollen",    "juniper berries",
                                        "tamarind",       "orange zest",      "dried lime",
                                        "mustard seed",   "pink peppercorns", "lemongrass"};
constexpr const char* kContests[] = {"regional chess open",    "harbour rowing regatta",
                                     "county baking contest",  "spring poetry prize",
                                     "national kite festival", "winter marathon",
                                     "city spelling bee",      "annual sandcastle cup"};
constexpr const char* kTeams[] = {"Alder",     "Birchwood", "Cobalt", "Drummond",   "Eastfield",
                                  "Foxhollow", "Granite",   "Harrow", "Ironbridge", "Juniper"};

}  // namespace

std::span<const char* const> first_names() { return kFirstNames; }
std::span<const char* const> last_names() { return kLastNames; }
std::span<const char* const> cities() { return kCities; }
std::span<const char* const> colours() { return kColours; }
std::span<const char* const> nouns() { return kNouns; }
std::span<const char* const> brands() { return kBrands; }
std::span<const char* const> places() { return kPlaces; }
std::span<const char* const> rooms() { return kRooms; }
std::span<const char* const> ingredients() { return kIngredients; }
std::span<const char* const> contests() { return kContests; }
std::span<const char* const> teams() { return kTeams; }

std::string full_name(Rng& rng) {
  const std::string first = rng.pick(first_names());
  return first + " " + rng.pick(last_names());
}

std::string product_model(Rng& rng) {
  std::string model(rng.pick(brands()));
  model += ' ';
  model += static_cast<char>('A' + rng.below(26));
  model += std::to_string(rng.between(2, 99));
  return model;
}

std::string gate_code(Rng& rng) {
  std::string code(1, static_cast<char>('A' + rng.below(8)));
  code += std::to_string(rng.between(1, 48));
  return code;
}

}  // namespace slkv::probes::pools
