#include "eval/word_pools.hpp"

#include <set>

#include "core/error.hpp"

namespace slkv::eval::pools {
namespace {

constexpr const char* kKeyAdjectives[] = {
    "amber",  "quiet",  "silver", "golden", "hidden", "little", "ancient", "bright",
    "frozen", "gentle", "hollow", "lonely", "marble", "purple", "rapid",   "rusty",
    "silent", "sunny",  "tender", "velvet", "wooden", "yellow", "crimson", "dusty",
    "humble", "jolly",  "lucky",  "misty",  "noble",  "proud",  "steady",  "wild"};
constexpr const char* kKeyNouns[] = {
    "falcon", "harbor", "lantern", "meadow", "river",  "garden",  "castle", "forest",
    "island", "mirror", "canyon",  "bridge", "tower",  "valley",  "comet",  "anchor",
    "beacon", "cellar", "dragon",  "engine", "fox",    "glacier", "hammer", "kettle",
    "ladder", "monkey", "needle",  "otter",  "parrot", "rocket",  "saddle", "tiger"};
// Common concrete nouns, one or two tokens in usual BPE vocabularies; no key noun, job or pet.
// At least four letters and none inside another ("owl" is in "bowl"): answers are scored by
// substring match.
constexpr const char* kCommonNouns[] = {
    "apple",    "banana",   "carrot",    "onion",    "potato",   "tomato",  "lemon",    "cherry",
    "grape",    "peach",    "melon",     "orange",   "pepper",   "garlic",  "bread",    "cheese",
    "honey",    "sugar",    "salt",      "flour",    "rice",     "bean",    "corn",     "soup",
    "salad",    "cake",     "cookie",    "milk",     "coffee",   "juice",   "water",    "wine",
    "chicken",  "fish",     "beef",      "table",    "chair",    "sofa",    "lamp",     "clock",
    "desk",     "shelf",    "window",    "door",     "carpet",   "pillow",  "blanket",  "curtain",
    "basket",   "bucket",   "bottle",    "plate",    "bowl",     "spoon",   "fork",     "knife",
    "oven",     "stove",    "sink",      "towel",    "soap",     "brush",   "comb",     "broom",
    "shirt",    "jacket",   "coat",      "scarf",    "glove",    "sock",    "shoe",     "boot",
    "belt",     "dress",    "skirt",     "button",   "pocket",   "ring",    "watch",    "pencil",
    "paper",    "book",     "letter",    "stamp",    "ticket",   "camera",  "radio",    "phone",
    "piano",    "guitar",   "drum",      "violin",   "flute",    "kite",    "puzzle",   "doll",
    "balloon",  "candle",   "mask",      "flag",     "truck",    "train",   "bicycle",  "boat",
    "ship",     "wheel",    "road",      "street",   "station",  "airport", "market",   "school",
    "church",   "hospital", "library",   "museum",   "theater",  "hotel",   "bank",     "office",
    "farm",     "barn",     "fence",     "gate",     "roof",     "chimney", "garage",   "kitchen",
    "bathroom", "bedroom",  "hallway",   "stairs",   "basement", "attic",   "porch",    "yard",
    "flower",   "grass",    "leaf",      "branch",   "root",     "seed",    "rose",     "tulip",
    "daisy",    "lily",     "pine",      "maple",    "palm",     "bush",    "mountain", "hill",
    "lake",     "ocean",    "beach",     "desert",   "cave",     "cliff",   "stone",    "rock",
    "sand",     "cloud",    "snow",      "storm",    "thunder",  "rainbow", "moon",     "star",
    "planet",   "horse",    "sheep",     "goat",     "duck",     "goose",   "deer",     "bear",
    "wolf",     "lion",     "zebra",     "camel",    "whale",    "shark",   "dolphin",  "frog",
    "snake",    "spider",   "butterfly", "eagle",    "pigeon",   "crow",    "swan",     "penguin",
    "mouse",    "squirrel", "rabbit",    "turtle",   "gold",     "silk",    "cotton",   "wool",
    "leather",  "glass",    "steel",     "copper",   "coin",     "wallet",  "purse",    "tent",
    "rope",     "chain",    "nail",      "screw",    "drill",    "shovel",  "tray",     "napkin",
    "ladle",    "toaster",  "fridge",    "cabbage",  "lettuce",  "pumpkin", "cucumber", "mango",
    "walnut",   "almond",   "biscuit",   "noodle",   "pasta",    "yogurt",  "pickle",   "muffin",
    "sausage",  "bacon",    "raisin",    "peanut",   "cereal",   "cabinet", "drawer",   "mattress",
    "hammock",  "pillar",   "statue",    "fountain", "jungle",   "volcano", "canoe",    "tractor",
    "scooter",  "wagon",    "trolley",   "badger",   "beaver",   "donkey",  "kangaroo", "giraffe",
};
constexpr const char* kJobs[] = {"baker",    "pilot",   "nurse",      "farmer",   "teacher",
                                 "plumber",  "painter", "carpenter",  "dentist",  "chemist",
                                 "tailor",   "butcher", "fisherman",  "gardener", "librarian",
                                 "mechanic", "surgeon", "journalist", "lawyer",   "architect"};
constexpr const char* kPets[] = {"kitten",   "beagle",   "hamster", "canary",     "tortoise",
                                 "ferret",   "goldfish", "lizard",  "pony",       "guinea pig",
                                 "hedgehog", "gecko",    "budgie",  "chinchilla", "iguana"};

constexpr const char* kConsonants = "bdfgklmnprstvz";
constexpr const char* kVowels = "aeiou";

}  // namespace

std::span<const char* const> key_adjectives() { return kKeyAdjectives; }
std::span<const char* const> key_nouns() { return kKeyNouns; }
std::span<const char* const> common_nouns() { return kCommonNouns; }
std::span<const char* const> jobs() { return kJobs; }
std::span<const char* const> pets() { return kPets; }

std::vector<std::string> distinct_keys(probes::Rng& rng, size_t n) {
  SLKV_CHECK(n <= std::size(kKeyAdjectives) * std::size(kKeyNouns), "too many keys");
  std::set<std::string> seen;
  std::set<std::string> nouns_used;
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string noun = rng.pick(kKeyNouns);
    // Distinct nouns while they last, so that keys differ by more than one word.
    if (nouns_used.size() < std::size(kKeyNouns) && nouns_used.count(noun)) continue;
    std::string key = std::string(rng.pick(kKeyAdjectives)) + " " + noun;
    if (!seen.insert(key).second) continue;
    nouns_used.insert(noun);
    out.push_back(std::move(key));
  }
  return out;
}

std::vector<std::string> distinct_words(probes::Rng& rng, std::span<const char* const> pool,
                                        size_t n) {
  SLKV_CHECK(n <= pool.size(), "not enough words in the pool");
  std::vector<std::string> all(pool.begin(), pool.end());
  rng.shuffle(all);
  all.resize(n);
  return all;
}

std::vector<std::string> distinct_numbers(probes::Rng& rng, size_t n) {
  std::set<int64_t> seen;
  std::vector<std::string> out;
  while (out.size() < n) {
    const int64_t v = rng.between(1000000, 9999999);
    if (seen.insert(v).second) out.push_back(std::to_string(v));
  }
  return out;
}

std::string uuid_like(probes::Rng& rng) {
  constexpr const char* kHex = "0123456789abcdef";
  std::string out;
  for (int group : {8, 4, 4, 4, 12}) {
    if (!out.empty()) out += '-';
    for (int i = 0; i < group; ++i) out += kHex[rng.below(16)];
  }
  return out;
}

std::vector<std::string> coded_words(probes::Rng& rng, size_t n) {
  const size_t n_c = std::string_view(kConsonants).size();
  const size_t n_v = std::string_view(kVowels).size();
  SLKV_CHECK(n <= n_c * n_v * n_c * n_v, "too many coded words");
  std::set<std::string> seen;
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string w;
    for (int s = 0; s < 2; ++s) {
      w += kConsonants[rng.below(n_c)];
      w += kVowels[rng.below(n_v)];
    }
    if (seen.insert(w).second) out.push_back(std::move(w));
  }
  return out;
}

std::vector<std::string> variable_names(probes::Rng& rng, size_t n) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string v;
    for (int i = 0; i < 5; ++i) v += static_cast<char>('A' + rng.below(26));
    if (seen.insert(v).second) out.push_back(std::move(v));
  }
  return out;
}

}  // namespace slkv::eval::pools
