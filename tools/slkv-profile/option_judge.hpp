#pragma once
// --judge-options: closed-form logic needles (yes/no, two-way choice, lookups with candidates)
// judged by comparing the options under teacher forcing instead of by the greedy answer. For
// every probe whose needle lists `choices`, each option is fed as the answer (" " + option,
// encoded like the gold answer) and scored by the sum of its tokens' log-probabilities given the
// prompt; the probe counts as solved when the gold option scores highest. Chance is
// 1 / |choices|; the table gives per template the share solved, the chance level and the
// chance-corrected share (p - c) / (1 - c), and the mean margin (gold minus best other, nats).

#include "cli_options.hpp"

namespace slkv::tools {

int run_option_judge(const ProfileCliOptions& opt);

}  // namespace slkv::tools
