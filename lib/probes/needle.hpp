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

// A worked example of the needle's form (logic set v3): a self-contained question that states
// its own facts, and its answer. build_probe renders the demos just before the question, in the
// question template's own "question / answer" layout, with entities of their own.
struct Demo {
  std::string question;
  std::string answer;
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
  // How the answer relates to the prompt (logic templates; surface needles are "lookup"):
  //   lookup   the answer is stated in the needle (copied once the right fact is found)
  //   derived  an open answer computed from the facts (a sum), never stated in the prompt
  //   yesno    "Yes" or "No", derived from the facts, never stated in the prompt
  //   composed the parts stated by two facts, joined (a full name: v4); never stated
  //            whole in the prompt
  //   choice   one of `choices`, all named in the question
  // A lookup may also list `choices`: the candidates the needle offers (two-hop, elimination).
  std::string answer_form = "lookup";
  std::vector<std::string> choices;  // yesno: {"Yes", "No"}; choice/lookup: the candidates
  std::vector<Demo> demos;           // worked examples before the question (v3, v4), else empty

  // Success rate of guessing uniformly among `choices` (0 for open answers).
  double chance() const {
    return choices.empty() ? 0.0 : 1.0 / static_cast<double>(choices.size());
  }
  // The answer is derived and must not occur in the prompt (derived and yesno forms).
  bool answer_not_in_prompt() const {
    return answer_form == "derived" || answer_form == "yesno" || answer_form == "composed";
  }
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
