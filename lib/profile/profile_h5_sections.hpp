#pragma once
// Sections of the profile file shared with other files in the same layout (the part profiles
// of a sharded run, profile_part.hpp): the provenance attributes of the root group and the
// per-probe evidence (/per_probe and /probes). Written in this order, the same values give the
// same bytes whichever file they go into.

#include <hdf5.h>

#include <cstdint>

#include "profile/h5_io.hpp"
#include "profile/per_probe_stats.hpp"
#include "profile/profile_h5.hpp"

namespace slkv::profile::detail {

// Root attributes: schema name `schema`, meta.schema_version, then every ProfileMeta field.
void write_meta(const h5::Io& io, hid_t root, const ProfileMeta& meta, const char* schema);
// Checks the schema name and version (1..max_version) and the head shape.
ProfileMeta read_meta(const h5::Io& io, hid_t root, const char* schema, int max_version);

// The groups /per_probe ([P, L, H] arrays) and /probes (the probe table).
void write_probe_evidence(const h5::Io& io, hid_t file, const PerProbeStats& per_probe);
PerProbeStats read_probe_evidence(const h5::Io& io, hid_t file, int64_t n_layers,
                                  int64_t n_query_heads);

}  // namespace slkv::profile::detail
