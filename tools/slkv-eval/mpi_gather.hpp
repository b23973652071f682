#pragma once
// Joining the shares of an MPI run of slkv-eval: every rank sends its prompts' records (with
// their indices and its settings hash) to rank 0, which checks that all ranks ran the same
// settings and every prompt arrived exactly once, and puts the records in index order. Records
// travel as JSON text, whose numbers parse back to the same doubles, so rank 0 writes exactly
// what a single process writes.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dist/mpi_world.hpp"

namespace slkv::evaltool {

// Rank 0: all n_total records in index order. Other ranks: an empty array. Throws slkv::Error
// naming the prompts (or the rank) when a prompt is missing or repeated, a rank ran other
// settings, or a message is malformed.
nlohmann::json gather_prompts(const dist::MpiWorld& mpi, const std::string& settings_hash,
                              const std::vector<int64_t>& indices, const nlohmann::json& prompts,
                              int64_t n_total);

// The message one rank sends, and its reading at rank 0 (exposed for tests).
std::string encode_share(const std::string& settings_hash, const std::vector<int64_t>& indices,
                         const nlohmann::json& prompts);
void decode_share(const std::string& message, std::string& settings_hash,
                  std::vector<int64_t>& indices, nlohmann::json& prompts);

}  // namespace slkv::evaltool
