#include "profile/summary.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "profile/summary_logic.hpp"

namespace slkv::profile {
namespace {

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// The grid's length targets from the recorded probe configuration, ascending; empty when the
// configuration cannot be read (then probes are grouped by their actual length).
std::vector<int64_t> grid_lengths(const ProfileMeta& m) {
  try {
    // Only the lengths: configurations written by older versions lack some other fields.
    auto lengths =
        nlohmann::json::parse(m.probe_config_json).at("lengths_tokens").get<std::vector<int64_t>>();
    std::sort(lengths.begin(), lengths.end());
    return lengths;
  } catch (const std::exception&) {
    return {};
  }
}

// A probe is built up to its target length and falls short of it by less than one sentence,
// so its cell is the smallest target that is not below its actual length.
int64_t length_cell(const std::vector<int64_t>& targets, int64_t length_tokens) {
  auto it = std::lower_bound(targets.begin(), targets.end(), length_tokens);
  return it == targets.end() ? length_tokens : *it;
}

}  // namespace

std::string profile_summary(const Profile& p, int top_n) {
  const ProfileMeta& m = p.meta;
  const int64_t n_heads = m.n_layers * m.n_query_heads;
  std::string out;
  out += format("model %s (%s), %lld layers x %lld query heads (%lld kv heads), fingerprint %s\n",
                m.model_name.c_str(), m.arch.c_str(), static_cast<long long>(m.n_layers),
                static_cast<long long>(m.n_query_heads), static_cast<long long>(m.n_kv_heads),
                m.model_fingerprint.c_str());

  // Success per family and grid length.
  const auto& probes = p.per_probe.probes;
  const std::vector<int64_t> targets = grid_lengths(m);
  std::map<std::pair<int, int64_t>, std::pair<int64_t, int64_t>> cells;  // -> (ok, total)
  int64_t ok_total = 0;
  for (const ProbeRecord& r : probes) {
    auto& c = cells[{static_cast<int>(r.family), length_cell(targets, r.length_tokens)}];
    c.first += r.success;
    c.second += 1;
    ok_total += r.success;
  }
  out += format("probes: %zu, successful %lld (%.1f%%)%s\n", probes.size(),
                static_cast<long long>(ok_total),
                probes.empty() ? 0.0 : 100.0 * ok_total / probes.size(),
                m.teacher_forced ? ", teacher-forced" : "");
  for (const auto& [key, c] : cells) {
    out += format(
        targets.empty() ? "  %-8s %6lld tokens: %lld/%lld successful\n"
                        : "  %-8s <=%6lld tokens: %lld/%lld successful\n",
        std::string(probes::family_name(static_cast<probes::NeedleFamily>(key.first))).c_str(),
        static_cast<long long>(key.second), static_cast<long long>(c.first),
        static_cast<long long>(c.second));
  }

  // Labels.
  const Thresholds& t = p.labels.thresholds;
  out += format("labels (%s mode): tau_surface %.4g, tau_logic %.4g, tau_ignoring %.4g\n",
                std::string(label_mode_name(t.mode)).c_str(), t.tau_surface, t.tau_logic,
                t.tau_ignoring);
  struct Flag {
    const char* name;
    uint8_t bit;
    double paper;
  };
  for (const Flag& f : {Flag{"surface", kFlagSurface, 0.5}, Flag{"logic", kFlagLogic, 1.5},
                        Flag{"ignoring", kFlagIgnoring, 98.5}}) {
    const auto n = std::count_if(p.labels.flags.begin(), p.labels.flags.end(),
                                 [&](uint8_t x) { return x & f.bit; });
    out += format("  flag %-10s %5lld heads %6.2f%%  (paper %.1f%%)\n", f.name,
                  static_cast<long long>(n), 100.0 * n / n_heads, f.paper);
  }
  for (int label = 0; label < 4; ++label) {
    const auto n = std::count(p.labels.primary.begin(), p.labels.primary.end(), label);
    out += format("  primary %-10s %5lld heads %6.2f%%\n",
                  std::string(label_name(static_cast<HeadLabel>(label))).c_str(),
                  static_cast<long long>(n), 100.0 * n / n_heads);
  }

  // Top heads per score.
  for (ScoreKind k : kAllScores) {
    const std::vector<float>& v = p.scores.values(k);
    std::vector<int64_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    const auto n = std::min<size_t>(static_cast<size_t>(std::max(top_n, 0)), order.size());
    std::partial_sort(order.begin(), order.begin() + n, order.end(),
                      [&](int64_t a, int64_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
    out += format("top %s (%lld probes):", std::string(score_name(k)).c_str(),
                  static_cast<long long>(p.scores.n_probes(k)));
    if (p.scores.n_probes(k) == 0) {
      out += " none (no probe counts towards this score)\n";
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      out += format(" L%lld.H%lld=%.4f", static_cast<long long>(order[i] / m.n_query_heads),
                    static_cast<long long>(order[i] % m.n_query_heads), v[order[i]]);
    }
    out += "\n";
  }
  out += template_success_summary(p);
  out += confidence_summary(p, top_n);
  return out;
}

}  // namespace slkv::profile
