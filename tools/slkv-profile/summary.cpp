#include "summary.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <ostream>
#include <string>

#include "probes/family.hpp"

namespace slkv::tools {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::string head_name(int64_t index, int64_t n_heads) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "L%lldH%lld", static_cast<long long>(index / n_heads),
                static_cast<long long>(index % n_heads));
  return buf;
}

}  // namespace

void print_summary(const profile::Profile& p, std::ostream& out, int n_top) {
  using profile::HeadLabel;
  const profile::ProfileMeta& m = p.meta;
  const int64_t n_heads_total = m.n_layers * m.n_query_heads;
  out << "profile: " << m.model_name << " (" << m.arch << ", " << m.n_layers << " layers x "
      << m.n_query_heads << " query heads, " << m.n_kv_heads << " kv heads), "
      << p.per_probe.n_probes() << " probes, seed " << m.seed
      << (m.teacher_forced ? ", teacher-forced" : ", greedy") << "\n";

  // Success per family and per length.
  std::map<std::string, std::pair<int, int>> by_family;
  std::map<int64_t, std::pair<int, int>> by_length;
  int n_ok = 0;
  // Probes fall a little short of their target length (whole sentences); group by target.
  std::vector<int64_t> targets;
  try {
    const auto pc = nlohmann::json::parse(m.probe_config_json);
    targets = pc.at("lengths_tokens").get<std::vector<int64_t>>();
    std::sort(targets.begin(), targets.end());
  } catch (const nlohmann::json::exception&) {
    targets.clear();  // an unreadable configuration: group by actual length
  }
  auto target_of = [&](int64_t len) {
    for (int64_t t : targets) {
      if (len <= t) return t;
    }
    return len;
  };
  for (const auto& r : p.per_probe.probes) {
    auto& f = by_family[std::string(probes::family_name(r.family))];
    auto& l = by_length[target_of(r.length_tokens)];
    f.second++;
    l.second++;
    if (r.success) {
      f.first++;
      l.first++;
      n_ok++;
    }
  }
  out << "success: " << n_ok << "/" << p.per_probe.n_probes();
  for (const auto& [name, c] : by_family) {
    out << "  " << name << " " << c.first << "/" << c.second;
  }
  out << "\nsuccess by target length:";
  for (const auto& [len, c] : by_length) {
    out << "  " << len << ": " << c.first << "/" << c.second;
  }
  out << "\n";

  // Labels.
  const profile::HeadLabels& lab = p.labels;
  int64_t n_flag[3] = {0, 0, 0};
  int64_t n_primary[4] = {0, 0, 0, 0};
  for (int64_t i = 0; i < n_heads_total; ++i) {
    const uint8_t f = lab.flags[static_cast<size_t>(i)];
    if (f & profile::kFlagSurface) n_flag[0]++;
    if (f & profile::kFlagLogic) n_flag[1]++;
    if (f & profile::kFlagIgnoring) n_flag[2]++;
    n_primary[lab.primary[static_cast<size_t>(i)]]++;
  }
  const double n = static_cast<double>(n_heads_total);
  const profile::Thresholds& t = lab.thresholds;
  out << "labels (" << profile::label_mode_name(t.mode)
      << " thresholds: surface >= " << fmt("%.4g", t.tau_surface)
      << ", logic >= " << fmt("%.4g", t.tau_logic) << ", ignore >= " << fmt("%.4g", t.tau_ignoring)
      << "), " << n_heads_total << " heads:\n";
  const char* names[3] = {"surface", "logic", "ignoring"};
  const double paper[3] = {0.5, 1.5, 98.5};
  for (int k = 0; k < 3; ++k) {
    out << "  " << names[k] << " flag: " << n_flag[k] << " (" << fmt("%.1f", 100.0 * n_flag[k] / n)
        << "%, paper " << fmt("%.1f", paper[k]) << "%)\n";
  }
  out << "  primary:";
  for (int k = 0; k < 4; ++k) {
    out << " " << profile::label_name(static_cast<HeadLabel>(k)) << " " << n_primary[k];
  }
  out << "\n";

  // Top heads per score.
  for (profile::ScoreKind kind : profile::kAllScores) {
    const std::vector<float>& v = p.scores.values(kind);
    std::vector<int64_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return v[static_cast<size_t>(a)] > v[static_cast<size_t>(b)];
    });
    out << "top " << score_name(kind) << " (" << p.scores.n_probes(kind) << " probes):";
    for (int i = 0; i < n_top && i < static_cast<int>(order.size()); ++i) {
      out << " " << head_name(order[static_cast<size_t>(i)], m.n_query_heads) << "="
          << fmt("%.3f", v[static_cast<size_t>(order[static_cast<size_t>(i)])]);
    }
    out << "\n";
  }
}

}  // namespace slkv::tools
