#pragma once
// An exception must never leave an OpenMP region: the runtime calls std::terminate (SIGABRT,
// "terminate called ..."). Every parallel loop whose body can throw runs it through a guard;
// the first exception is kept, the remaining iterations are skipped, and the caller rethrows
// it after the region, where the tools turn it into a message and an exit status.
//
//   ParallelGuard guard;
//   #pragma omp parallel for
//   for (int64_t i = 0; i < n; ++i) guard.run([&] { body(i); });
//   guard.rethrow();

#include <atomic>
#include <exception>
#include <mutex>

namespace slkv {

class ParallelGuard {
 public:
  template <class F>
  void run(F&& body) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      body();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
  // True once a body has thrown (every thread sees it after a barrier).
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // Rethrows the first exception a body threw, if any. Call after the parallel region.
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace slkv
