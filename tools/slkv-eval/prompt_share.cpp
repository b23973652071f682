#include "prompt_share.hpp"

#include "core/error.hpp"

namespace slkv::evaltool {

double prompt_cost(int64_t n_tokens, int64_t max_new, int64_t n_methods) {
  return static_cast<double>(n_tokens) +
         kDecodeTokenCost * static_cast<double>(max_new) * static_cast<double>(n_methods);
}

PromptShare plan_prompt_share(const std::string& shard, const dist::MpiWorld& mpi,
                              const std::vector<double>& costs) {
  PromptShare share;
  if (!shard.empty()) {
    if (mpi.size() > 1) {
      throw Error("--shard " + shard + " cannot be combined with an MPI launch of " +
                  std::to_string(mpi.size()) +
                  " ranks (each rank already runs its share); drop one of them");
    }
    share.spec = dist::parse_shard(shard);
  } else if (mpi.size() > 1) {
    share.spec = dist::ShardSpec{mpi.rank(), mpi.size()};
    share.from_mpi = true;
  }
  share.indices = dist::shard_items(costs, share.spec);
  return share;
}

}  // namespace slkv::evaltool
