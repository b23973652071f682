#include "mpi_gather.hpp"

#include "core/error.hpp"
#include "dist/shard.hpp"
#include "results.hpp"

namespace slkv::evaltool {

std::string encode_share(const std::string& settings_hash, const std::vector<int64_t>& indices,
                         const nlohmann::json& prompts) {
  if (!prompts.is_array() || prompts.size() != indices.size()) {
    throw Error("MPI gather: " + std::to_string(prompts.size()) + " prompt records for " +
                std::to_string(indices.size()) + " indices");
  }
  return dump_json({{"settings_hash", settings_hash}, {"indices", indices}, {"prompts", prompts}},
                   -1);
}

void decode_share(const std::string& message, std::string& settings_hash,
                  std::vector<int64_t>& indices, nlohmann::json& prompts) {
  try {
    const nlohmann::json j = nlohmann::json::parse(message);
    settings_hash = j.at("settings_hash").get<std::string>();
    indices = j.at("indices").get<std::vector<int64_t>>();
    prompts = j.at("prompts");
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("MPI gather: malformed share message (") + e.what() + ")");
  }
  if (!prompts.is_array() || prompts.size() != indices.size()) {
    throw Error("MPI gather: malformed share message (indices and records differ in number)");
  }
}

nlohmann::json gather_prompts(const dist::MpiWorld& mpi, const std::string& settings_hash,
                              const std::vector<int64_t>& indices, const nlohmann::json& prompts,
                              int64_t n_total) {
  const std::vector<std::string> messages =
      mpi.gather(encode_share(settings_hash, indices, prompts));
  if (!mpi.root()) return nlohmann::json::array();
  std::vector<std::vector<int64_t>> rank_indices(messages.size());
  std::vector<nlohmann::json> rank_prompts(messages.size());
  for (size_t r = 0; r < messages.size(); ++r) {
    std::string hash;
    decode_share(messages[r], hash, rank_indices[r], rank_prompts[r]);
    if (hash != settings_hash) {
      throw Error("MPI gather: rank " + std::to_string(r) +
                  " ran other settings than rank 0 (settings hash " + hash + " vs " +
                  settings_hash +
                  "): every rank must see the same model, plans, profile and tool version");
    }
  }
  const dist::Coverage c = dist::check_coverage(n_total, rank_indices);
  if (!c.complete()) {
    throw Error("MPI gather: the ranks' prompts do not cover the " + std::to_string(n_total) +
                " prompts (missing: " + dist::format_index_ranges(c.missing) +
                "; repeated: " + dist::format_index_ranges(c.duplicated) +
                "; out of range: " + dist::format_index_ranges(c.out_of_range) + ")");
  }
  std::vector<const nlohmann::json*> at(static_cast<size_t>(n_total), nullptr);
  for (size_t r = 0; r < messages.size(); ++r) {
    for (size_t i = 0; i < rank_indices[r].size(); ++i) {
      at[static_cast<size_t>(rank_indices[r][i])] = &rank_prompts[r][i];
    }
  }
  nlohmann::json all = nlohmann::json::array();
  for (const nlohmann::json* j : at) all.push_back(*j);
  return all;
}

}  // namespace slkv::evaltool
