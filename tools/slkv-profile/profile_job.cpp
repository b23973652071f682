#include "profile_job.hpp"

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "chat_prompt.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/progress.hpp"
#include "importance.hpp"
#include "mpi_gather.hpp"
#include "probes/probe_jsonl.hpp"
#include "profile/bootstrap.hpp"
#include "profile/labels.hpp"
#include "profile/lineage_json.hpp"
#include "profile/probe_runner.hpp"
#include "profile/profile_h5.hpp"
#include "profile/scores.hpp"
#include "profile/summary.hpp"
#include "resume.hpp"
#include "shard.hpp"

namespace slkv::tools {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

LoadedModel load_model(const std::string& path) {
  LoadedModel m;
  m.checkpoint = Checkpoint::open(path);
  if (m.checkpoint->gguf()) {
    m.tokenizer = std::make_unique<Tokenizer>(tokenizer_from_gguf(*m.checkpoint->gguf()));
  } else {
    m.tokenizer =
        std::make_unique<Tokenizer>(tokenizer_from_json(m.checkpoint->tokenizer_json_path()));
  }
  m.weights = std::make_unique<CheckpointWeights>(*m.checkpoint);
  m.model = std::make_unique<Model>(m.checkpoint->config(), *m.weights);
  m.encoder = std::make_unique<TokenizerEncoder>(*m.tokenizer);
  return m;
}

probes::ProbeConfig make_probe_config(const ProfileCliOptions& opt, const ModelConfig& config,
                                      const Tokenizer& tokenizer) {
  probes::ProbeConfig pc;
  pc.lengths_tokens = opt.lengths_tokens.empty() ? default_profile_lengths(config.context_length)
                                                 : opt.lengths_tokens;
  pc.depths = opt.depths.empty() ? default_profile_depths() : opt.depths;
  pc.families.clear();
  bool distractors = false;
  for (const std::string& f : opt.families) {
    if (f == "distractor") {
      distractors = true;
      continue;
    }
    const probes::NeedleFamily fam = probes::parse_family(f);
    if (std::find(pc.families.begin(), pc.families.end(), fam) == pc.families.end()) {
      pc.families.push_back(fam);
    }
  }
  if (pc.families.empty()) {
    throw UsageError(
        "--families names no needle family (surface or logic); 'distractor' only adds "
        "distractor blocks to them");
  }
  pc.n_distractors = distractors ? opt.n_distractors : 0;
  pc.repeats = opt.repeats;
  pc.seed = opt.seed;
  pc.max_new_tokens = opt.max_new_tokens;
  pc.logic_templates = opt.logic_templates;
  if (opt.chat) apply_chat_format(tokenizer, pc);
  pc.surface_span =
      opt.surface_span == "fact" ? probes::SurfaceSpan::kFact : probes::SurfaceSpan::kAnswer;
  for (int64_t len : pc.lengths_tokens) {
    if (config.context_length > 0 && len > config.context_length) {
      throw Error("--lengths: " + std::to_string(len) + " tokens exceed the model's context of " +
                  std::to_string(config.context_length) + " tokens");
    }
  }
  pc.validate();
  return pc;
}

probes::Haystack make_haystack(const ProfileCliOptions& opt) {
  return opt.haystack_files.empty() ? probes::Haystack::builtin()
                                    : probes::Haystack::from_files(opt.haystack_files);
}

void set_threads(int threads) {
  if (threads <= 0) return;
  // The OpenMP team only: the engine keeps OpenBLAS single-threaded itself (every sgemm it makes
  // runs inside that team; engine/ops.hpp, use_single_threaded_blas).
  omp_set_num_threads(threads);
}

std::string default_profile_path(const std::string& model_path) {
  fs::path p(model_path);
  std::string stem = p.has_filename() ? p.stem().string() : p.parent_path().filename().string();
  if (stem.empty()) stem = "model";
  return stem + ".profile.h5";
}

namespace {

// Identifies a run for the resume checkpoint: everything that changes the per-probe values.
std::string run_key(const std::string& fingerprint, const nlohmann::json& probe_config,
                    const profile::ProbeRunnerOptions& ro) {
  Hasher h;
  h.feed("slkv-profile-run-v1");
  h.feed(fingerprint);
  h.feed(probe_config.dump());
  h.feed_u64(static_cast<uint64_t>(ro.max_new_tokens));
  h.feed_u64(ro.teacher_force ? 1 : 0);
  h.feed_u64(ro.stop_at_newline ? 1 : 0);
  h.feed_u64(static_cast<uint64_t>(ro.stats.top_k));
  for (int64_t id : ro.stop_ids) h.feed_u64(static_cast<uint64_t>(id));
  return h.hex();
}

}  // namespace

profile::Profile assemble_profile(const profile::ProfileMeta& meta, const std::string& label_mode,
                                  const std::vector<FinishedProbe>& done,
                                  const ScoringOptions& scoring) {
  profile::Profile prof;
  prof.per_probe = profile::PerProbeStats(meta.n_layers, meta.n_query_heads);
  for (const auto& d : done) prof.per_probe.append(d.record, d.values);
  profile::ScoreOptions so;
  so.logic_variant = profile::parse_logic_variant(scoring.logic_variant);
  so.min_logic_probes = scoring.min_logic_probes;
  prof.scores = profile::compute_scores(prof.per_probe, so);
  profile::LabelOptions lo;
  lo.mode = profile::parse_label_mode(label_mode);
  prof.labels = profile::label_heads(prof.scores, lo);
  if (scoring.bootstrap > 0) {
    prof.confidence = profile::bootstrap_labels(prof.per_probe, so, lo,
                                                {scoring.bootstrap, scoring.bootstrap_seed, 0.95});
  }
  prof.meta = meta;
  return prof;
}

void write_profile_outputs(const std::string& out_path, const profile::Profile& prof,
                           const std::string& lineage_dir) {
  profile::write_profile(out_path, prof);
  if (!lineage_dir.empty()) {
    profile::export_lineage(lineage_dir, prof.per_probe);
    write_importance_json(lineage_dir + "/importance.json", prof);
  }
}

int run_profile(const ProfileCliOptions& opt, const dist::MpiWorld& mpi) {
  const auto t_start = Clock::now();
  set_threads(opt.threads);
  LoadedModel lm = load_model(opt.model_path);
  const ModelConfig& config = lm.model->config();
  const probes::ProbeConfig pc = make_probe_config(opt, config, *lm.tokenizer);
  if (opt.logic_variant == "token" && !opt.teacher_force) {
    throw Error("--logic-variant token needs --teacher-force (it counts teacher-forced steps)");
  }
  const probes::Haystack haystack = make_haystack(opt);
  const nlohmann::json pc_json = probe_config_json(pc, haystack, *lm.encoder);
  const std::string out_path =
      opt.out_path.empty() ? default_profile_path(opt.model_path) : opt.out_path;

  profile::ProbeRunnerOptions ro;
  ro.max_new_tokens = pc.max_new_tokens;
  ro.teacher_force = opt.teacher_force;
  ro.stop_ids = config.stop_ids;
  ro.stats.top_k = opt.top_k;

  const int64_t n_probes = pc.n_probes();
  std::vector<probes::Probe> probe_set = probes::build_probe_set(pc, haystack, *lm.encoder);
  if (!opt.dump_probes_path.empty() && mpi.root()) {
    probes::write_probes_jsonl(opt.dump_probes_path, probe_set);
  }

  // This process's share of the grid (all of it unless --shard or an MPI launch; shard.hpp).
  const ProbeShare share = plan_probe_share(opt, mpi, probe_set, pc.max_new_tokens);
  const auto n_share = static_cast<int64_t>(share.indices.size());
  const std::string key = run_key(lm.checkpoint->fingerprint(), pc_json, ro);
  ResumeStore store(share_resume_dir(out_path, share), share_run_key(key, share),
                    profile::creation_time_utc(), opt.resume);
  std::vector<FinishedProbe> done = store.load(config.n_layers, config.n_heads);
  if (static_cast<int64_t>(done.size()) > n_share) done.resize(static_cast<size_t>(n_share));
  if (!done.empty()) {
    std::cerr << "slkv-profile: resuming after " << done.size() << " of " << n_share
              << " probes from " << store.dir() << "\n";
  }

  Session session(*lm.model);
  const Tokenizer& tok = *lm.tokenizer;
  profile::ProbeRunner runner(
      session, [&tok](std::span<const int32_t> ids) { return tok.decode(ids); }, ro);

  int64_t n_ok = 0;
  for (const auto& d : done) n_ok += d.record.success ? 1 : 0;
  double prefill_s = 0, decode_s = 0, stats_s = 0;
  int64_t prompt_tokens = 0, forward_tokens = 0, n_run = 0;
  Progress progress("profiling", static_cast<uint64_t>(n_share), !opt.quiet && mpi.root());
  progress.advance(done.size());
  for (int64_t i = static_cast<int64_t>(done.size()); i < n_share; ++i) {
    if (opt.stop_after > 0 && n_run >= opt.stop_after) {
      progress.finish();
      std::cerr << "slkv-profile: stopped after " << n_run << " probes (--stop-after); "
                << "checkpoint kept in " << store.dir() << "\n";
      return kExitStopped;
    }
    const probes::Probe& probe =
        probe_set[static_cast<size_t>(share.indices[static_cast<size_t>(i)])];
    profile::ProbeRunResult r = runner.run(probe);
    FinishedProbe f{std::move(r.record), std::move(r.values)};
    store.save(i, f);
    n_ok += f.record.success ? 1 : 0;
    done.push_back(std::move(f));
    prefill_s += r.prefill_seconds;
    decode_s += r.decode_seconds;
    stats_s += r.stats_seconds;
    prompt_tokens += r.n_prompt;
    forward_tokens += r.n_forward_tokens;
    ++n_run;
    progress.set_note(std::to_string(n_ok) + " ok");
    progress.advance();
  }
  progress.finish();

  profile::ProfileMeta meta;
  meta.model_fingerprint = lm.checkpoint->fingerprint();
  meta.model_name = config.name.empty() ? fs::path(opt.model_path).stem().string() : config.name;
  meta.arch = config.arch;
  meta.n_layers = config.n_layers;
  meta.n_query_heads = config.n_heads;
  meta.n_kv_heads = config.n_kv_heads;
  meta.head_dim = config.head_dim;
  meta.context_length = config.context_length;
  meta.tokenizer = lm.encoder->identity();
  meta.probe_config_json = pc_json.dump();
  meta.seed = pc.seed;
  meta.top_k = opt.top_k;
  meta.teacher_forced = opt.teacher_force;
  meta.tool_version = std::string("slkv-profile ") + SLKV_PROFILE_VERSION;
  meta.created_utc = store.created_utc();
  const double probe_s = prefill_s + decode_s + stats_s;
  if (!share.spec.whole() && !share.from_mpi) {  // --shard I/N: a part profile
    write_share_part(out_path, share, n_probes, meta, key, opt.label_mode, done);
    store.remove();
    std::fprintf(stderr, "slkv-profile: share %s: %lld probes run in %.1f s\n",
                 share.spec.str().c_str(), static_cast<long long>(n_run), probe_s);
    std::cout << "part " << share.spec.str() << " (" << n_share << " of " << n_probes
              << " probes: " << dist::format_index_ranges(share.indices) << ") written to "
              << out_path << "\n";
    return kExitOk;
  }
  if (share.from_mpi) {
    std::fprintf(stderr, "slkv-profile: rank %d of %d: %lld probes run in %.1f s\n", mpi.rank(),
                 mpi.size(), static_cast<long long>(n_run), probe_s);
    done = gather_shares(mpi, share, done, n_probes, config.n_layers * config.n_heads);
    if (!mpi.root()) {
      mpi.barrier();  // rank 0 has written the profile: the checkpoints are no longer needed
      store.remove();
      return kExitOk;
    }
  }
  const profile::Profile prof = assemble_profile(
      meta, opt.label_mode, done,
      {opt.logic_variant, opt.min_logic_probes, opt.bootstrap, opt.bootstrap_seed});
  write_profile_outputs(out_path, prof, opt.export_lineage_dir);
  if (share.from_mpi) mpi.barrier();
  store.remove();

  std::cout << profile::profile_summary(prof);
  const double wall = std::chrono::duration<double>(Clock::now() - t_start).count();
  if (n_run > 0) {
    std::fprintf(stderr,
                 "slkv-profile: %lld probes run, %lld prompt tokens; prefill %.1f s (%.0f tok/s), "
                 "decode %.1f s, head statistics %.1f s; %.0f probe tokens/s overall; "
                 "wall %.1f s\n",
                 static_cast<long long>(n_run), static_cast<long long>(prompt_tokens), prefill_s,
                 prompt_tokens / std::max(prefill_s, 1e-9), decode_s, stats_s,
                 forward_tokens / std::max(prefill_s + decode_s + stats_s, 1e-9), wall);
  }
  std::cout << "profile written to " << out_path << "\n";
  if (!opt.export_lineage_dir.empty()) {
    std::cout << "lineage score files written to " << opt.export_lineage_dir << "/\n";
  }
  return kExitOk;
}

}  // namespace slkv::tools
