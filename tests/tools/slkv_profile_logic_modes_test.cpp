// slkv-profile's issue-11 modes end to end on a tiny random model (tiny_profile_model.hpp):
// --judge-options scores every option of every closed-form needle and counts a probe as solved
// exactly when its gold option scores highest; --ablate-rank dissociation masks the top K by
// S_logic and by S_surface of the profile against the same random draws.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>

#include "model/temp_dir.hpp"
#include "profile/profile_h5.hpp"
#include "tools/tiny_profile_model.hpp"
#include "tools/tool_run.hpp"

namespace slkv {
namespace {

using slkv::test::ToolRun;

ToolRun profile_tool(const std::string& args) {
  const std::string cmd = std::string("OMP_NUM_THREADS=1 ") + SLKV_PROFILE_BIN + " " + args;
  return test::run_shell(cmd);
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f);
}

class LogicModes : public ::testing::Test {
 protected:
  void SetUp() override { model_ = dir_.write("tiny.gguf", test::tiny_profile_gguf()); }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }
  test::TempDir dir_{"profile-logic-modes"};
  std::string model_;
};

TEST_F(LogicModes, JudgeOptionsSolvesExactlyWhenGoldScoresHighest) {
  for (const char* set : {"v2", "v3"}) {
    const std::string out = path(std::string("judge-") + set + ".json");
    const ToolRun r = profile_tool(model_ + " --judge-options --families logic --logic-templates " +
                                   set + " --lengths 900 --depths 0,1 --repeats 6 --threads 1 -q " +
                                   "--ablate-out " + out);
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("all closed forms"), std::string::npos) << r.out;
    const auto doc = read_json(out);
    int n = 0, solved = 0;
    for (const auto& p : doc.at("probes")) {
      const auto& scores = p.at("option_log_prob");
      ASSERT_GE(scores.size(), 2u);
      ASSERT_TRUE(scores.contains(p.at("answer").get<std::string>()));
      const double gold = scores.at(p.at("answer").get<std::string>()).get<double>();
      bool highest = true;
      for (const auto& [option, lp] : scores.items()) {
        EXPECT_LE(lp.get<double>(), 0.0);  // a log-probability
        if (option != p.at("answer").get<std::string>() && lp.get<double>() >= gold) {
          highest = false;
        }
      }
      EXPECT_EQ(p.at("solved").get<bool>(), highest);
      ++n;
      solved += highest ? 1 : 0;
    }
    ASSERT_GT(n, 0);
    const auto& all = doc.at("by_template").at("all closed forms");
    EXPECT_EQ(all.at("n").get<int>(), n);
    EXPECT_EQ(all.at("solved").get<int>(), solved);
    EXPECT_DOUBLE_EQ(all.at("chance").get<double>(), 0.5);  // every closed form has 2 options
  }
  // A probe set without closed forms is refused with a reason.
  const ToolRun none = profile_tool(model_ + " --judge-options --families surface --lengths 900 " +
                                    "--depths 0 --threads 1 -q");
  EXPECT_NE(none.rc, 0);
  EXPECT_NE(none.out.find("no closed-form needle"), std::string::npos) << none.out;
}

TEST_F(LogicModes, DissociationMasksBothRankingsAgainstTheSameRandomDraws) {
  const std::string prof = path("p.h5");
  ToolRun r = profile_tool(model_ +
                           " --lengths 640 --depths 0,0.5,1 --families surface,logic,distractor "
                           "--distractors 1 --max-new 3 --threads 1 -q --teacher-force "
                           "--logic-variant token --out " +
                           prof);
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string out = path("dis.json");
  r = profile_tool(model_ + " --ablate " + prof +
                   " --ablate-rank dissociation --teacher-force --families surface,logic "
                   "--lengths 640 --depths 0,1 --seed 1 --ablate-k 0,2 --ablate-draws 3 "
                   "--threads 1 -q --ablate-out " +
                   out);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("double dissociation"), std::string::npos) << r.out;
  const auto doc = read_json(out);
  const profile::Profile p = profile::read_profile(prof);
  const auto order_of = [](const std::vector<float>& s) {
    std::vector<int64_t> order(s.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return s[a] > s[b]; });
    return order;
  };
  const auto name = [](int64_t h) {  // appended piece by piece (GCC 12 -Wrestrict false alarm)
    std::string n = "L";
    n += std::to_string(h / 4);
    n += 'H';
    n += std::to_string(h % 4);
    return n;
  };
  const std::vector<int64_t> by_logic = order_of(p.scores.logic),
                             by_surface = order_of(p.scores.surface);
  const auto top2 = [&](const std::vector<int64_t>& order) {
    return std::vector<std::string>{name(order[0]), name(order[1])};
  };
  // The top 2 of one ranking among the heads outside the other ranking's top 2.
  const auto disjoint2 = [&](const std::vector<int64_t>& order, const std::vector<int64_t>& other) {
    std::vector<std::string> names;
    for (int64_t h : order) {
      if (h == other[0] || h == other[1]) continue;
      names.push_back(name(h));
      if (names.size() == 2) break;
    }
    return names;
  };
  const auto& probes = doc.at("probes");
  ASSERT_EQ(probes.size(), doc.at("n_probes").get<size_t>());
  std::map<std::string, std::vector<double>> metric;  // kind -> per-probe metric (K = 2)
  std::vector<double> random_mean(probes.size(), 0.0);
  int n_none = 0, n_random = 0;
  for (const auto& c : doc.at("results")) {
    const std::string kind = c.at("kind");
    const auto heads = c.at("heads").get<std::vector<std::string>>();
    ASSERT_TRUE(c.at("by_family").contains("logic") && c.at("by_family").contains("surface"));
    const auto values = c.at("probe_metric").get<std::vector<double>>();
    ASSERT_EQ(values.size(), probes.size());
    if (c.at("k") == 0) {
      ++n_none;
      EXPECT_TRUE(heads.empty());
      continue;
    }
    metric[kind] = values;
    if (kind == "top_logic") {
      EXPECT_EQ(heads, top2(by_logic));
    } else if (kind == "top_surface") {
      EXPECT_EQ(heads, top2(by_surface));
    } else if (kind == "disjoint_logic") {
      EXPECT_EQ(heads, disjoint2(by_logic, by_surface));
    } else if (kind == "disjoint_surface") {
      EXPECT_EQ(heads, disjoint2(by_surface, by_logic));
    } else {
      EXPECT_EQ(kind, "random");
      EXPECT_EQ(heads.size(), 2u);
      for (size_t i = 0; i < values.size(); ++i) random_mean[i] += values[i] / 3;
      ++n_random;
    }
  }
  EXPECT_EQ(n_none, 1);
  EXPECT_EQ(n_random, 3);
  EXPECT_EQ(metric.size(), 5u);  // top and disjoint sets of both scores, random
  // The contrasts are the paired means of the per-probe metrics, and the verdict follows the
  // intervals.
  const auto& contrasts = doc.at("contrasts");
  ASSERT_EQ(contrasts.size(), 2u);
  for (const auto& c : contrasts) {
    const std::string sets = c.at("sets");
    const auto& l = metric.at(sets + "_logic");
    const auto& s = metric.at(sets + "_surface");
    double logic_other = 0, logic_random = 0, surface_other = 0, surface_random = 0;
    int n_logic = 0, n_surface = 0;
    for (size_t i = 0; i < probes.size(); ++i) {
      if (probes[i].at("family") == "logic") {
        logic_other += l[i] - s[i];
        logic_random += l[i] - random_mean[i];
        ++n_logic;
      } else {
        surface_other += s[i] - l[i];
        surface_random += s[i] - random_mean[i];
        ++n_surface;
      }
    }
    ASSERT_GT(n_logic, 0);
    ASSERT_GT(n_surface, 0);
    const auto& lp = c.at("logic_probes");
    const auto& sp = c.at("surface_probes");
    EXPECT_NEAR(lp.at("vs_other_set").at("mean").get<double>(), logic_other / n_logic, 1e-9);
    EXPECT_NEAR(lp.at("vs_random").at("mean").get<double>(), logic_random / n_logic, 1e-9);
    EXPECT_NEAR(sp.at("vs_other_set").at("mean").get<double>(), surface_other / n_surface, 1e-9);
    EXPECT_NEAR(sp.at("vs_random").at("mean").get<double>(), surface_random / n_surface, 1e-9);
    for (const auto* x : {&lp.at("vs_other_set"), &lp.at("vs_random"), &sp.at("vs_other_set"),
                          &sp.at("vs_random")}) {
      EXPECT_LE(x->at("ci")[0].get<double>(), x->at("mean").get<double>());
      EXPECT_GE(x->at("ci")[1].get<double>(), x->at("mean").get<double>());
    }
    const bool lhalf = lp.at("vs_other_set").at("ci")[1].get<double>() < 0;
    const bool shalf = sp.at("vs_other_set").at("ci")[1].get<double>() < 0;
    EXPECT_EQ(c.at("verdict"), lhalf && shalf ? "double dissociation"
                               : lhalf        ? "logic half only"
                               : shalf        ? "surface half only"
                                              : "none");
  }
  EXPECT_NE(r.out.find("contrasts, paired over probes"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace slkv
