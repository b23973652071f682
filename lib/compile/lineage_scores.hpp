#pragma once
// Reader for the lineage's score files (Retrieval Head / HeadKV / REAL):
//   {"<layer>-<query head>": [score per probe, ...], ...}
// 0-based, one key per query head. Key order in these files is not reliable, so every key is
// parsed. The per-head score is the mean over its probes.

#include <cstdint>
#include <string>
#include <string_view>

#include "compile/head_scores.hpp"

namespace slkv::compile {

// Parses `text` (the bytes of `path`, which only names the file in errors) for a model with
// `n_layers` layers of `n_heads` query heads. Throws slkv::Error naming the file and the key
// for: invalid JSON (NaN / Infinity are not JSON), a key that is not "<int>-<int>", indices
// outside the shape, a head given twice, a missing head, an empty, non-numeric, negative or
// non-finite score list.
HeadScores parse_lineage_scores(std::string_view text, const std::string& path, int64_t n_layers,
                                int64_t n_heads);

// Reads and parses the file.
HeadScores read_lineage_scores(const std::string& path, int64_t n_layers, int64_t n_heads);

}  // namespace slkv::compile
