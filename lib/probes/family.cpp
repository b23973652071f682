#include "probes/family.hpp"

#include "core/error.hpp"

namespace slkv::probes {

std::string_view family_name(NeedleFamily family) {
  switch (family) {
    case NeedleFamily::kSurface:
      return "surface";
    case NeedleFamily::kLogic:
      return "logic";
  }
  throw Error("unknown needle family " + std::to_string(static_cast<int>(family)));
}

NeedleFamily parse_family(std::string_view name) {
  if (name == "surface") return NeedleFamily::kSurface;
  if (name == "logic") return NeedleFamily::kLogic;
  throw Error("unknown needle family '" + std::string(name) + "' (expected surface or logic)");
}

}  // namespace slkv::probes
