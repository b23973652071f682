#pragma once
// The needle families of METHOD.md §2. Irrelevant distractors are not a family of their own:
// they are inserted into probes of either family and form the span D.

#include <cstdint>
#include <string>
#include <string_view>

namespace slkv::probes {

enum class NeedleFamily : uint8_t {
  kSurface = 0,  // one literal fact, the answer is copied verbatim
  kLogic = 1,    // several facts combined (comparison, composition, arithmetic)
};

inline constexpr int kNumNeedleFamilies = 2;

std::string_view family_name(NeedleFamily family);  // "surface" | "logic"
NeedleFamily parse_family(std::string_view name);   // throws slkv::Error on other names

}  // namespace slkv::probes
