#include "profile/head_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace slkv::profile {
namespace {

// The m best row positions, best first: higher weight first, and among equal weights the
// lower position first, so the top-k set is a deterministic function of the row. One pass with
// a heap of the m best seen so far (front = the worst of them): O(T) for a peaked softmax row,
// O(T log m) at worst, and no O(T) index array.
void rank_top(std::span<const float> row, int64_t m, std::vector<int32_t>& order) {
  const auto n = static_cast<int64_t>(row.size());
  m = std::min(m, n);
  auto better = [&](int32_t a, int32_t b) {
    return row[a] > row[b] || (row[a] == row[b] && a < b);
  };
  order.clear();
  if (m <= 0) return;
  for (int32_t j = 0; j < static_cast<int32_t>(m); ++j) order.push_back(j);
  std::make_heap(order.begin(), order.end(), better);
  for (int64_t j = m; j < n; ++j) {
    // Scanning in position order, an equal weight never beats an earlier position.
    if (!(row[static_cast<size_t>(j)] > row[static_cast<size_t>(order.front())])) continue;
    std::pop_heap(order.begin(), order.end(), better);
    order.back() = static_cast<int32_t>(j);
    std::push_heap(order.begin(), order.end(), better);
  }
  std::sort(order.begin(), order.end(), better);
}

}  // namespace

HeadStats::HeadStats(int64_t n_layers, int64_t n_query_heads, HeadStatsOptions options)
    : n_layers_(n_layers), n_query_heads_(n_query_heads), options_(options) {
  SLKV_CHECK(n_layers > 0 && n_query_heads > 0, "head statistics need at least one head");
  SLKV_CHECK(options.top_k > 0, "top_k must be positive, got " + std::to_string(options.top_k));
  acc_.resize(static_cast<size_t>(n_layers * n_query_heads));
}

void HeadStats::begin_probe(const ProbeView& probe) {
  const int64_t n_prompt = static_cast<int64_t>(probe.prompt_tokens.size());
  if (n_prompt == 0) throw Error("head statistics: probe has no prompt tokens");
  prompt_tokens_.assign(probe.prompt_tokens.begin(), probe.prompt_tokens.end());
  role_.assign(static_cast<size_t>(n_prompt), 0);
  auto mark = [&](std::span<const probes::Span> spans, uint8_t bit, const char* what) {
    for (const probes::Span& s : spans) {
      if (s.begin < 0 || s.end > n_prompt || s.begin > s.end) {
        throw Error(std::string("head statistics: ") + what + " span [" + std::to_string(s.begin) +
                    ", " + std::to_string(s.end) + ") lies outside the prompt of " +
                    std::to_string(n_prompt) + " tokens");
      }
      for (int64_t p = s.begin; p < s.end; ++p) role_[static_cast<size_t>(p)] |= bit;
    }
  };
  mark(probe.needle_spans, kInNeedle, "needle");
  mark(probe.distractor_spans, kInDistractor, "distractor");
  n_needle_ = 0;
  bool any_distractor = false;
  for (uint8_t r : role_) {
    if (r & kInNeedle) ++n_needle_;
    if (r & kInDistractor) any_distractor = true;
    if ((r & kInNeedle) && (r & kInDistractor)) {
      throw Error("head statistics: a position is in both the needle and a distractor span");
    }
  }
  if (n_needle_ == 0) throw Error("head statistics: probe has an empty needle span N");
  needle_runs_.clear();
  for (int64_t p = 0; p < n_prompt; ++p) {
    if (!(role_[static_cast<size_t>(p)] & kInNeedle)) continue;
    if (!needle_runs_.empty() && needle_runs_.back().end == p) {
      needle_runs_.back().end = p + 1;
    } else {
      needle_runs_.push_back({p, p + 1});
    }
  }
  has_distractors_ = any_distractor;
  std::fill(acc_.begin(), acc_.end(), Accumulator{});
  marked_.clear();
  in_probe_ = true;
}

RowStats HeadStats::row_stats(int step, std::span<const float> row, int32_t emitted_token) const {
  SLKV_CHECK(in_probe_, "row_stats outside begin_probe/end_probe");
  const int64_t n_prompt = static_cast<int64_t>(prompt_tokens_.size());
  const int64_t n_keys = static_cast<int64_t>(row.size());
  if (step < 0 || n_keys != n_prompt + step) {
    throw Error("head statistics: attention row at step " + std::to_string(step) + " has " +
                std::to_string(n_keys) + " keys, expected " + std::to_string(n_prompt + step));
  }
  double total = 0;
  for (int64_t j = 0; j < n_keys; ++j) {
    const float w = row[static_cast<size_t>(j)];
    if (!std::isfinite(w) || w < 0) {
      throw Error("head statistics: attention weight " + std::to_string(w) + " at key " +
                  std::to_string(j) + " is not a probability");
    }
    total += w;
  }
  if (std::abs(total - 1.0) > options_.row_sum_tolerance) {
    throw Error("head statistics: attention row sums to " + std::to_string(total) +
                ", not 1 (is it post-softmax?)");
  }

  const int64_t k = std::min<int64_t>(options_.top_k, n_keys);
  const int64_t n_top_needle = std::min<int64_t>(n_needle_, n_keys);
  thread_local std::vector<int32_t> order;  // [max(k, |N|)] scratch, reused across calls
  rank_top(row, std::max(k, n_top_needle), order);

  auto role_at = [&](int64_t pos) -> uint8_t {
    return pos < n_prompt ? role_[static_cast<size_t>(pos)] : uint8_t{0};
  };
  RowStats s;
  double top_mass = 0, top_in_distractor = 0;
  for (int64_t i = 0; i < k; ++i) {
    const int32_t pos = order[static_cast<size_t>(i)];
    const double w = row[static_cast<size_t>(pos)];
    top_mass += w;
    const uint8_t r = role_at(pos);
    if (r & kInNeedle) {
      s.wtp += w;
      ++s.tp;
    }
    if (r & kInDistractor) top_in_distractor += w;
  }
  for (int64_t i = 0; i < n_top_needle; ++i) {
    const int32_t pos = order[static_cast<size_t>(i)];
    if (role_at(pos) & kInNeedle) s.rr_mass += row[static_cast<size_t>(pos)];
  }
  double needle_mass = 0;
  for (const probes::Span& span : needle_runs_) {
    for (int64_t p = span.begin; p < span.end; ++p) needle_mass += row[static_cast<size_t>(p)];
  }
  s.wfp = top_mass - s.wtp;
  s.fp = k - s.tp;
  s.wfn = std::max(0.0, needle_mass - s.wtp);
  s.fn = n_needle_ - s.tp;
  // Mass outside both top-k and N; equals 1 - WTP - WFP - WFN for an exact softmax row.
  s.wtn = std::max(0.0, total - top_mass - s.wfn);
  s.tn = n_keys - s.tp - s.fp - s.fn;

  s.argmax = order[0];
  s.copy = emitted_token >= 0 && copies(s.argmax, emitted_token);
  s.dist = top_mass > 0 ? top_in_distractor / top_mass : 0.0;
  s.inf_score = s.wtp > 0 ? 2 * s.wtp / (2 * s.wtp + s.wfp + s.wfn) : 0.0;
  s.ignore_fallback = (s.wtn + s.wfp) > 0 ? s.wtn / (s.wtn + s.wfp) : 1.0;
  return s;
}

bool HeadStats::copies(int64_t argmax, int32_t emitted_token) const {
  const auto n_prompt = static_cast<int64_t>(prompt_tokens_.size());
  return argmax < n_prompt && (role_[static_cast<size_t>(argmax)] & kInNeedle) &&
         prompt_tokens_[static_cast<size_t>(argmax)] == emitted_token;
}

void HeadStats::observe(int layer, int q_head, int step, std::span<const float> row) {
  if (!in_probe_) throw Error("head statistics: observe() outside begin_probe/end_probe");
  if (layer < 0 || layer >= n_layers_ || q_head < 0 || q_head >= n_query_heads_) {
    throw Error("head statistics: head (" + std::to_string(layer) + ", " + std::to_string(q_head) +
                ") outside [" + std::to_string(n_layers_) + ", " + std::to_string(n_query_heads_) +
                "]");
  }
  Accumulator& a = acc_[static_cast<size_t>(layer * n_query_heads_ + q_head)];
  if (a.pending_argmax >= 0) {
    throw Error("head statistics: head (" + std::to_string(layer) + ", " + std::to_string(q_head) +
                ") observed step " + std::to_string(step) + " before emit(" +
                std::to_string(a.next_step - 1) + ")");
  }
  if (step != a.next_step) {
    throw Error("head statistics: head (" + std::to_string(layer) + ", " + std::to_string(q_head) +
                ") got step " + std::to_string(step) + ", expected " + std::to_string(a.next_step));
  }
  const RowStats s = row_stats(step, row);
  a.n_steps += 1;
  a.next_step += 1;
  a.pending_argmax = s.argmax;
  a.inf_score += s.inf_score;
  if (static_cast<size_t>(step) < marked_.size() && marked_[static_cast<size_t>(step)]) {
    a.inf_score_marked += s.inf_score;
    a.n_marked += 1;
  }
  a.rr_mass += s.rr_mass;
  a.dist += s.dist;
  a.ignore_fallback += s.ignore_fallback;
  a.wtp += s.wtp;
  a.wfp += s.wfp;
  a.wfn += s.wfn;
  a.wtn += s.wtn;
  a.tp += s.tp;
  a.fp += s.fp;
  a.fn += s.fn;
  a.tn += s.tn;
}

void HeadStats::observe(int layer, int q_head, int step, std::span<const float> row,
                        int32_t emitted_token) {
  observe(layer, q_head, step, row);
  Accumulator& a = acc_[static_cast<size_t>(layer * n_query_heads_ + q_head)];
  a.copy += copies(a.pending_argmax, emitted_token) ? 1.0 : 0.0;
  a.pending_argmax = -1;
}

void HeadStats::emit(int step, int32_t emitted_token) {
  if (!in_probe_) throw Error("head statistics: emit() outside begin_probe/end_probe");
  for (size_t i = 0; i < acc_.size(); ++i) {
    Accumulator& a = acc_[i];
    if (a.next_step != step + 1 || a.pending_argmax < 0) {
      throw Error("head statistics: emit(" + std::to_string(step) + ") but head (" +
                  std::to_string(i / n_query_heads_) + ", " + std::to_string(i % n_query_heads_) +
                  ") has no pending row for that step");
    }
  }
  for (Accumulator& a : acc_) {
    a.copy += copies(a.pending_argmax, emitted_token) ? 1.0 : 0.0;
    a.pending_argmax = -1;
  }
}

void HeadStats::mark_step(int step, bool counts) {
  if (!in_probe_) throw Error("head statistics: mark_step() outside begin_probe/end_probe");
  if (step < 0) throw Error("head statistics: mark_step() with a negative step");
  if (marked_.size() <= static_cast<size_t>(step)) marked_.resize(static_cast<size_t>(step) + 1, 0);
  marked_[static_cast<size_t>(step)] = counts ? 1 : 0;
}

ProbeHeadValues HeadStats::end_probe(bool success) {
  if (!in_probe_) throw Error("head statistics: end_probe() without begin_probe()");
  in_probe_ = false;
  const int64_t n_steps = acc_.front().n_steps;
  if (n_steps == 0) throw Error("head statistics: probe ended before any answer step");
  for (size_t i = 0; i < acc_.size(); ++i) {
    if (acc_[i].pending_argmax >= 0) {
      throw Error("head statistics: probe ended before emit(" +
                  std::to_string(acc_[i].next_step - 1) + ")");
    }
    if (acc_[i].n_steps != n_steps) {
      throw Error("head statistics: head (" + std::to_string(i / n_query_heads_) + ", " +
                  std::to_string(i % n_query_heads_) + ") saw " + std::to_string(acc_[i].n_steps) +
                  " steps, head (0, 0) saw " + std::to_string(n_steps));
    }
  }
  const size_t n = acc_.size();
  ProbeHeadValues v;
  v.n_steps = n_steps;
  v.n_needle_tokens = n_needle_;
  v.has_distractors = has_distractors_;
  v.success = success;
  for (auto* field : {&v.copy_count, &v.surface, &v.logic, &v.retrieval_reasoning, &v.dist,
                      &v.ignore, &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
    field->resize(n);
  }
  for (auto* field : {&v.tp, &v.fp, &v.fn, &v.tn}) field->resize(n);
  v.logic_token.resize(n);
  v.n_token_ok = acc_.front().n_marked;
  const double inv_steps = 1.0 / static_cast<double>(n_steps);
  const double inv_needle = 1.0 / static_cast<double>(n_needle_);
  auto narrow = [](int64_t x) {
    SLKV_CHECK(x <= std::numeric_limits<int32_t>::max(), "confusion count overflows int32");
    return static_cast<int32_t>(x);
  };
  for (size_t i = 0; i < n; ++i) {
    const Accumulator& a = acc_[i];
    v.copy_count[i] = static_cast<float>(a.copy);
    v.surface[i] = static_cast<float>(a.copy * inv_needle);
    v.logic[i] = static_cast<float>(a.inf_score * inv_steps);
    v.logic_token[i] =
        a.n_marked > 0 ? static_cast<float>(a.inf_score_marked / static_cast<double>(a.n_marked))
                       : 0.0f;
    v.retrieval_reasoning[i] = static_cast<float>(a.rr_mass * inv_needle);
    v.dist[i] = static_cast<float>(a.dist * inv_steps);
    v.ignore[i] = static_cast<float>(has_distractors_ ? 1.0 - a.dist * inv_steps
                                                      : a.ignore_fallback * inv_steps);
    v.wtp[i] = static_cast<float>(a.wtp * inv_steps);
    v.wfp[i] = static_cast<float>(a.wfp * inv_steps);
    v.wfn[i] = static_cast<float>(a.wfn * inv_steps);
    v.wtn[i] = static_cast<float>(a.wtn * inv_steps);
    v.tp[i] = narrow(a.tp);
    v.fp[i] = narrow(a.fp);
    v.fn[i] = narrow(a.fn);
    v.tn[i] = narrow(a.tn);
  }
  return v;
}

}  // namespace slkv::profile
