#pragma once
// Which probes this process runs: all of them, the share --shard I/N names, or the share of
// this MPI rank (rank R of N runs share R/N). Shares are balanced by probe cost (prompt tokens
// plus the decode budget, see probe_costs) with dist::balance_shards, so they finish together.
// Each share keeps its own resume checkpoint, so a killed share or rank loses only its
// unfinished probes.

#include <cstdint>
#include <string>
#include <vector>

#include "cli_options.hpp"
#include "dist/mpi_world.hpp"
#include "dist/shard.hpp"
#include "probes/probe_set.hpp"
#include "profile/per_probe_stats.hpp"
#include "profile/profile_h5.hpp"
#include "resume.hpp"

namespace slkv::tools {

struct ProbeShare {
  dist::ShardSpec spec;          // 0/1: the whole grid
  bool from_mpi = false;         // spec is this rank's
  std::vector<int64_t> indices;  // global probe indices, increasing
};

// Relative cost of each probe: prompt tokens + kDecodeTokenCost per decode step of the budget.
// One greedy step at a 512-2,048-token context costs about as much as 8 prompt tokens of
// prefill with this engine (docs/benchmarks.md: SmolLM2 ~220 prefill vs ~28 decode tok/s).
inline constexpr double kDecodeTokenCost = 8.0;
std::vector<double> probe_costs(const std::vector<probes::Probe>& probes, int max_new_tokens);

// Throws slkv::Error when --shard is given under an MPI launch of more than one rank.
ProbeShare plan_probe_share(const ProfileCliOptions& opt, const dist::MpiWorld& mpi,
                            const std::vector<probes::Probe>& probes, int max_new_tokens);

// The share's checkpoint directory: OUT.resume for the whole grid and for --shard (each share
// has its own --out), OUT.resume.rank-R-of-N for an MPI rank.
std::string share_resume_dir(const std::string& out_path, const ProbeShare& share);
// The resume key of a share: a checkpoint of another share (or sharding) is refused.
std::string share_run_key(const std::string& run_key, const ProbeShare& share);

// Writes the part profile of a --shard run (see profile/profile_part.hpp).
void write_share_part(const std::string& out_path, const ProbeShare& share, int64_t n_probes_total,
                      const profile::ProfileMeta& meta, const std::string& run_key,
                      const std::string& label_mode, const std::vector<FinishedProbe>& done);

}  // namespace slkv::tools
