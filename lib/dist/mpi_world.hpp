#pragma once
// The MPI world of a tool process, when there is one. Built with MPI (SLKV_MPI) and started by
// an MPI launcher (mpirun, mpiexec, srun with PMI), MpiWorld initializes MPI and reports this
// process's rank and the world size; otherwise (a build without MPI, or a plain start) it is a
// world of one and every call is a no-op, so tools use it unconditionally.

#include <string>
#include <vector>

namespace slkv::dist {

// True when this build links MPI.
bool mpi_built();

// True when the environment says an MPI launcher started this process (Open MPI's
// OMPI_COMM_WORLD_SIZE, PMI_SIZE of MPICH/Slurm, PMIX_RANK of PMIx launchers).
bool launched_by_mpi();

class MpiWorld {
 public:
  // Initializes MPI (MPI_THREAD_FUNNELED: OpenMP threads never call MPI) when mpi_built() and
  // launched_by_mpi(). Throws slkv::Error when the launcher started a build without MPI with
  // more than one process (every rank would run the whole grid).
  MpiWorld(int* argc, char*** argv);
  ~MpiWorld();  // MPI_Finalize
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  bool active() const { return active_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }

  // Every rank sends `payload`; rank 0 gets all of them in rank order, the others get {}.
  std::vector<std::string> gather(const std::string& payload) const;
  void barrier() const;
  // Ends every rank of the job (MPI_Abort) with this exit code; a plain exit without MPI.
  [[noreturn]] void abort(int code) const;

 private:
  bool active_ = false;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace slkv::dist
