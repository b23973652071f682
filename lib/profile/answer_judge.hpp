#pragma once
// The success test of a probe's answer, by answer form (probes::Needle::answer_form):
//   yesno   the first word of the normalised answer is the gold "yes" or "no"
//           ("Yes, Mara is older." counts; "Mara is older." does not);
//   composed the normalised answer contains the gold's words as one run ("Leona Okafor" and
//           "It is Leona Okafor." count; "Leona" and "Okafor Leona" do not);
//   choice, or any form with candidates (two-hop and elimination lookups): the normalised
//           answer names the gold option and no other option ("Mara" and "Mara is older"
//           count; "Mara or Theo" does not);
//   other   METHOD.md section 2 (probe_succeeded: token F1 >= 0.5, or ROUGE-1 recall >= 0.5 for
//           surface needles).
// Token F1 would pass "Mara or Theo" (F1 0.5) and fail "Yes, Mara is older" (F1 0.4), so the
// closed forms get a test that cannot be met by listing the options.

#include <string>
#include <string_view>
#include <vector>

#include "probes/family.hpp"

namespace slkv::profile {

bool answer_correct(probes::NeedleFamily family, std::string_view answer_form,
                    const std::vector<std::string>& choices, std::string_view prediction,
                    std::string_view gold);

// Chance-corrected success (p - c) / (1 - c) for a success rate p and chance level c < 1
// (Cohen-style; 0 at chance, 1 when always right, negative below chance).
double chance_corrected(double success_rate, double chance);

}  // namespace slkv::profile
