#include "dist/mpi_world.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "core/error.hpp"

#ifdef SLKV_HAVE_MPI
// The C API only: no MPI C++ bindings (deprecated, and they warn under -Wextra).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace slkv::dist {

namespace {

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : -1;
}

}  // namespace

bool mpi_built() {
#ifdef SLKV_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_mpi() {
  return env_int("OMPI_COMM_WORLD_SIZE") > 0 || env_int("PMI_SIZE") > 0 ||
         std::getenv("PMIX_RANK") != nullptr;
}

#ifdef SLKV_HAVE_MPI

namespace {

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    throw Error(std::string("MPI: ") + what + " failed: " + std::string(msg, len));
  }
}

}  // namespace

MpiWorld::MpiWorld(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  active_ = true;
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

MpiWorld::~MpiWorld() {
  if (active_) MPI_Finalize();
}

std::vector<std::string> MpiWorld::gather(const std::string& payload) const {
  if (!active_) return {payload};
  if (payload.size() > static_cast<size_t>(INT_MAX)) {
    throw Error("MPI gather: a rank's payload exceeds 2 GiB");
  }
  const int n = static_cast<int>(payload.size());
  std::vector<int> sizes(root() ? static_cast<size_t>(size_) : 0);
  check(MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::vector<int> offsets;
  std::string all;
  if (root()) {
    long long total = 0;
    for (int s : sizes) {
      offsets.push_back(static_cast<int>(total));
      total += s;
    }
    if (total > INT_MAX) throw Error("MPI gather: the gathered results exceed 2 GiB");
    all.resize(static_cast<size_t>(total));
  }
  check(MPI_Gatherv(payload.data(), n, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR,
                    0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  std::vector<std::string> out;
  for (size_t r = 0; r < sizes.size(); ++r) {
    out.push_back(all.substr(static_cast<size_t>(offsets[r]), static_cast<size_t>(sizes[r])));
  }
  return out;
}

void MpiWorld::barrier() const {
  if (active_) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

void MpiWorld::abort(int code) const {
  if (active_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else  // !SLKV_HAVE_MPI

MpiWorld::MpiWorld(int*, char***) {
  const int n = std::max(env_int("OMPI_COMM_WORLD_SIZE"), env_int("PMI_SIZE"));
  if (n > 1) {
    throw Error("started by an MPI launcher with " + std::to_string(n) +
                " processes, but this build has no MPI support (configure with -DSLKV_MPI=ON); "
                "use --shard I/N for each process instead");
  }
}

MpiWorld::~MpiWorld() = default;

std::vector<std::string> MpiWorld::gather(const std::string& payload) const { return {payload}; }

void MpiWorld::barrier() const {}

void MpiWorld::abort(int code) const { std::exit(code); }

#endif

}  // namespace slkv::dist
