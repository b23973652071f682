#include "profile/profile_h5.hpp"

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <string_view>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "profile/h5_io.hpp"
#include "profile/profile_checksum.hpp"
#include "profile/profile_h5_logic.hpp"
#include "profile/profile_h5_sections.hpp"

namespace slkv::profile {
namespace {

using h5::Handle;
using h5::Io;

constexpr const char* kPrimaryNames = "0=surface,1=logic,2=ignoring,3=distracted";
constexpr const char* kFlagBits = "1=surface,2=logic,4=ignoring";

// Per-probe arrays by dataset name.
struct FloatField {
  const char* name;
  std::vector<float> PerProbeStats::*member;
};
struct IntField {
  const char* name;
  std::vector<int32_t> PerProbeStats::*member;
};
constexpr FloatField kFloatFields[] = {{"copy_count", &PerProbeStats::copy_count},
                                       {"surface", &PerProbeStats::surface},
                                       {"logic", &PerProbeStats::logic},
                                       {"retrieval_reasoning", &PerProbeStats::retrieval_reasoning},
                                       {"dist", &PerProbeStats::dist},
                                       {"ignore", &PerProbeStats::ignore},
                                       {"wtp", &PerProbeStats::wtp},
                                       {"wfp", &PerProbeStats::wfp},
                                       {"wfn", &PerProbeStats::wfn},
                                       {"wtn", &PerProbeStats::wtn}};
constexpr IntField kIntFields[] = {{"tp", &PerProbeStats::tp},
                                   {"fp", &PerProbeStats::fp},
                                   {"fn", &PerProbeStats::fn},
                                   {"tn", &PerProbeStats::tn}};

void check_consistent(const Profile& p, const std::string& path) {
  const ProfileMeta& m = p.meta;
  const std::string where = path;
  if (m.n_layers <= 0 || m.n_query_heads <= 0) throw_file_error(where, "profile has no heads");
  auto same_shape = [&](int64_t l, int64_t h, const char* what) {
    if (l != m.n_layers || h != m.n_query_heads) {
      throw_file_error(where, std::string(what) + " shape [" + std::to_string(l) + ", " +
                                  std::to_string(h) + "] differs from the model's [" +
                                  std::to_string(m.n_layers) + ", " +
                                  std::to_string(m.n_query_heads) + "]");
    }
  };
  same_shape(p.per_probe.n_layers, p.per_probe.n_query_heads, "per-probe statistics");
  same_shape(p.scores.n_layers, p.scores.n_query_heads, "scores");
  same_shape(p.labels.n_layers, p.labels.n_query_heads, "labels");
  p.per_probe.validate(where);
  const size_t n = static_cast<size_t>(m.n_layers * m.n_query_heads);
  for (ScoreKind k : kAllScores) {
    if (p.scores.values(k).size() != n) {
      throw_file_error(where, "score " + std::string(score_name(k)) + " has the wrong size");
    }
  }
  if (p.labels.flags.size() != n || p.labels.primary.size() != n) {
    throw_file_error(where, "labels have the wrong size");
  }
  for (ScoreKind k : kAllScores) {
    for (float x : p.scores.values(k)) {
      if (!std::isfinite(x)) {
        throw_file_error(where, "score " + std::string(score_name(k)) + " is not finite");
      }
    }
  }
}

void check_finite(const Io& io, const std::vector<float>& v, const std::string& name) {
  for (float x : v) {
    if (!std::isfinite(x)) io.fail(name + " holds a NaN or infinite value");
  }
}

template <typename T>
void check_values(const Io& io, const std::vector<T>& v, T max, const char* name) {
  for (T x : v) {
    if (x > max) io.fail(std::string(name) + " holds an out-of-range value");
  }
}

}  // namespace

namespace detail {

void write_meta(const Io& io, hid_t root, const ProfileMeta& m, const char* schema) {
  io.attr_string(root, "schema", schema);
  io.attr<int32_t>(root, "schema_version", m.schema_version);
  io.attr_string(root, "model_fingerprint", m.model_fingerprint);
  io.attr_string(root, "model_name", m.model_name);
  io.attr_string(root, "arch", m.arch);
  io.attr<int64_t>(root, "n_layers", m.n_layers);
  io.attr<int64_t>(root, "n_query_heads", m.n_query_heads);
  io.attr<int64_t>(root, "n_kv_heads", m.n_kv_heads);
  io.attr<int64_t>(root, "head_dim", m.head_dim);
  io.attr<int64_t>(root, "context_length", m.context_length);
  io.attr_string(root, "tokenizer", m.tokenizer);
  io.attr_string(root, "probe_config", m.probe_config_json);
  io.attr<uint64_t>(root, "seed", m.seed);
  io.attr<int32_t>(root, "top_k", m.top_k);
  io.attr<uint8_t>(root, "teacher_forced", m.teacher_forced ? 1 : 0);
  io.attr_string(root, "tool_version", m.tool_version);
  io.attr_string(root, "created_utc", m.created_utc);
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

ProfileMeta read_meta(const Io& io, hid_t root, const char* schema, int max_version) {
  const std::string found = io.read_attr_string(root, "schema");
  if (found != schema) {
    const std::string what = std::string(schema) == kProfileSchemaName ? "an slkv profile" : schema;
    io.fail("not " + what + " (root attribute schema is '" + found + "', expected '" + schema +
            "')");
  }
  ProfileMeta m;
  m.schema_version = io.read_attr<int32_t>(root, "schema_version");
  if (m.schema_version < 1 || m.schema_version > max_version) {
    io.fail(std::string(schema) + " schema version " + std::to_string(m.schema_version) +
            " is not supported (this build reads up to " + std::to_string(max_version) + ")");
  }
  m.model_fingerprint = io.read_attr_string(root, "model_fingerprint");
  m.model_name = io.read_attr_string(root, "model_name");
  m.arch = io.read_attr_string(root, "arch");
  m.n_layers = io.read_attr<int64_t>(root, "n_layers");
  m.n_query_heads = io.read_attr<int64_t>(root, "n_query_heads");
  m.n_kv_heads = io.read_attr<int64_t>(root, "n_kv_heads");
  m.head_dim = io.read_attr<int64_t>(root, "head_dim");
  m.context_length = io.read_attr<int64_t>(root, "context_length");
  m.tokenizer = io.read_attr_string(root, "tokenizer");
  m.probe_config_json = io.read_attr_string(root, "probe_config");
  m.seed = io.read_attr<uint64_t>(root, "seed");
  m.top_k = io.read_attr<int32_t>(root, "top_k");
  m.teacher_forced = io.read_attr<uint8_t>(root, "teacher_forced") != 0;
  m.tool_version = io.read_attr_string(root, "tool_version");
  m.created_utc = io.read_attr_string(root, "created_utc");
  // Strings that go into plans (JSON) must be UTF-8: refused here by name, not in the writer.
  for (const auto& [name, value] :
       {std::pair{"model_fingerprint", &m.model_fingerprint}, std::pair{"arch", &m.arch},
        std::pair{"tool_version", &m.tool_version}, std::pair{"model_name", &m.model_name}}) {
    if (!valid_utf8(*value)) io.fail(std::string("root attribute ") + name + " is not UTF-8");
  }
  constexpr int64_t kMaxHeads = 1 << 20;
  if (m.n_layers <= 0 || m.n_query_heads <= 0 || m.n_layers * m.n_query_heads > kMaxHeads) {
    io.fail("implausible head shape [" + std::to_string(m.n_layers) + ", " +
            std::to_string(m.n_query_heads) + "]");
  }
  return m;
}

void write_probe_evidence(const Io& io, hid_t file, const PerProbeStats& pp) {
  const auto L = static_cast<hsize_t>(pp.n_layers);
  const auto H = static_cast<hsize_t>(pp.n_query_heads);
  const auto P = static_cast<hsize_t>(pp.n_probes());
  Handle per_probe = io.create_group(file, "per_probe");
  for (const FloatField& f : kFloatFields) {
    io.dataset<float>(per_probe.get(), f.name, {P, L, H}, pp.*f.member);
  }
  for (const IntField& f : kIntFields) {
    io.dataset<int32_t>(per_probe.get(), f.name, {P, L, H}, pp.*f.member);
  }

  Handle probes = io.create_group(file, "probes");
  std::vector<uint8_t> family, success, has_d;
  std::vector<int64_t> length, n_steps, n_needle;
  std::vector<double> depth;
  std::vector<std::string> answer, output;
  for (const ProbeRecord& r : pp.probes) {
    family.push_back(static_cast<uint8_t>(r.family));
    success.push_back(r.success ? 1 : 0);
    has_d.push_back(r.has_distractors ? 1 : 0);
    length.push_back(r.length_tokens);
    n_steps.push_back(r.n_steps);
    n_needle.push_back(r.n_needle_tokens);
    depth.push_back(r.depth);
    answer.push_back(r.answer);
    output.push_back(r.output);
  }
  io.dataset<uint8_t>(probes.get(), "family", {P}, family);
  {
    Handle d(H5Dopen2(probes.get(), "family", H5P_DEFAULT), H5Dclose);
    io.attr_string(d.get(), "values", "0=surface,1=logic");
  }
  io.dataset<int64_t>(probes.get(), "length", {P}, length);
  io.dataset<double>(probes.get(), "depth", {P}, depth);
  io.dataset<uint8_t>(probes.get(), "success", {P}, success);
  io.dataset<uint8_t>(probes.get(), "has_distractors", {P}, has_d);
  io.dataset<int64_t>(probes.get(), "n_steps", {P}, n_steps);
  io.dataset<int64_t>(probes.get(), "n_needle_tokens", {P}, n_needle);
  io.string_dataset(probes.get(), "answer", answer);
  io.string_dataset(probes.get(), "output", output);
}

PerProbeStats read_probe_evidence(const Io& io, hid_t file, int64_t n_layers,
                                  int64_t n_query_heads) {
  const auto L = static_cast<hsize_t>(n_layers);
  const auto H = static_cast<hsize_t>(n_query_heads);
  Handle probes = io.open_group(file, "probes");
  const std::vector<hsize_t> fam_dims = io.dataset_dims(probes.get(), "family");
  if (fam_dims.size() != 1) io.fail("dataset family is not one-dimensional");
  const hsize_t P = fam_dims[0];
  const auto family = io.read_dataset<uint8_t>(probes.get(), "family", {P});
  check_values<uint8_t>(io, family, 1, "probes/family");
  const auto length = io.read_dataset<int64_t>(probes.get(), "length", {P});
  const auto depth = io.read_dataset<double>(probes.get(), "depth", {P});
  const auto success = io.read_dataset<uint8_t>(probes.get(), "success", {P});
  const auto has_d = io.read_dataset<uint8_t>(probes.get(), "has_distractors", {P});
  const auto n_steps = io.read_dataset<int64_t>(probes.get(), "n_steps", {P});
  const auto n_needle = io.read_dataset<int64_t>(probes.get(), "n_needle_tokens", {P});
  const auto answer = io.read_string_dataset(probes.get(), "answer", P);
  const auto output = io.read_string_dataset(probes.get(), "output", P);
  PerProbeStats pp(n_layers, n_query_heads);
  for (hsize_t i = 0; i < P; ++i) {
    ProbeRecord r;
    r.family = static_cast<probes::NeedleFamily>(family[i]);
    r.length_tokens = length[i];
    r.depth = depth[i];
    r.success = success[i] != 0;
    r.has_distractors = has_d[i] != 0;
    r.n_steps = n_steps[i];
    r.n_needle_tokens = n_needle[i];
    r.answer = answer[i];
    r.output = output[i];
    pp.probes.push_back(std::move(r));
  }

  Handle per_probe = io.open_group(file, "per_probe");
  for (const FloatField& f : kFloatFields) {
    pp.*f.member = io.read_dataset<float>(per_probe.get(), f.name, {P, L, H});
    check_finite(io, pp.*f.member, std::string("per_probe/") + f.name);
  }
  for (const IntField& f : kIntFields) {
    pp.*f.member = io.read_dataset<int32_t>(per_probe.get(), f.name, {P, L, H});
  }
  return pp;
}

}  // namespace detail

namespace {

void write_contents(const Io& io, hid_t file, const Profile& p) {
  detail::write_meta(io, file, p.meta, kProfileSchemaName);
  const auto L = static_cast<hsize_t>(p.meta.n_layers);
  const auto H = static_cast<hsize_t>(p.meta.n_query_heads);

  Handle scores = io.create_group(file, "scores");
  for (ScoreKind k : kAllScores) {
    const std::string name(score_name(k));
    io.dataset<float>(scores.get(), name, {L, H}, p.scores.values(k));
    Handle d(H5Dopen2(scores.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    io.attr<int64_t>(d.get(), "n_probes", p.scores.n_probes(k));
  }

  detail::write_probe_evidence(io, file, p.per_probe);

  Handle labels = io.create_group(file, "labels");
  io.dataset<uint8_t>(labels.get(), "flags", {L, H}, p.labels.flags);
  io.dataset<uint8_t>(labels.get(), "primary", {L, H}, p.labels.primary);
  {
    Handle d(H5Dopen2(labels.get(), "flags", H5P_DEFAULT), H5Dclose);
    io.attr_string(d.get(), "bits", kFlagBits);
    Handle e(H5Dopen2(labels.get(), "primary", H5P_DEFAULT), H5Dclose);
    io.attr_string(e.get(), "values", kPrimaryNames);
  }
  const Thresholds& t = p.labels.thresholds;
  io.attr_string(labels.get(), "mode", std::string(label_mode_name(t.mode)));
  io.attr<double>(labels.get(), "tau_surface", t.tau_surface);
  io.attr<double>(labels.get(), "tau_logic", t.tau_logic);
  io.attr<double>(labels.get(), "tau_ignoring", t.tau_ignoring);
  io.attr<int64_t>(labels.get(), "rank_surface", t.rank_surface);
  io.attr<int64_t>(labels.get(), "rank_logic", t.rank_logic);
  io.attr<int64_t>(labels.get(), "rank_ignoring", t.rank_ignoring);
  io.attr<double>(labels.get(), "share_surface", t.share_surface);
  io.attr<double>(labels.get(), "share_logic", t.share_logic);
  io.attr<double>(labels.get(), "share_ignoring", t.share_ignoring);
  write_logic_extras(io, file, p);
}

// The profile as file bytes, built by libhdf5 in memory (core driver, no backing store): all
// disk I/O, and so every disk-full or I/O error, happens in write_file_atomic, never inside
// libhdf5 (which cannot close a file whose flush failed and crashes at exit). The bytes start
// with the checksum's user block.
std::string profile_image(const Io& io, const Profile& profile) {
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (fcpl.get() < 0 || fapl.get() < 0 || H5Pset_obj_track_times(fcpl.get(), false) < 0 ||
      H5Pset_userblock(fcpl.get(), kProfileUserBlock) < 0 ||
      H5Pset_fapl_core(fapl.get(), 1 << 20, /*backing_store=*/false) < 0 ||
      H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0)
    io.fail("HDF5: cannot set up an in-memory file");
  Handle file(io.check(H5Fcreate(io.path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                       "cannot create the HDF5 image"),
              H5Fclose);
  write_contents(io, file.get(), profile);
  io.check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "cannot flush the HDF5 image");
  const ssize_t n = H5Fget_file_image(file.get(), nullptr, 0);
  if (n <= 0) io.fail("cannot get the HDF5 image");
  std::string bytes(static_cast<size_t>(n), '\0');
  if (H5Fget_file_image(file.get(), bytes.data(), bytes.size()) != n)
    io.fail("cannot get the HDF5 image");
  // The core driver's image leaves the user block out (addresses are relative to the
  // superblock, so prepending it gives the file the sec2 driver would have written).
  if (bytes.compare(0, 4, "\x89HDF") == 0) bytes.insert(0, kProfileUserBlock, '\0');
  return bytes;
}

}  // namespace

void write_profile(const std::string& path, const Profile& profile) {
  check_consistent(profile, path);
  h5::QuietErrors quiet;
  std::string bytes = profile_image(Io{path}, profile);
  seal_profile_bytes(bytes);
  write_file_atomic(path, bytes);
}

Profile read_profile(const std::string& path) {
  // The checksum first: libhdf5 must never see a corrupted file (it can crash or hang on one).
  verify_profile_bytes(read_file(path), path);
  h5::QuietErrors quiet;
  const Io io{path};
  Handle file = io.open_file();
  Profile p;
  p.meta = detail::read_meta(io, file.get(), kProfileSchemaName, kProfileSchemaVersion);
  const auto L = static_cast<hsize_t>(p.meta.n_layers);
  const auto H = static_cast<hsize_t>(p.meta.n_query_heads);

  Handle scores = io.open_group(file.get(), "scores");
  p.scores.n_layers = p.meta.n_layers;
  p.scores.n_query_heads = p.meta.n_query_heads;
  for (ScoreKind k : kAllScores) {
    const std::string name(score_name(k));
    p.scores.values(k) = io.read_dataset<float>(scores.get(), name, {L, H});
    check_finite(io, p.scores.values(k), "scores/" + name);
    for (float x : p.scores.values(k)) {
      if (x < 0) io.fail("scores/" + name + " holds a negative value (scores are >= 0)");
    }
    Handle d(io.check(H5Dopen2(scores.get(), name.c_str(), H5P_DEFAULT), name), H5Dclose);
    const auto n = io.read_attr<int64_t>(d.get(), "n_probes");
    switch (k) {
      case ScoreKind::kSurface:
        p.scores.n_probes_surface = n;
        break;
      case ScoreKind::kLogic:
        p.scores.n_probes_logic = n;
        break;
      case ScoreKind::kRetrievalReasoning:
        p.scores.n_probes_retrieval_reasoning = n;
        break;
      case ScoreKind::kIgnore:
        p.scores.n_probes_ignore = n;
        break;
    }
  }

  p.per_probe = detail::read_probe_evidence(io, file.get(), p.meta.n_layers, p.meta.n_query_heads);

  Handle labels = io.open_group(file.get(), "labels");
  p.labels.n_layers = p.meta.n_layers;
  p.labels.n_query_heads = p.meta.n_query_heads;
  p.labels.flags = io.read_dataset<uint8_t>(labels.get(), "flags", {L, H});
  p.labels.primary = io.read_dataset<uint8_t>(labels.get(), "primary", {L, H});
  check_values<uint8_t>(io, p.labels.flags, 7, "labels/flags");
  check_values<uint8_t>(io, p.labels.primary, 3, "labels/primary");
  Thresholds& t = p.labels.thresholds;
  try {
    t.mode = parse_label_mode(io.read_attr_string(labels.get(), "mode"));
  } catch (const Error& e) {
    io.fail(std::string("labels: ") + e.what());
  }
  t.tau_surface = io.read_attr<double>(labels.get(), "tau_surface");
  t.tau_logic = io.read_attr<double>(labels.get(), "tau_logic");
  t.tau_ignoring = io.read_attr<double>(labels.get(), "tau_ignoring");
  t.rank_surface = io.read_attr<int64_t>(labels.get(), "rank_surface");
  t.rank_logic = io.read_attr<int64_t>(labels.get(), "rank_logic");
  t.rank_ignoring = io.read_attr<int64_t>(labels.get(), "rank_ignoring");
  t.share_surface = io.read_attr<double>(labels.get(), "share_surface");
  t.share_logic = io.read_attr<double>(labels.get(), "share_logic");
  t.share_ignoring = io.read_attr<double>(labels.get(), "share_ignoring");
  read_logic_extras(io, file.get(), p);
  return p;
}

std::string creation_time_utc() {
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    const long long v = std::strtoll(epoch, &end, 10);
    if (end && *end == '\0' && v >= 0) now = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace slkv::profile
