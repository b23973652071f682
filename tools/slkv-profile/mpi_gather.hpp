#pragma once
// Joining the shares of an MPI run: every rank sends its finished probes (with their global
// indices) to rank 0, which puts them in grid order and checks that every probe arrived exactly
// once. Values travel as raw bytes, so rank 0 assembles exactly the floats the ranks computed
// and the profile is byte-identical to a single-process run.

#include <cstdint>
#include <string>
#include <vector>

#include "dist/mpi_world.hpp"
#include "resume.hpp"
#include "shard.hpp"

namespace slkv::tools {

// Rank 0: all n_probes_total probes in grid order. Other ranks: {}. Throws slkv::Error when a
// probe is missing or repeated (naming the probe indices) or a message is malformed.
std::vector<FinishedProbe> gather_shares(const dist::MpiWorld& mpi, const ProbeShare& share,
                                         const std::vector<FinishedProbe>& done,
                                         int64_t n_probes_total, int64_t n_heads);

// The wire format (exposed for tests): global indices and probes, in a byte string.
std::string encode_share(const std::vector<int64_t>& indices,
                         const std::vector<FinishedProbe>& done);
void decode_share(const std::string& bytes, int64_t n_heads, std::vector<int64_t>& indices,
                  std::vector<FinishedProbe>& done);

}  // namespace slkv::tools
