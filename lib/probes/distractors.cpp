#include "probes/distractors.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/error.hpp"
#include "probes/needles_logic.hpp"

namespace slkv::probes {
namespace {

bool shares_subject(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

// `word` occurs in `text` as a whole word (so "12" is not found inside "112").
bool has_word(const std::string& text, const std::string& word) {
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const size_t end = at + word.size();
    if ((at == 0 || !alnum(text[at - 1])) && (end >= text.size() || !alnum(text[end]))) {
      return true;
    }
  }
  return false;
}

// v2 logic needles with a derived answer keep it out of the whole prompt, distractor blocks
// included (v1 is left as it was, so its probes stay byte-identical).
bool keep_answer_out(const Needle& needle) {
  return needle.family == NeedleFamily::kLogic && needle.answer_not_in_prompt() &&
         needle.template_index >= logic_template_set("v2").begin;
}

}  // namespace

std::vector<std::vector<Piece>> make_distractors(const Needle& needle, int count, Rng& rng) {
  if (count < 0) throw Error("distractor count must be >= 0, got " + std::to_string(count));
  std::vector<std::vector<Piece>> blocks;
  std::vector<std::string> used_subjects = needle.subjects;
  std::vector<std::string> texts{block_text(needle.pieces)};
  constexpr int kAttemptsPerBlock = 200;
  for (int i = 0; i < count; ++i) {
    bool placed = false;
    for (int attempt = 0; attempt < kAttemptsPerBlock && !placed; ++attempt) {
      Needle other = make_needle(needle.family, needle.template_index, rng);
      if (other.answer == needle.answer || shares_subject(other.subjects, used_subjects)) continue;
      const std::string text = block_text(other.pieces);
      if (std::find(texts.begin(), texts.end(), text) != texts.end()) continue;
      if (keep_answer_out(needle) && has_word(text, needle.answer)) continue;
      for (Piece& p : other.pieces) {
        p.role = PieceRole::kDistractor;
        p.answer = false;
      }
      used_subjects.insert(used_subjects.end(), other.subjects.begin(), other.subjects.end());
      texts.push_back(text);
      blocks.push_back(std::move(other.pieces));
      placed = true;
    }
    if (!placed) {
      throw Error("cannot draw " + std::to_string(count) + " distinct distractors for template " +
                  needle.template_name);
    }
  }
  return blocks;
}

}  // namespace slkv::probes
