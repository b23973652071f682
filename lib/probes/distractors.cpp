#include "probes/distractors.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace slkv::probes {
namespace {

bool shares_subject(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
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
