#include "profile/profile_h5_logic.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace slkv::profile {
namespace {

using h5::Handle;
using h5::Io;

constexpr const char* kFlagNames[3] = {"surface", "logic", "ignoring"};

bool has_link(hid_t loc, const char* name) { return H5Lexists(loc, name, H5P_DEFAULT) > 0; }
bool has_attr(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

std::vector<float>& keep_of(LabelConfidence& c, int i) {
  return i == 0 ? c.keep_surface : i == 1 ? c.keep_logic : c.keep_ignoring;
}
const std::vector<float>& keep_of(const LabelConfidence& c, int i) {
  return i == 0 ? c.keep_surface : i == 1 ? c.keep_logic : c.keep_ignoring;
}

void check_confidence(const Io& io, const LabelConfidence& c, size_t n_heads) {
  if (c.empty()) return;
  auto same = [&](const std::vector<float>& v, const std::string& name) {
    if (v.size() != n_heads) io.fail("confidence/" + name + " has the wrong size");
    for (float x : v) {
      if (!std::isfinite(x)) io.fail("confidence/" + name + " holds a NaN or infinite value");
    }
  };
  for (int i = 0; i < 3; ++i) {
    same(keep_of(c, i), std::string("keep_") + kFlagNames[i]);
  }
  for (ScoreKind k : kAllScores) {
    same(c.interval(k).lo, std::string(score_name(k)) + "_lo");
    same(c.interval(k).hi, std::string(score_name(k)) + "_hi");
  }
}

}  // namespace

void write_probe_extras(const Io& io, hid_t file, const PerProbeStats& pp) {
  const auto L = static_cast<hsize_t>(pp.n_layers);
  const auto H = static_cast<hsize_t>(pp.n_query_heads);
  const auto P = static_cast<hsize_t>(pp.n_probes());
  if (!pp.logic_token.empty()) {
    Handle per_probe(io.check(H5Gopen2(file, "per_probe", H5P_DEFAULT), "per_probe"), H5Gclose);
    io.dataset<float>(per_probe.get(), "logic_token", {P, L, H}, pp.logic_token);
  }
  {
    Handle probes(io.check(H5Gopen2(file, "probes", H5P_DEFAULT), "probes"), H5Gclose);
    std::vector<std::string> tmpl;
    std::vector<double> chance;
    std::vector<int64_t> token_ok;
    for (const ProbeRecord& r : pp.probes) {
      tmpl.push_back(r.template_name);
      chance.push_back(r.chance);
      token_ok.push_back(r.n_token_ok);
    }
    io.string_dataset(probes.get(), "template", tmpl);
    io.dataset<double>(probes.get(), "chance", {P}, chance);
    io.dataset<int64_t>(probes.get(), "n_token_ok", {P}, token_ok);
  }
}

void read_probe_extras(const Io& io, hid_t file, PerProbeStats& pp) {
  const auto L = static_cast<hsize_t>(pp.n_layers);
  const auto H = static_cast<hsize_t>(pp.n_query_heads);
  const auto P = static_cast<hsize_t>(pp.n_probes());
  {
    Handle per_probe = io.open_group(file, "per_probe");
    if (has_link(per_probe.get(), "logic_token")) {
      pp.logic_token = io.read_dataset<float>(per_probe.get(), "logic_token", {P, L, H});
      for (float x : pp.logic_token) {
        if (!std::isfinite(x)) io.fail("per_probe/logic_token holds a NaN or infinite value");
      }
    }
  }
  {
    Handle probes = io.open_group(file, "probes");
    if (has_link(probes.get(), "template")) {
      const auto tmpl = io.read_string_dataset(probes.get(), "template", P);
      for (hsize_t i = 0; i < P; ++i) pp.probes[i].template_name = tmpl[i];
    }
    if (has_link(probes.get(), "chance")) {
      const auto chance = io.read_dataset<double>(probes.get(), "chance", {P});
      for (hsize_t i = 0; i < P; ++i) {
        if (!(chance[i] >= 0.0 && chance[i] < 1.0)) io.fail("probes/chance outside [0, 1)");
        pp.probes[i].chance = chance[i];
      }
    }
    if (has_link(probes.get(), "n_token_ok")) {
      const auto ok = io.read_dataset<int64_t>(probes.get(), "n_token_ok", {P});
      for (hsize_t i = 0; i < P; ++i) pp.probes[i].n_token_ok = ok[i];
    }
  }
}

void write_logic_extras(const Io& io, hid_t file, const Profile& p) {
  const auto L = static_cast<hsize_t>(p.meta.n_layers);
  const auto H = static_cast<hsize_t>(p.meta.n_query_heads);

  {
    Handle scores(io.check(H5Gopen2(file, "scores", H5P_DEFAULT), "scores"), H5Gclose);
    Handle d(io.check(H5Dopen2(scores.get(), "logic", H5P_DEFAULT), "scores/logic"), H5Dclose);
    io.attr_string(d.get(), "variant", std::string(logic_variant_name(p.scores.logic_variant)));
  }
  write_probe_extras(io, file, p.per_probe);

  const LabelConfidence& c = p.confidence;
  if (c.empty()) return;
  check_confidence(io, c, static_cast<size_t>(L * H));
  Handle g = io.create_group(file, "confidence");
  io.attr<int32_t>(g.get(), "n_resamples", c.n_resamples);
  io.attr<uint64_t>(g.get(), "seed", c.seed);
  io.attr<double>(g.get(), "level", c.level);
  io.attr_string(g.get(), "logic_variant", c.logic_variant);
  io.attr_string(g.get(), "method", "stratified by family, percentile intervals");
  for (int i = 0; i < 3; ++i) {
    io.attr<double>(g.get(), std::string("flag_share_") + kFlagNames[i] + "_lo",
                    c.flag_share_lo[i]);
    io.attr<double>(g.get(), std::string("flag_share_") + kFlagNames[i] + "_hi",
                    c.flag_share_hi[i]);
    io.dataset<float>(g.get(), std::string("keep_") + kFlagNames[i], {L, H}, keep_of(c, i));
  }
  for (ScoreKind k : kAllScores) {
    const std::string name(score_name(k));
    io.dataset<float>(g.get(), name + "_lo", {L, H}, c.interval(k).lo);
    io.dataset<float>(g.get(), name + "_hi", {L, H}, c.interval(k).hi);
  }
}

void read_logic_extras(const Io& io, hid_t file, Profile& p) {
  const auto L = static_cast<hsize_t>(p.meta.n_layers);
  const auto H = static_cast<hsize_t>(p.meta.n_query_heads);

  {
    Handle scores = io.open_group(file, "scores");
    Handle d(io.check(H5Dopen2(scores.get(), "logic", H5P_DEFAULT), "scores/logic"), H5Dclose);
    if (has_attr(d.get(), "variant")) {
      try {
        p.scores.logic_variant = parse_logic_variant(io.read_attr_string(d.get(), "variant"));
      } catch (const Error& e) {
        io.fail(std::string("scores/logic: ") + e.what());
      }
      if (p.scores.logic_variant == LogicVariant::kAuto) {
        io.fail("scores/logic: variant 'auto' is not a resolved variant");
      }
    }
  }
  read_probe_extras(io, file, p.per_probe);

  if (!has_link(file, "confidence")) return;
  Handle g = io.open_group(file, "confidence");
  LabelConfidence& c = p.confidence;
  c.n_layers = p.meta.n_layers;
  c.n_query_heads = p.meta.n_query_heads;
  c.n_resamples = io.read_attr<int32_t>(g.get(), "n_resamples");
  if (c.n_resamples < 1) io.fail("confidence: n_resamples must be >= 1");
  c.seed = io.read_attr<uint64_t>(g.get(), "seed");
  c.level = io.read_attr<double>(g.get(), "level");
  if (!(c.level > 0.0 && c.level < 1.0)) io.fail("confidence: level outside (0, 1)");
  c.logic_variant = io.read_attr_string(g.get(), "logic_variant");
  for (int i = 0; i < 3; ++i) {
    c.flag_share_lo[i] =
        io.read_attr<double>(g.get(), std::string("flag_share_") + kFlagNames[i] + "_lo");
    c.flag_share_hi[i] =
        io.read_attr<double>(g.get(), std::string("flag_share_") + kFlagNames[i] + "_hi");
    keep_of(c, i) = io.read_dataset<float>(g.get(), std::string("keep_") + kFlagNames[i], {L, H});
  }
  for (ScoreKind k : kAllScores) {
    const std::string name(score_name(k));
    c.score[static_cast<size_t>(k)].lo = io.read_dataset<float>(g.get(), name + "_lo", {L, H});
    c.score[static_cast<size_t>(k)].hi = io.read_dataset<float>(g.get(), name + "_hi", {L, H});
  }
  check_confidence(io, c, static_cast<size_t>(L * H));
}

}  // namespace slkv::profile
