#pragma once
// Small helpers the logic template files share: a needle's header fields, a fact piece, and
// drawing pool entries that were not drawn before.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "probes/needle.hpp"
#include "probes/rng.hpp"

namespace slkv::probes::logic_draw {

// A logic needle named "logic.<name>" with its answer kind and form (Needle::answer_form).
inline Needle start(const char* name, const char* kind, const char* form) {
  Needle n;
  n.family = NeedleFamily::kLogic;
  n.template_name = std::string("logic.") + name;
  n.answer_kind = kind;
  n.answer_form = form;
  return n;
}

// Appends `text` as one fact of N.
inline void fact(Needle& n, std::string text) {
  n.pieces.push_back({std::move(text), PieceRole::kNeedle});
}

// A pool item not in `used`, appended to it. The pool must hold more items than `used`.
template <typename Pool>
std::string fresh(Rng& r, const Pool& pool, std::vector<std::string>& used) {
  std::string s;
  do {
    s = r.pick(pool);
  } while (std::find(used.begin(), used.end(), s) != used.end());
  used.push_back(s);
  return s;
}

}  // namespace slkv::probes::logic_draw
