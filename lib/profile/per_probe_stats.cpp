#include "profile/per_probe_stats.hpp"

#include "core/error.hpp"

namespace slkv::profile {
namespace {

template <typename T>
void append_values(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

void PerProbeStats::append(ProbeRecord record, const ProbeHeadValues& values) {
  const size_t n = static_cast<size_t>(n_heads_total());
  if (n == 0 || values.surface.size() != n) {
    throw Error("per-probe statistics: probe values have " + std::to_string(values.surface.size()) +
                " heads, the table has " + std::to_string(n));
  }
  record.success = values.success;
  record.has_distractors = values.has_distractors;
  record.n_steps = values.n_steps;
  record.n_needle_tokens = values.n_needle_tokens;
  record.n_token_ok = values.n_token_ok;
  probes.push_back(std::move(record));
  append_values(copy_count, values.copy_count);
  append_values(surface, values.surface);
  append_values(logic, values.logic);
  append_values(retrieval_reasoning, values.retrieval_reasoning);
  append_values(dist, values.dist);
  append_values(ignore, values.ignore);
  append_values(wtp, values.wtp);
  append_values(wfp, values.wfp);
  append_values(wfn, values.wfn);
  append_values(wtn, values.wtn);
  append_values(tp, values.tp);
  append_values(fp, values.fp);
  append_values(fn, values.fn);
  append_values(tn, values.tn);
  append_values(logic_token, values.logic_token);
}

void PerProbeStats::validate(const std::string& where) const {
  if (n_layers <= 0 || n_query_heads <= 0) {
    throw Error(where + ": per-probe statistics have no heads");
  }
  const size_t want = static_cast<size_t>(n_probes() * n_heads_total());
  auto check = [&](size_t got, const char* name) {
    if (got != want) {
      throw Error(where + ": per-probe array '" + name + "' has " + std::to_string(got) +
                  " values, expected " + std::to_string(want) + " = [" +
                  std::to_string(n_probes()) + ", " + std::to_string(n_layers) + ", " +
                  std::to_string(n_query_heads) + "]");
    }
  };
  check(copy_count.size(), "copy_count");
  check(surface.size(), "surface");
  check(logic.size(), "logic");
  check(retrieval_reasoning.size(), "retrieval_reasoning");
  check(dist.size(), "dist");
  check(ignore.size(), "ignore");
  check(wtp.size(), "wtp");
  check(wfp.size(), "wfp");
  check(wfn.size(), "wfn");
  check(wtn.size(), "wtn");
  check(tp.size(), "tp");
  check(fp.size(), "fp");
  check(fn.size(), "fn");
  check(tn.size(), "tn");
  if (!logic_token.empty()) check(logic_token.size(), "logic_token");
}

}  // namespace slkv::profile
