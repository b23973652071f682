#include "cli_options.hpp"

#include "compile/method.hpp"

namespace slkv::tools {

namespace {

constexpr const char* kFooter = R"(
Examples:
  # An slkv profile (slkv-profile's HDF5 file): shape and fingerprint come from the profile,
  # importance norm(S_logic) + alpha norm(S_surface), head labels copied into the plan:
  slkv-compile smollm2.profile.h5 --budget 64 --out smol-64.json --explain

  # HeadKV's Llama-3-8B scores, 128 tokens per KV head on average, default two-stage method:
  slkv-compile headkv-Meta-Llama-3-8B-Instruct_retrieval_heads.json \
      --shape 32,32,8,128 --budget 128 --out llama3-128.json --explain

  # Same scores, HeadKV's own formula, per query head as the HeadKV code does:
  slkv-compile scores.json --shape 32,32,8,128 --budget 128 --method headkv \
      --granularity query --out headkv-128.json

  # Shape, arch and fingerprint from the checkpoint, so the runtime refuses other models:
  slkv-compile scores.json --model SmolLM2-135M-Instruct.Q4_1.gguf --budget 64 --out smol.json

  # Keep 10% of every prompt, shares decided offline, caps computed by the runtime:
  slkv-compile scores.json --shape 32,32,8,128 --ratio 0.1 --out ratio.json

Budgets: --budget B_tot is the average number of tokens a head keeps, the window included;
the caps in the plan are tokens beyond the window and sum to exactly N (B_tot - w) for
surfacelogic, uniform and adakv (real, headkv and pyramid keep their published formulas'
totals; --explain shows them). Lineage scores: the mean over a head's probes is the importance.
Profiles: importance norm(S_logic) + alpha norm(S_surface), 0 for heads flagged only
"ignoring"; --shape / --model are optional and must match the profile when given.

Exit codes: 0 ok; 1 bad input, budget that cannot be met, or write failure (an existing
--out file is left untouched); 2 bad command line; 3 internal error.)";

}  // namespace

void setup_compile_options(CLI::App& app, CompileCliOptions& opt) {
  compile::CompileOptions& c = opt.compile;
  std::string methods;
  for (const auto& n : compile::method_names()) {
    methods += "\n  " + n + ": " + std::string(compile::find_method(n)->summary());
  }
  app.description(
      "Compile per-head KV-cache budgets (a budget plan for libslkv_runtime) from per-head "
      "scores: an slkv HDF5 profile (detected by its signature or a .h5 name) or a lineage score "
      "JSON {\"<layer>-<query head>\": [score per probe, ...]}.");
  app.footer(kFooter);
  app.add_option("scores", opt.scores_path, "slkv profile (.h5) or lineage score JSON")
      ->required()
      ->check(CLI::ExistingFile);
  auto* shape =
      app.add_option("--shape", opt.shape,
                     "model shape L,H,KVH,D: layers, query heads, KV heads, head dim "
                     "(Llama-3-8B and Mistral-7B: 32,32,8,128); optional for profiles, which must "
                     "then match");
  auto* model = app.add_option("--model", opt.model_path,
                               "model checkpoint (.gguf or HF directory) to take the shape and "
                               "fingerprint from; optional for profiles, which must then match");
  shape->excludes(model);
  model->excludes(shape);
  app.add_option("--out,-o", opt.out_path, "plan file to write (atomically)");
  app.add_flag("--explain", opt.explain, "print a per-layer table of the caps");

  auto* budget =
      app.add_option("--budget", opt.budget_tokens, "average tokens per head, window included");
  auto* ratio = app.add_option("--ratio", opt.budget_ratio,
                               "share of the prompt every head keeps on average, in (0, 1]");
  budget->excludes(ratio);
  ratio->excludes(budget);
  app.add_option("--method", c.method, "allocation method:" + methods)->capture_default_str();
  app.add_option("--granularity", c.granularity,
                 "kv: one cap per KV head (GQA); query: one per query head")
      ->check(CLI::IsMember({"kv", "query"}))
      ->capture_default_str();
  app.add_option("--gqa", c.gqa, "KV-head importance from its query heads: sum or max")
      ->check(CLI::IsMember({"sum", "max"}))
      ->capture_default_str();
  app.add_option("--window,-w", c.window, "recent tokens every head keeps (w)")
      ->capture_default_str();
  app.add_option("--pooling", c.pooling, "runtime token-score pooling: max, avg or none")
      ->check(CLI::IsMember({"max", "avg", "none"}))
      ->capture_default_str();
  app.add_option("--kernel", c.pooling_kernel, "pooling kernel (odd)")->capture_default_str();
  app.add_option("--beta1", c.beta1,
                 "stage-1 floor divisor: each layer keeps H (B - floor(B/beta1)); also the "
                 "beta of real and headkv")
      ->capture_default_str();
  app.add_option("--beta2", c.beta2, "stage-2 floor divisor within a layer")->capture_default_str();
  app.add_option("--tau", c.tau, "temperature: allocation by s^tau")->capture_default_str();
  app.add_option("--alpha", c.alpha, "weight of norm(S_surface) in the importance (profiles)")
      ->capture_default_str();
  app.add_option("--importance", c.importance,
                 "profiles: 'flagged' zeroes heads flagged only ignoring (METHOD.md); 'scores' "
                 "keeps every head's continuous score")
      ->check(CLI::IsMember({"flagged", "scores"}))
      ->capture_default_str();
  app.add_option("--uniform-mix", c.uniform_mix,
                 "share of the importance spread uniformly over all heads (0..1)")
      ->capture_default_str();
  app.add_option("--min-cap", c.min_cap, "floor every head keeps beyond the window")
      ->capture_default_str();
  app.add_option("--pyramid-beta", c.pyramid_beta, "pyramid: smallest layer cap is B // this")
      ->capture_default_str();
  app.add_option("--adakv-floor", c.adakv_floor_fraction,
                 "adakv: share of B every head keeps before the adaptive split")
      ->capture_default_str();
  app.add_option("--sink-tokens", c.sink_tokens,
                 "streaming: first positions (attention sinks) every head keeps")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000}))
      ->capture_default_str();
  app.add_option("--seed", c.seed, "random: seed of the per-layer shuffle of surfacelogic's caps")
      ->capture_default_str();
  app.add_option("--prompt-tokens", opt.prompt_tokens,
                 "prompt length T when known: caps are clamped to T - w and the overflow "
                 "goes to the other heads");
}

void finish_compile_options(const CLI::App& app, CompileCliOptions& opt) {
  if (app.count("--budget")) opt.compile.budget_tokens = opt.budget_tokens;
  if (app.count("--ratio")) opt.compile.budget_ratio = opt.budget_ratio;
  if (app.count("--prompt-tokens")) opt.compile.prompt_tokens = opt.prompt_tokens;
}

}  // namespace slkv::tools
