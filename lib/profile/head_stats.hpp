#pragma once
// Streaming per-head statistics of METHOD.md §3: for every probe, every answer step and every
// (layer, query head), one softmax row a_t over the T keys is reduced on arrival to a handful
// of numbers (top-k masses, the weighted confusion cells, COPY_t, DIST_t, the
// retrieval-reasoning mass). Nothing T x T is ever held: a row is read once and dropped.
//
// How the engine feeds this (the driver lives in the slkv-profile tool; the tap is
// slkv::AttentionObserver in lib/engine/attention_tap.hpp):
//   1. The driver builds a probe (lib/probes) and calls begin_probe() with its prompt tokens and
//      its spans N (answer-bearing) and D (distractors), all in prompt positions
//      (profile/probe_bridge.hpp: probe_view).
//   2. It runs the prompt through the engine with an observer whose select_rows() picks only
//      the newest query, then decodes greedily (or teacher-forces the gold answer). Step t
//      (t = 0 is the last prompt token) is the query at position n_prompt - 1 + t; its row has
//      n_prompt + t keys (every earlier key, including already generated answer tokens). The
//      KV cache must be uncompressed while profiling, so AttentionRows::row(h, r) is over key
//      positions 0, 1, ..., n_prompt - 1 + t in order (sliding-window layers: zeros outside
//      the window).
//   3. In on_attention(), for every query head h of the layer, the observer calls
//      observe(layer, h, t, rows.row(h, 0)). The token emitted at step t is only known after
//      the forward pass (greedy argmax of its logits), so the driver then calls emit(t, token),
//      which settles COPY_t for every head. With teacher forcing the token is known up front
//      and observe(layer, h, t, row, token) does both at once. Calls for distinct
//      (layer, query head) pairs may come from different threads at once (a parallel loop over
//      heads); calls for the same pair, and emit(), must be serialised.
//   4. After the last step the driver scores the generated text (scores.hpp, probe_succeeded)
//      and calls end_probe(success), which returns the probe's per-head values
//      (PerProbeStats::append with probe_record(probe, output) stores them).
//
// Memory: O(n_prompt) for the span mask, O(k + |N|) scratch per calling thread, and
// O(n_layers * n_query_heads) accumulators.

#include <cstdint>
#include <span>
#include <vector>

#include "probes/span.hpp"

namespace slkv::profile {

struct HeadStatsOptions {
  int top_k = 10;                   // k of METHOD.md §3
  double row_sum_tolerance = 1e-3;  // a row must sum to 1 within this (it is a softmax)
};

// What begin_probe needs to know about a probe.
struct ProbeView {
  std::span<const int32_t> prompt_tokens;          // [n_prompt], BOS included
  std::span<const probes::Span> needle_spans;      // N
  std::span<const probes::Span> distractor_spans;  // D (may be empty)
};

// One probe's values for every (layer, query head); each vector is [n_layers, n_query_heads].
struct ProbeHeadValues {
  int64_t n_steps = 0;
  int64_t n_needle_tokens = 0;   // |N|
  bool has_distractors = false;  // D non-empty
  bool success = false;
  std::vector<float> copy_count;           // sum_t COPY_t
  std::vector<float> surface;              // sum_t COPY_t / |N|
  std::vector<float> logic;                // mean_t InfScore_t
  std::vector<float> retrieval_reasoning;  // sum_t (top-|N| mass inside N) / |N|
  std::vector<float> dist;                 // mean_t DIST_t (0 when D is empty)
  std::vector<float> ignore;               // 1 - dist with D; mean_t WTN/(WTN+WFP) without D
  std::vector<float> wtp, wfp, wfn, wtn;   // means over steps
  std::vector<int32_t> tp, fp, fn, tn;     // sums over steps
  // Token-level variant (scores.hpp, LogicVariant::kToken): the steps marked by
  // HeadStats::mark_step (under teacher forcing: the model's argmax equals the gold token).
  int64_t n_token_ok = 0;          // marked steps
  std::vector<float> logic_token;  // mean InfScore_t over the marked steps (0 when none)
};

// Values of a single row, exposed for tests and for diagnostic tools.
struct RowStats {
  double wtp = 0, wfp = 0, wfn = 0, wtn = 0;
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;
  bool copy = false;           // needs the emitted token; false when none was given
  int64_t argmax = 0;          // top-1 key (lowest position among equal weights)
  double dist = 0;             // mass of top-k inside D / mass of top-k
  double inf_score = 0;        // 2 WTP / (2 WTP + WFP + WFN), 0 when WTP = 0
  double rr_mass = 0;          // mass of the top-|N| entries that fall inside N
  double ignore_fallback = 1;  // WTN / (WTN + WFP), 1 when both are 0
};

class HeadStats {
 public:
  HeadStats(int64_t n_layers, int64_t n_query_heads, HeadStatsOptions options = {});

  void begin_probe(const ProbeView& probe);
  // `row` is [n_prompt + step] (softmax over all keys up to the query position). Without a
  // token, COPY_t waits for emit(step, token).
  void observe(int layer, int q_head, int step, std::span<const float> row);
  void observe(int layer, int q_head, int step, std::span<const float> row, int32_t emitted_token);
  // The token emitted at `step`: settles COPY_t of every head observed at that step without a
  // token. Every head must have been observed at `step`.
  void emit(int step, int32_t emitted_token);
  // Marks step `step` as one the token-level variant counts (the driver calls it before the
  // step's rows are observed, serially). Unmarked steps do not enter logic_token.
  void mark_step(int step, bool counts);
  // Every head must have seen the same steps 0..n-1. Returns the per-head values.
  ProbeHeadValues end_probe(bool success);

  // Reduces one row against the current probe without accumulating it (emitted_token < 0:
  // unknown, copy stays false).
  RowStats row_stats(int step, std::span<const float> row, int32_t emitted_token = -1) const;

  int64_t n_layers() const { return n_layers_; }
  int64_t n_query_heads() const { return n_query_heads_; }
  const HeadStatsOptions& options() const { return options_; }

 private:
  struct Accumulator {
    int64_t n_steps = 0;
    int64_t next_step = 0;
    int64_t pending_argmax = -1;  // argmax key of the last step while its token is unknown
    double copy = 0, inf_score = 0, rr_mass = 0, dist = 0, ignore_fallback = 0;
    double inf_score_marked = 0;
    int64_t n_marked = 0;
    double wtp = 0, wfp = 0, wfn = 0, wtn = 0;
    int64_t tp = 0, fp = 0, fn = 0, tn = 0;
  };

  static constexpr uint8_t kInNeedle = 1;
  static constexpr uint8_t kInDistractor = 2;

  int64_t n_layers_;
  int64_t n_query_heads_;
  HeadStatsOptions options_;
  bool in_probe_ = false;
  std::vector<int32_t> prompt_tokens_;  // [n_prompt]
  std::vector<uint8_t> role_;           // [n_prompt] kInNeedle | kInDistractor
  int64_t n_needle_ = 0;
  std::vector<probes::Span> needle_runs_;  // N as disjoint sorted runs

  bool copies(int64_t argmax, int32_t emitted_token) const;
  bool has_distractors_ = false;
  std::vector<uint8_t> marked_;   // [steps] mark_step flags of the current probe
  std::vector<Accumulator> acc_;  // [n_layers, n_query_heads]
};

}  // namespace slkv::profile
