#pragma once
// Threading defaults that hold up on a busy machine. libgomp reads OMP_WAIT_POLICY and
// GOMP_SPINCOUNT once, when it is loaded (before main), and by default a thread that waits at
// a barrier spins for up to 300,000 iterations; with more runnable threads than cores (a shared
// machine) the spinning threads steal the cores the working ones need. A tool that wants a
// different default must therefore set it and re-execute itself before any OpenMP work.
//
// apply_thread_defaults does that: when the environment sets neither OMP_WAIT_POLICY nor
// GOMP_SPINCOUNT, it sets OMP_WAIT_POLICY=passive (waiting threads sleep on a futex at once;
// the best of the settings measured in docs/benchmarks.md, "Threading under load") and
// re-executes
// /proc/self/exe with the same arguments, once (SLKV_THREAD_DEFAULTS=1 marks the second
// start). Any setting of those variables by the user is kept as it is. Call it first thing in
// main; it returns (doing nothing more) when nothing is to be done or the exec fails.

namespace slkv {

void apply_thread_defaults(char** argv);

}  // namespace slkv
