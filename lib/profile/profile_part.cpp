#include "profile/profile_part.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "profile/h5_io.hpp"
#include "profile/profile_h5_logic.hpp"
#include "profile/profile_h5_sections.hpp"

namespace slkv::profile {

namespace {

using h5::Handle;
using h5::Io;

void check_part(const ProfilePart& p, const std::string& where) {
  if (p.meta.n_layers != p.per_probe.n_layers ||
      p.meta.n_query_heads != p.per_probe.n_query_heads) {
    throw_file_error(where, "per-probe statistics do not have the model's head shape");
  }
  p.per_probe.validate(where);
  if (static_cast<int64_t>(p.probe_index.size()) != p.per_probe.n_probes()) {
    throw_file_error(where, "part/probe_index has " + std::to_string(p.probe_index.size()) +
                                " entries for " + std::to_string(p.per_probe.n_probes()) +
                                " probes");
  }
  if (p.shard_count < 1 || p.shard_index < 0 || p.shard_index >= p.shard_count) {
    throw_file_error(where, "shard " + std::to_string(p.shard_index) + "/" +
                                std::to_string(p.shard_count) + " is not a valid share");
  }
  constexpr int64_t kMaxProbes = int64_t{1} << 27;
  if (p.n_probes_total < 0 || p.n_probes_total > kMaxProbes) {
    throw_file_error(where, "implausible grid size " + std::to_string(p.n_probes_total));
  }
  for (size_t i = 0; i < p.probe_index.size(); ++i) {
    const int64_t k = p.probe_index[i];
    if (k < 0 || k >= p.n_probes_total || (i > 0 && k <= p.probe_index[i - 1])) {
      throw_file_error(where, "part/probe_index is not increasing within [0, " +
                                  std::to_string(p.n_probes_total) + ") at entry " +
                                  std::to_string(i));
    }
  }
}

}  // namespace

void write_profile_part(const std::string& path, const ProfilePart& part) {
  check_part(part, path);
  h5::QuietErrors quiet;
  write_file_atomic_with(path, [&](const std::string& tmp) {
    Io io{tmp};
    Handle file = io.create_file();
    ProfileMeta meta = part.meta;
    meta.schema_version = kProfilePartSchemaVersion;
    detail::write_meta(io, file.get(), meta, kProfilePartSchemaName);
    Handle g = io.create_group(file.get(), "part");
    io.attr_string(g.get(), "run_key", part.run_key);
    io.attr_string(g.get(), "label_mode", part.label_mode);
    io.attr<int32_t>(g.get(), "shard_index", part.shard_index);
    io.attr<int32_t>(g.get(), "shard_count", part.shard_count);
    io.attr<int64_t>(g.get(), "n_probes_total", part.n_probes_total);
    io.dataset<int64_t>(g.get(), "probe_index", {static_cast<hsize_t>(part.probe_index.size())},
                        part.probe_index);
    detail::write_probe_evidence(io, file.get(), part.per_probe);
    write_probe_extras(io, file.get(), part.per_probe);
    io.check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "cannot flush");
  });
}

ProfilePart read_profile_part(const std::string& path) {
  h5::QuietErrors quiet;
  const Io io{path};
  Handle file = io.open_file();
  if (io.read_attr_string(file.get(), "schema") == kProfileSchemaName) {
    io.fail("is a whole profile, not a part profile of a sharded run (--shard I/N)");
  }
  ProfilePart p;
  p.meta = detail::read_meta(io, file.get(), kProfilePartSchemaName, kProfilePartSchemaVersion);
  Handle g = io.open_group(file.get(), "part");
  p.run_key = io.read_attr_string(g.get(), "run_key");
  p.label_mode = io.read_attr_string(g.get(), "label_mode");
  p.shard_index = io.read_attr<int32_t>(g.get(), "shard_index");
  p.shard_count = io.read_attr<int32_t>(g.get(), "shard_count");
  p.n_probes_total = io.read_attr<int64_t>(g.get(), "n_probes_total");
  const std::vector<hsize_t> dims = io.dataset_dims(g.get(), "probe_index");
  if (dims.size() != 1) io.fail("dataset part/probe_index is not one-dimensional");
  p.probe_index = io.read_dataset<int64_t>(g.get(), "probe_index", dims);
  p.per_probe = detail::read_probe_evidence(io, file.get(), p.meta.n_layers, p.meta.n_query_heads);
  read_probe_extras(io, file.get(), p.per_probe);
  check_part(p, path);
  return p;
}

ProbeHeadValues probe_row_values(const PerProbeStats& s, int64_t i) {
  if (i < 0 || i >= s.n_probes()) {
    throw Error("per-probe statistics: row " + std::to_string(i) + " of " +
                std::to_string(s.n_probes()));
  }
  const size_t n = static_cast<size_t>(s.n_heads_total());
  const auto from = static_cast<std::ptrdiff_t>(static_cast<size_t>(i) * n);
  auto row = [&](const auto& v) {
    using V = std::decay_t<decltype(v)>;
    return V(v.begin() + from, v.begin() + from + static_cast<std::ptrdiff_t>(n));
  };
  const ProbeRecord& r = s.probes[static_cast<size_t>(i)];
  ProbeHeadValues out;
  out.n_steps = r.n_steps;
  out.n_needle_tokens = r.n_needle_tokens;
  out.has_distractors = r.has_distractors;
  out.success = r.success;
  out.copy_count = row(s.copy_count);
  out.surface = row(s.surface);
  out.logic = row(s.logic);
  out.retrieval_reasoning = row(s.retrieval_reasoning);
  out.dist = row(s.dist);
  out.ignore = row(s.ignore);
  out.wtp = row(s.wtp);
  out.wfp = row(s.wfp);
  out.wfn = row(s.wfn);
  out.wtn = row(s.wtn);
  out.tp = row(s.tp);
  out.fp = row(s.fp);
  out.fn = row(s.fn);
  out.tn = row(s.tn);
  out.n_token_ok = r.n_token_ok;
  if (!s.logic_token.empty()) out.logic_token = row(s.logic_token);
  return out;
}

}  // namespace slkv::profile
