#include "profile/summary_logic.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>

#include "profile/answer_judge.hpp"

namespace slkv::profile {
namespace {

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string head_name(int64_t i, int64_t n_query_heads) {
  return format("L%lld.H%lld", static_cast<long long>(i / n_query_heads),
                static_cast<long long>(i % n_query_heads));
}

}  // namespace

std::string template_success_summary(const Profile& p) {
  struct Cell {
    int64_t ok = 0, total = 0, token_probes = 0;
    double chance = 0;
  };
  std::map<std::string, Cell> cells;
  for (const ProbeRecord& r : p.per_probe.probes) {
    if (r.template_name.empty()) continue;
    Cell& c = cells[r.template_name];
    c.ok += r.success ? 1 : 0;
    c.total += 1;
    c.token_probes += r.n_token_ok > 0 ? 1 : 0;
    c.chance = r.chance;
  }
  std::string out = format("logic score variant: %s (%lld logic probes admitted)\n",
                           std::string(logic_variant_name(p.scores.logic_variant)).c_str(),
                           static_cast<long long>(p.scores.n_probes_logic));
  if (cells.empty()) return out + "success per template: not recorded (older profile)\n";
  out += "success per template (chance = guessing among the stated options):\n";
  for (const auto& [name, c] : cells) {
    const double rate = static_cast<double>(c.ok) / static_cast<double>(c.total);
    out += format("  %-26s %3lld/%-3lld %5.1f%%  chance %4.1f%%  corrected %6.1f%%", name.c_str(),
                  static_cast<long long>(c.ok), static_cast<long long>(c.total), 100.0 * rate,
                  100.0 * c.chance, 100.0 * chance_corrected(rate, c.chance));
    if (p.meta.teacher_forced) {
      out += format("  token-ok probes %lld", static_cast<long long>(c.token_probes));
    }
    out += "\n";
  }
  return out;
}

std::string confidence_summary(const Profile& p, int top_n) {
  const LabelConfidence& c = p.confidence;
  if (c.empty()) return "label confidence: none stored (run with --bootstrap N)\n";
  const int64_t H = p.meta.n_query_heads;
  std::string out = format(
      "label confidence: bootstrap over probes, %d resamples (seed %llu, stratified by "
      "family), %.0f%% intervals, S_logic variant %s\n",
      c.n_resamples, static_cast<unsigned long long>(c.seed), 100.0 * c.level,
      c.logic_variant.c_str());
  const char* names[3] = {"surface", "logic", "ignoring"};
  const uint8_t bits[3] = {kFlagSurface, kFlagLogic, kFlagIgnoring};
  const std::vector<float>* keep[3] = {&c.keep_surface, &c.keep_logic, &c.keep_ignoring};
  const ScoreKind kinds[3] = {ScoreKind::kSurface, ScoreKind::kLogic, ScoreKind::kIgnore};
  for (int i = 0; i < 3; ++i) {
    out += format("  flag %-9s share of heads in [%.2f%%, %.2f%%]", names[i],
                  100.0 * c.flag_share_lo[i], 100.0 * c.flag_share_hi[i]);
    const auto stable =
        std::count_if(keep[i]->begin(), keep[i]->end(), [](float k) { return k >= 0.95f; });
    out += format("; %lld heads keep it in >= 95%% of resamples\n", static_cast<long long>(stable));
  }
  // Flagged heads and the most often kept candidates of the two rare flags.
  for (int i = 0; i < 2; ++i) {
    const std::vector<float>& k = *keep[i];
    std::vector<int64_t> order(k.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return k[a] > k[b]; });
    const ScoreInterval& iv = c.interval(kinds[i]);
    const std::vector<float>& score = p.scores.values(kinds[i]);
    out += format("  %s: head, share of resamples flagged, score [%.0f%% interval]:\n", names[i],
                  100.0 * c.level);
    int shown = 0;
    for (int64_t h : order) {
      if (shown >= top_n || k[h] <= 0.0f) break;
      out +=
          format("    %-8s %5.1f%%  %.4f [%.4f, %.4f]%s\n", head_name(h, H).c_str(), 100.0 * k[h],
                 score[h], iv.lo[h], iv.hi[h], (p.labels.flags[h] & bits[i]) ? "  (flagged)" : "");
      ++shown;
    }
    if (shown == 0) out += "    none in any resample\n";
  }
  return out;
}

}  // namespace slkv::profile
