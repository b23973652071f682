#include "shard.hpp"

#include "core/error.hpp"
#include "profile/profile_part.hpp"

namespace slkv::tools {

std::vector<double> probe_costs(const std::vector<probes::Probe>& probes, int max_new_tokens) {
  std::vector<double> costs;
  costs.reserve(probes.size());
  for (const probes::Probe& p : probes) {
    costs.push_back(static_cast<double>(p.n_prompt()) + kDecodeTokenCost * max_new_tokens);
  }
  return costs;
}

ProbeShare plan_probe_share(const ProfileCliOptions& opt, const dist::MpiWorld& mpi,
                            const std::vector<probes::Probe>& probes, int max_new_tokens) {
  ProbeShare share;
  if (!opt.shard.empty()) {
    if (mpi.size() > 1) {
      throw Error("--shard " + opt.shard + " cannot be combined with an MPI launch of " +
                  std::to_string(mpi.size()) +
                  " ranks (each rank already runs its share); drop one of them");
    }
    share.spec = dist::parse_shard(opt.shard);
  } else if (mpi.size() > 1) {
    share.spec = dist::ShardSpec{mpi.rank(), mpi.size()};
    share.from_mpi = true;
  }
  share.indices = dist::shard_items(probe_costs(probes, max_new_tokens), share.spec);
  return share;
}

std::string share_resume_dir(const std::string& out_path, const ProbeShare& share) {
  if (!share.from_mpi) return out_path + ".resume";
  return out_path + ".resume.rank-" + std::to_string(share.spec.index) + "-of-" +
         std::to_string(share.spec.count);
}

std::string share_run_key(const std::string& run_key, const ProbeShare& share) {
  return share.spec.whole() ? run_key : run_key + "-share-" + share.spec.str();
}

void write_share_part(const std::string& out_path, const ProbeShare& share, int64_t n_probes_total,
                      const profile::ProfileMeta& meta, const std::string& run_key,
                      const std::string& label_mode, const std::vector<FinishedProbe>& done) {
  profile::ProfilePart part;
  part.meta = meta;
  part.run_key = run_key;
  part.label_mode = label_mode;
  part.shard_index = share.spec.index;
  part.shard_count = share.spec.count;
  part.n_probes_total = n_probes_total;
  part.probe_index = share.indices;
  part.per_probe = profile::PerProbeStats(meta.n_layers, meta.n_query_heads);
  for (const FinishedProbe& d : done) part.per_probe.append(d.record, d.values);
  profile::write_profile_part(out_path, part);
}

}  // namespace slkv::tools
