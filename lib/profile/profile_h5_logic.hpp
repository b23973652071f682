#pragma once
// The optional parts of the profile file added with the logic half (issue 11,
// docs/profile-format.md): the token-level logic values, the probe table's template, chance
// level and token counts, the variant that made S_logic, and the label confidence (bootstrap).
// The reader accepts files without any of them (profiles written before), leaving the defaults.

#include <hdf5.h>

#include "profile/h5_io.hpp"
#include "profile/profile_h5.hpp"

namespace slkv::profile {

// Per-probe extras of the logic templates (per_probe/logic_token, probes/template, chance,
// n_token_ok): also carried by part files (profile_part.*) so merges keep them.
void write_probe_extras(const h5::Io& io, hid_t file, const PerProbeStats& pp);
void read_probe_extras(const h5::Io& io, hid_t file, PerProbeStats& pp);
void write_logic_extras(const h5::Io& io, hid_t file, const Profile& p);
void read_logic_extras(const h5::Io& io, hid_t file, Profile& p);

}  // namespace slkv::profile
