#pragma once
// A needle: the text block inserted into the haystack, cut into pieces that carry their role,
// so each piece is encoded on its own and its token span is exact. Also the question and the
// gold answer. Built by needles_surface.* and needles_logic.*; distractors.* builds blocks of
// the same form about other entities.

#include <cstdint>
#include <string>
#include <vector>

#include "probes/family.hpp"

namespace slkv::probes {

enum class PieceRole : uint8_t {
  kPlain = 0,       // connective text, in no span
  kNeedle = 1,      // N: a fact the answer is read or derived from
  kDistractor = 2,  // D: an in-needle sibling attribute or an irrelevant same-form fact
};

struct Piece {
  std::string text;
  PieceRole role = PieceRole::kPlain;
  bool answer = false;  // the piece states the answer verbatim (surface needles)
};

struct Needle {
  NeedleFamily family = NeedleFamily::kSurface;
  int template_index = 0;             // index into the family's template table
  std::string template_name;          // e.g. "surface.access_code"
  std::string answer_kind;            // number | name | word | phrase
  std::vector<Piece> pieces;          // the first piece starts with a space
  std::string question;               // no trailing newline
  std::string answer;                 // gold answer
  std::vector<std::string> subjects;  // entities the question is about (distractors avoid them)
};

// Concatenated piece texts.
std::string block_text(const std::vector<Piece>& pieces);

}  // namespace slkv::probes

namespace slkv::probes {

class Rng;

int n_templates(NeedleFamily family);
// A needle from template `template_index` of `family` (0 <= index < n_templates(family)),
// entities and values drawn from `rng`.
Needle make_needle(NeedleFamily family, int template_index, Rng& rng);

// Helpers for the template tables: a fact "prefix value suffix" as up to three pieces of one
// role, the value piece flagged as the answer when `is_answer`.
void add_fact(std::vector<Piece>& pieces, PieceRole role, std::string prefix, std::string value,
              std::string suffix, bool is_answer);

}  // namespace slkv::probes
