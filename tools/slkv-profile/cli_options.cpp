#include "cli_options.hpp"

#include <algorithm>

#include "common/shard_option.hpp"
#include "probes/needles_logic.hpp"

namespace slkv::tools {

namespace {

constexpr const char* kFooter = R"(
Default probe set: lengths 512 and 1024 tokens (those within the model's context), depths 0,
0.25, 0.5, 0.75, 1, families surface and logic, 2 irrelevant distractor blocks per probe, one
probe per cell: 20 probes, greedy answers of up to 16 tokens (a few minutes for SmolLM2-135M
on 2 cores). Longer contexts: --lengths 512,1024,2048,4096,8192.

Examples:
  # Profile SmolLM2 with the default probe set, write the profile and lineage score files:
  slkv-profile SmolLM2-135M-Instruct.Q4_1.gguf --out smollm2.h5 --export-lineage smollm2-lineage

  # A longer grid on your own text, teacher-forced answers, 4 threads, resumable:
  slkv-profile model.gguf --lengths 1024,4096,8192 --depths 0,0.5,1 --haystack book.txt \
      --teacher-force --threads 4 --resume --out model.h5

  # Print the summary of an existing profile again:
  slkv-profile --summary smollm2.h5

  # Four shares (e.g. the tasks of a Slurm job array), then join them (docs/distributed.md):
  slkv-profile model.gguf --shard 0/4 --out part-0.h5    # ... --shard 3/4 --out part-3.h5
  slkv-profile merge part-*.h5 --out model.h5
  # The same with MPI, one rank per core (rank 0 writes the profile):
  mpirun -np 4 slkv-profile model.gguf --threads 1 --out model.h5

  # Ablation: needle accuracy with the top-K surface+logic heads masked vs K random heads:
  slkv-profile SmolLM2-135M-Instruct.Q4_1.gguf --ablate smollm2.h5 --ablate-k 1,2,4,8,16 \
      --ablate-draws 3 --ablate-out ablation.json

Resume: a checkpoint directory PROFILE.h5.resume/ gets one file per finished probe; with
--resume a killed run continues where it stopped and writes the same profile an uninterrupted
run would. Profiles are byte-identical for the same inputs and seed when SOURCE_DATE_EPOCH
fixes the creation time.

Exit codes: 0 ok; 1 bad input (model, haystack, profile), probe or write failure (an existing
--out file is left untouched); 2 bad command line; 3 internal error; 4 stopped by --stop-after
(checkpoint kept, for tests).)";

}  // namespace

std::vector<int64_t> default_profile_lengths(int64_t context_tokens) {
  std::vector<int64_t> lengths;
  for (int64_t n : {512, 1024}) {
    if (context_tokens <= 0 || n <= context_tokens) lengths.push_back(n);
  }
  if (lengths.empty()) lengths.push_back(std::max<int64_t>(64, context_tokens));
  return lengths;
}

std::vector<double> default_profile_depths() { return {0.0, 0.25, 0.5, 0.75, 1.0}; }

void setup_profile_options(CLI::App& app, ProfileCliOptions& opt) {
  app.description(
      "Profile every attention head of a checkpoint on needle probes (METHOD.md sections 2-4): "
      "per-head surface, logic, retrieval-reasoning and ignore scores, labels, and the "
      "per-probe evidence, written as an HDF5 profile (docs/profile-format.md).");
  app.footer(kFooter);
  app.add_option("model", opt.model_path, "model checkpoint (.gguf or HF directory)");
  app.add_option("--out,-o", opt.out_path,
                 "profile to write atomically (default: <model stem>.profile.h5)");
  app.add_option("--lengths", opt.lengths_tokens, "prompt lengths in tokens, BOS included")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--depths", opt.depths, "needle depths in the haystack, 0..1")
      ->delimiter(',')
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", opt.seed, "probe seed (needles, haystack, distractors)");
  app.add_option("--families", opt.families,
                 "needle families: surface, logic; add 'distractor' to insert irrelevant "
                 "same-form distractor blocks")
      ->delimiter(',')
      ->check(CLI::IsMember({"surface", "logic", "distractor"}));
  app.add_option("--distractors", opt.n_distractors,
                 "distractor blocks per probe when 'distractor' is a family")
      ->check(CLI::Range(1, 16));
  app.add_option("--repeats", opt.repeats, "probes per (length, depth, family) cell")
      ->check(CLI::Range(1, 1000));
  app.add_option("--haystack", opt.haystack_files,
                 "text files to hide needles in "
                 "(default: built-in generated prose)")
      ->check(CLI::ExistingFile);
  app.add_option("--max-new", opt.max_new_tokens, "greedy answer tokens at most")
      ->check(CLI::Range(1, 4096));
  app.add_flag("--teacher-force", opt.teacher_force,
               "feed the gold answer instead of the model's own tokens");
  app.add_flag("--chat", opt.chat,
               "wrap each probe in the model's chat turn (ChatML or Gemma markers)");
  app.add_option("--surface-span", opt.surface_span,
                 "span N of a surface needle: 'answer' (the answer value, as Wu et al.) or "
                 "'fact' (the whole fact sentence)")
      ->check(CLI::IsMember({"answer", "fact"}));
  app.add_option("--label-mode", opt.label_mode, "label thresholds: quantile or absolute")
      ->check(CLI::IsMember({"quantile", "absolute"}));
  app.add_option(
         "--logic-templates", opt.logic_templates,
         "logic needle templates: v4 (composition: a full name joined from a stated first "
         "and family name, in order or swapped, after two worked examples), v4-bare "
         "(the same without worked examples), v3 (v2-like sums, differences, comparisons and a "
         "two-hop lookup, each after two worked examples), v2 (forms small models "
         "attempt: yes/no and two-way choice comparisons, one-digit sums, two-hop "
         "lookups) or v1 (the original seven, for reproducing older profiles)")
      ->check(CLI::IsMember(probes::logic_template_set_names()));
  app.add_option("--logic-variant", opt.logic_variant,
                 "S_logic over successful logic probes ('probe', METHOD.md), over teacher-forced "
                 "steps whose argmax is the gold token ('token', needs --teacher-force), or "
                 "'auto': probe when at least --min-logic-probes logic probes succeed")
      ->check(CLI::IsMember({"probe", "token", "auto"}));
  app.add_option("--min-logic-probes", opt.min_logic_probes,
                 "auto variant: successful logic probes needed for the probe variant")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--bootstrap", opt.bootstrap,
                 "label confidence: bootstrap resamples over probes (0: none); with --summary, "
                 "computed for a profile that has none stored")
      ->check(CLI::Range(0, 100000));
  app.add_option("--bootstrap-seed", opt.bootstrap_seed, "seed of the bootstrap resampling");
  app.add_option("--top-k", opt.top_k, "k of the top-k attention mass")->check(CLI::Range(1, 4096));
  app.add_option("--dump-probes", opt.dump_probes_path, "write the probes as JSON Lines");
  app.add_option("--export-lineage", opt.export_lineage_dir,
                 "also write lineage score JSON files (one per score, plus importance.json) "
                 "into this directory");
  app.add_option("--threads", opt.threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--resume", opt.resume, "continue from PROFILE.h5.resume/ if present");
  app.add_option("--shard", opt.shard,
                 "run share I of N (0 <= I < N; shares balanced by probe length) and write a part "
                 "profile for `slkv-profile merge`; see docs/distributed.md")
      ->check(tool_common::shard_validator());
  app.add_option("--stop-after", opt.stop_after,
                 "testing: stop after this many probes of this run, keep the checkpoint, exit 4")
      ->check(CLI::PositiveNumber)
      ->group("");
  app.add_flag("--quiet,-q", opt.quiet, "no progress bar");
  app.add_option("--summary", opt.summary_path, "print the summary of an existing profile")
      ->check(CLI::ExistingFile);
  app.add_option("--ablate", opt.ablate_profile,
                 "ablation mode: mask heads ranked by this profile and measure needle accuracy")
      ->check(CLI::ExistingFile);
  app.add_option("--ablate-k", opt.ablate_k, "numbers of masked heads")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ablate-rank", opt.ablate_rank,
                 "heads to mask first: 'combined' norm(S_surface) + norm(S_logic), 'surface' or "
                 "'logic' (the two halves of the double dissociation), or 'dissociation': "
                 "the top K by S_logic and by S_surface, and the top K of each outside the "
                 "other's top K, against the same random draws, per needle family, with paired "
                 "contrasts and bootstrap intervals (seed --bootstrap-seed)")
      ->check(CLI::IsMember({"combined", "surface", "logic", "dissociation"}));
  app.add_option("--ablate-draws", opt.ablate_draws, "random head sets per K")
      ->check(CLI::Range(1, 100));
  app.add_option("--ablate-out", opt.ablate_out,
                 "write the ablation (or --judge-options) results as JSON");
  app.add_flag("--judge-options", opt.judge_options,
               "judge the closed-form logic needles (yes/no, choice, candidates) by comparing the "
               "options' teacher-forced log-probabilities; prints per-template success, chance "
               "and chance-corrected share");
}

}  // namespace slkv::tools
