#include "compile/profile_input.hpp"

#include <cstdio>
#include <cstring>
#include <memory>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace slkv::compile {

namespace {

bool has_suffix(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string shape_text(const ModelShape& s) {
  return std::to_string(s.n_layers) + "," + std::to_string(s.n_heads) + "," +
         std::to_string(s.n_kv_heads) + "," + std::to_string(s.head_dim);
}

}  // namespace

bool looks_like_profile(const std::string& path) {
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (has_suffix(path, ".h5") || has_suffix(path, ".hdf5")) return true;
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  // The HDF5 signature, or the checksum block profiles start with (profile_checksum.hpp).
  static constexpr char kChecksumMagic[] = "slkv.profile checksum\n";
  char head[sizeof kChecksumMagic - 1] = {};
  const size_t n = f ? std::fread(head, 1, sizeof head, f.get()) : 0;
  return (n >= sizeof kSignature && std::memcmp(head, kSignature, sizeof kSignature) == 0) ||
         (n == sizeof head && std::memcmp(head, kChecksumMagic, sizeof head) == 0);
}

ProfileInput profile_input(const profile::Profile& p, const std::string& path,
                           const std::string& file_bytes_hash) {
  const profile::ProfileMeta& m = p.meta;
  ProfileInput in;
  in.shape = ModelShape{m.n_layers, m.n_query_heads, m.n_kv_heads,
                        m.head_dim, m.arch,          m.model_fingerprint};
  try {
    validate_shape(in.shape);
  } catch (const Error& e) {
    throw_file_error(path, std::string("profile model shape: ") + e.what());
  }
  ScoreInput& s = in.scores;
  s.n_layers = m.n_layers;
  s.n_heads = m.n_query_heads;
  s.kind = "profile";
  s.scores = p.scores;
  s.labels = p.labels;
  s.confidence = p.confidence;
  s.source_path = path;
  s.source_hash = file_bytes_hash;
  s.probe_set = "probe_config:" + hash_hex(m.probe_config_json);
  s.seed = m.seed;
  s.tool_version = m.tool_version;
  s.n_probes = p.per_probe.n_probes();
  return in;
}

ProfileInput read_profile_input(const std::string& path) {
  const profile::Profile p = profile::read_profile(path);
  return profile_input(p, path, hash_hex(read_file(path)));
}

void check_shape_matches(const ModelShape& given, const std::string& given_what,
                         const ModelShape& from_profile, const std::string& profile_path) {
  if (given.n_layers != from_profile.n_layers || given.n_heads != from_profile.n_heads ||
      given.n_kv_heads != from_profile.n_kv_heads || given.head_dim != from_profile.head_dim) {
    throw_file_error(profile_path, "profile is for model shape " + shape_text(from_profile) +
                                       " (layers, query heads, KV heads, head dim), but " +
                                       given_what + " has " + shape_text(given));
  }
  if (!given.fingerprint.empty() && !from_profile.fingerprint.empty() &&
      given.fingerprint != from_profile.fingerprint) {
    throw_file_error(profile_path, "profile is for model fingerprint " + from_profile.fingerprint +
                                       ", but " + given_what + " has fingerprint " +
                                       given.fingerprint);
  }
}

}  // namespace slkv::compile
