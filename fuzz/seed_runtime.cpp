// Writes seed inputs for the profile, plan and resume-checkpoint fuzz targets: a checksummed
// fixture profile, sample plans in both budget modes, and a resume checkpoint entry.
// Usage: fuzz_seed_runtime PROFILE_DIR PLAN_DIR RESUME_DIR

#include <fstream>
#include <string>

#include "profile/fixture_profile.hpp"
#include "profile/profile_h5.hpp"
#include "resume.hpp"
#include "runtime/plan_fixture.hpp"
#include "runtime/plan_json.hpp"

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const std::string profile_dir = argv[1], plan_dir = argv[2], resume_dir = argv[3];
  slkv::profile::write_profile(profile_dir + "/fixture.h5", slkv::test::fixture_profile(2, 2, 3));
  using slkv::runtime::BudgetMode;
  write(plan_dir + "/tokens.json", slkv::runtime::plan_to_json(slkv::test::sample_plan()));
  write(plan_dir + "/ratio.json",
        slkv::runtime::plan_to_json(slkv::test::sample_plan(BudgetMode::kRatio)));
  slkv::tools::FinishedProbe p;
  p.record.answer = "42";
  p.record.output = "42.";
  p.values.n_steps = 2;
  p.values.n_needle_tokens = 5;
  for (auto* f : {&p.values.copy_count, &p.values.surface, &p.values.logic,
                  &p.values.retrieval_reasoning, &p.values.dist, &p.values.ignore, &p.values.wtp,
                  &p.values.wfp, &p.values.wfn, &p.values.wtn}) {
    f->assign(6, 0.25f);
  }
  for (auto* f : {&p.values.tp, &p.values.fp, &p.values.fn, &p.values.tn}) f->assign(6, 1);
  const std::string entry = slkv::tools::format_checkpoint_entry(p, "fuzz-run");
  write(resume_dir + "/entry.json", entry);
  write(resume_dir + "/body.json", entry.substr(entry.find('\n') + 1));
  return 0;
}
