#include "probes/needle.hpp"

#include "core/error.hpp"
#include "probes/needles_logic.hpp"
#include "probes/needles_surface.hpp"

namespace slkv::probes {

std::string block_text(const std::vector<Piece>& pieces) {
  std::string text;
  for (const Piece& p : pieces) text += p.text;
  return text;
}

int n_templates(NeedleFamily family) {
  return family == NeedleFamily::kSurface ? n_surface_templates() : n_logic_templates();
}

Needle make_needle(NeedleFamily family, int template_index, Rng& rng) {
  if (template_index < 0 || template_index >= n_templates(family)) {
    throw Error("needle template " + std::to_string(template_index) + " out of range for family " +
                std::string(family_name(family)));
  }
  return family == NeedleFamily::kSurface ? make_surface_needle(template_index, rng)
                                          : make_logic_needle(template_index, rng);
}

void add_fact(std::vector<Piece>& pieces, PieceRole role, std::string prefix, std::string value,
              std::string suffix, bool is_answer) {
  if (!prefix.empty()) pieces.push_back({std::move(prefix), role, false});
  if (!value.empty()) pieces.push_back({std::move(value), role, is_answer});
  if (!suffix.empty()) pieces.push_back({std::move(suffix), role, false});
}

}  // namespace slkv::probes
