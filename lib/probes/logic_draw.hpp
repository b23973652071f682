#pragma once
// Small helpers the logic template files share: a needle's header fields, fact pieces, two
// sibling chains, and drawing pool entries or values that were not drawn before.

#include <algorithm>
#include <cstdint>
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

// N for a fact the answer needs, D for its sibling.
inline PieceRole role_if(bool needed) {
  return needed ? PieceRole::kNeedle : PieceRole::kDistractor;
}

// Two sibling two-hop chains, e.g. "Mara's mentor is Theo. Ines's mentor is Paulo. Theo lives
// in Lisbon. Paulo lives in Oslo.": both first hops, then each second hop with its end (an
// answer candidate) as a piece of its own. The chain the question follows is N, the other D.
struct Chain {
  std::string hop1;  // " Mara's mentor is Theo."
  std::string hop2;  // " Theo lives in"
  std::string end;   // "Lisbon"
};

inline void add_two_chains(Needle& n, const Chain& a, const Chain& b, bool asks_a) {
  const PieceRole ra = role_if(asks_a), rb = role_if(!asks_a);
  n.pieces.push_back({a.hop1, ra});
  n.pieces.push_back({b.hop1, rb});
  n.pieces.push_back({a.hop2, ra});
  n.pieces.push_back({" " + a.end, ra, asks_a});
  n.pieces.push_back({".", ra});
  n.pieces.push_back({b.hop2, rb});
  n.pieces.push_back({" " + b.end, rb, !asks_a});
  n.pieces.push_back({".", rb});
}

// Two distinct draws from a pool.
template <typename Pool>
std::pair<std::string, std::string> two_of(Rng& r, const Pool& pool) {
  std::string a = r.pick(pool), b;
  do {
    b = r.pick(pool);
  } while (b == a);
  return {a, b};
}

// Two integers in [lo, hi] at least `gap` apart, the first drawn once.
inline std::pair<int64_t, int64_t> two_values(Rng& r, int64_t lo, int64_t hi, int64_t gap) {
  const int64_t a = r.between(lo, hi);
  int64_t b;
  do {
    b = r.between(lo, hi);
  } while (b - a < gap && a - b < gap);
  return {a, b};
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
