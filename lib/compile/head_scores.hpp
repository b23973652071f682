#pragma once
// Per-query-head scores that budget compilation starts from, whatever file they came from: a
// lineage score JSON (HeadKV / REAL) or, later, an slkv HDF5 profile. Both readers fill this
// struct, so the allocation methods never see a file format.

#include <cstdint>
#include <string>
#include <vector>

namespace slkv::compile {

// Bit flags of METHOD.md section 4 (a head may carry several).
enum HeadFlag : uint8_t { kFlagSurface = 1, kFlagLogic = 2, kFlagIgnoring = 4 };

struct HeadScores {
  int64_t n_layers = 0;
  int64_t n_heads = 0;  // query heads

  // "lineage": `direct` holds the file's per-head score (mean over probes) and is used as the
  // importance s as it is. "profile": surface/logic/ignore are filled and the importance is
  // norm(S_logic) + alpha * norm(S_surface) (METHOD.md section 5).
  std::string kind;
  std::vector<double> direct;   // [n_layers, n_heads]; lineage only
  std::vector<double> surface;  // [n_layers, n_heads]; S_surface, profile only
  std::vector<double> logic;    // [n_layers, n_heads]; S_logic, profile only
  std::vector<double> ignore;   // [n_layers, n_heads]; S_ignore, profile only
  std::vector<uint8_t> flags;   // [n_layers, n_heads]; HeadFlag bits, optional

  // Provenance for the plan.
  std::string source_path;
  std::string source_hash;  // XXH3-128 of the file bytes
  int64_t n_probes = 0;     // probes per head (lineage: the longest list)

  size_t index(int64_t layer, int64_t head) const {
    return static_cast<size_t>(layer * n_heads + head);
  }
};

// Primary label of a flag set, precedence surface > logic > ignoring; "distracted" if none.
const char* primary_label(uint8_t flags);

}  // namespace slkv::compile
