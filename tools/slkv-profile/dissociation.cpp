#include "dissociation.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/bootstrap_mean.hpp"
#include "core/error.hpp"

namespace slkv::tools {

std::vector<int64_t> disjoint_top(const std::vector<int64_t>& ranked,
                                  const std::vector<int64_t>& other, int64_t k) {
  const auto k_other = std::min<size_t>(static_cast<size_t>(k), other.size());
  const std::set<int64_t> excluded(other.begin(), other.begin() + static_cast<ptrdiff_t>(k_other));
  std::vector<int64_t> out;
  for (int64_t h : ranked) {
    if (static_cast<int64_t>(out.size()) == k) break;
    if (!excluded.count(h)) out.push_back(h);
  }
  return out;
}

namespace {

const nlohmann::json* find_condition(const nlohmann::json& results, int64_t k,
                                     const std::string& kind) {
  for (const auto& r : results) {
    if (r.at("k").get<int64_t>() == k && r.at("kind") == kind) return &r;
  }
  return nullptr;
}

std::vector<double> probe_metric(const nlohmann::json& condition, size_t n_probes) {
  std::vector<double> v = condition.at("probe_metric").get<std::vector<double>>();
  SLKV_CHECK(v.size() == n_probes, "a condition has a metric for every probe");
  return v;
}

nlohmann::json contrast_json(const std::vector<double>& d, uint64_t seed) {
  const MeanInterval m = bootstrap_mean(d, seed);
  return {{"mean", m.mean}, {"ci", {m.lo, m.hi}}, {"n", d.size()}};
}

}  // namespace

nlohmann::json dissociation_contrasts(const nlohmann::json& results,
                                      const std::vector<std::string>& families, uint64_t seed) {
  const size_t n = families.size();
  std::set<int64_t> ks;
  for (const auto& r : results) {
    if (r.at("k").get<int64_t>() > 0) ks.insert(r.at("k").get<int64_t>());
  }
  nlohmann::json out = nlohmann::json::array();
  for (int64_t k : ks) {
    // Mean over the random draws, per probe.
    std::vector<double> random(n, 0.0);
    int draws = 0;
    for (const auto& r : results) {
      if (r.at("k").get<int64_t>() != k || r.at("kind") != "random") continue;
      const std::vector<double> v = probe_metric(r, n);
      for (size_t i = 0; i < n; ++i) random[i] += v[i];
      ++draws;
    }
    for (double& v : random) v = draws > 0 ? v / draws : 0.0;
    for (const char* sets : {"top", "disjoint"}) {
      const nlohmann::json* lset = find_condition(results, k, std::string(sets) + "_logic");
      const nlohmann::json* sset = find_condition(results, k, std::string(sets) + "_surface");
      if (lset == nullptr || sset == nullptr) continue;
      const std::vector<double> l = probe_metric(*lset, n), s = probe_metric(*sset, n);
      // Negative = the family's own set hurts it more than the other set / the random sets.
      std::vector<double> logic_other, logic_random, surface_other, surface_random;
      for (size_t i = 0; i < n; ++i) {
        if (families[i] == "logic") {
          logic_other.push_back(l[i] - s[i]);
          logic_random.push_back(l[i] - random[i]);
        } else if (families[i] == "surface") {
          surface_other.push_back(s[i] - l[i]);
          surface_random.push_back(s[i] - random[i]);
        }
      }
      nlohmann::json c = {{"k", k},
                          {"sets", sets},
                          {"logic_heads", lset->at("heads")},
                          {"surface_heads", sset->at("heads")},
                          {"logic_probes",
                           {{"vs_other_set", contrast_json(logic_other, seed)},
                            {"vs_random", contrast_json(logic_random, seed + 1)}}},
                          {"surface_probes",
                           {{"vs_other_set", contrast_json(surface_other, seed + 2)},
                            {"vs_random", contrast_json(surface_random, seed + 3)}}}};
      const auto below_zero = [](const nlohmann::json& x) {
        return x.at("n").get<size_t>() > 0 && x.at("ci")[1].get<double>() < 0.0;
      };
      const bool lhalf = below_zero(c["logic_probes"]["vs_other_set"]);
      const bool shalf = below_zero(c["surface_probes"]["vs_other_set"]);
      c["verdict"] = lhalf && shalf ? "double dissociation"
                     : lhalf        ? "logic half only"
                     : shalf        ? "surface half only"
                                    : "none";
      out.push_back(std::move(c));
    }
  }
  return out;
}

void print_dissociation(const nlohmann::json& results, const nlohmann::json& contrasts,
                        bool teacher_forced, const std::string& profile_path, size_t n_probes,
                        const std::string& model_name) {
  std::printf("double dissociation on %zu probes (%s), rankings S_logic and S_surface from %s\n",
              n_probes, model_name.c_str(), profile_path.c_str());
  std::printf("metric: %s\n", teacher_forced
                                  ? "teacher-forced mean gold log-prob per token (acc: gold-token "
                                    "accuracy)"
                                  : "greedy needle success rate (no log-prob)");
  std::set<std::string> family_names;
  for (const auto& r : results) {
    for (const auto& [name, f] : r["by_family"].items()) family_names.insert(name);
  }
  for (const auto& c : contrasts) {
    const auto list = [](const nlohmann::json& heads) {
      std::string s;
      for (const auto& h : heads) {
        if (!s.empty()) s += ' ';
        s += h.get<std::string>();
      }
      return s.empty() ? std::string("-") : s;
    };
    std::printf("K = %lld, %s sets: logic %s | surface %s\n", c["k"].get<long long>(),
                c["sets"].get<std::string>().c_str(), list(c["logic_heads"]).c_str(),
                list(c["surface_heads"]).c_str());
  }
  std::printf("%-8s %4s %14s %14s %14s %14s %14s %28s\n", "family", "K", "none (acc)", "top-logic",
              "top-surface", "disj-logic", "disj-surface", "random mean [min, max] (acc)");
  for (const std::string& fam : family_names) {
    const auto value = [&](const nlohmann::json& r, const char* what) {
      return r["by_family"].contains(fam) ? r["by_family"][fam][what].get<double>() : 0.0;
    };
    const char* key = teacher_forced ? "mean_gold_log_prob" : "accuracy";
    const nlohmann::json* none = find_condition(results, 0, "top");
    std::set<int64_t> ks;
    for (const auto& r : results) ks.insert(r["k"].get<int64_t>());
    for (int64_t k : ks) {
      if (k == 0) continue;
      std::string cells;
      for (const char* kind : {"top_logic", "top_surface", "disjoint_logic", "disjoint_surface"}) {
        const nlohmann::json* r = find_condition(results, k, kind);
        char buf[64];
        if (r == nullptr) {
          std::snprintf(buf, sizeof buf, " %14s", "-");
        } else {
          std::snprintf(buf, sizeof buf, " %7.3f (%.2f)", value(*r, key), value(*r, "accuracy"));
        }
        cells += buf;
      }
      double sum = 0, sum_acc = 0, lo = 1e300, hi = -1e300;
      int n = 0;
      for (const auto& r : results) {
        if (r["k"].get<int64_t>() != k || r["kind"] != "random") continue;
        const double v = value(r, key);
        sum += v;
        sum_acc += value(r, "accuracy");
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        ++n;
      }
      std::printf("%-8s %4lld %7.3f (%.2f)%s %8.3f [%.3f, %.3f] (%.2f)\n", fam.c_str(),
                  static_cast<long long>(k), none ? value(*none, key) : 0.0,
                  none ? value(*none, "accuracy") : 0.0, cells.c_str(), n ? sum / n : 0.0,
                  n ? lo : 0.0, n ? hi : 0.0, n ? sum_acc / n : 0.0);
    }
  }
  std::printf(
      "contrasts, paired over probes (negative: the family's own set hurts it more), mean [95%% "
      "bootstrap]:\n");
  std::printf("%4s %-9s %26s %26s %26s %26s  %s\n", "K", "sets", "logic: L-set - S-set",
              "logic: L-set - random", "surface: S-set - L-set", "surface: S-set - random",
              "verdict");
  for (const auto& c : contrasts) {
    const auto cell = [](const nlohmann::json& x) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%7.3f [%7.3f, %7.3f]", x["mean"].get<double>(),
                    x["ci"][0].get<double>(), x["ci"][1].get<double>());
      return std::string(buf);
    };
    std::printf(
        "%4lld %-9s %26s %26s %26s %26s  %s\n", c["k"].get<long long>(),
        c["sets"].get<std::string>().c_str(), cell(c["logic_probes"]["vs_other_set"]).c_str(),
        cell(c["logic_probes"]["vs_random"]).c_str(),
        cell(c["surface_probes"]["vs_other_set"]).c_str(),
        cell(c["surface_probes"]["vs_random"]).c_str(), c["verdict"].get<std::string>().c_str());
  }
}

}  // namespace slkv::tools
