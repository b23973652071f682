#!/usr/bin/env python3
"""Where a prefill's CPU time goes, by engine function, from a perf recording with call graphs.

Record (OMP_WAIT_POLICY=active, so threads waiting at an OpenMP barrier are sampled in libgomp
instead of sleeping unseen):

    OMP_WAIT_POLICY=active OMP_NUM_THREADS=2 perf record -F 500 --call-graph dwarf,16384 \
        -o perf.data build-m/bench/slkv_bench_engine MODEL --prefill 2048 --decode-context 0 \
        --rounds 0 --prefill-rounds 2 --kv-type f32
    perf script -i perf.data -F tid,time,ip,sym,dso > perf.txt
    python3 bench/perf_split.py perf.txt

Only samples inside the prefills count: the time windows in which the main thread (lowest thread
id) is under slkv::Session::run_batch, gaps under 50 ms joined, for every thread. Each sample is
charged to the innermost slkv:: frame of its stack (OpenBLAS and libc work lands on the slkv
function that called it); a sample whose top frame is in libgomp, the kernel or a sched_yield is
"WAIT <that function>" (a barrier or the end of a parallel loop), or "WAIT dock" outside any
slkv frame (a worker between parallel regions).
"""

import collections
import signal
import sys


def read_samples(path):
    samples, cur = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                if cur:
                    samples.append(cur)
                cur = None
            elif not line.startswith("\t"):
                fields = line.split()
                cur = (int(fields[0]), float(fields[1].rstrip(":")), [])
            elif cur is not None:
                parts = line.strip().split(None, 1)
                cur[2].append(parts[1] if len(parts) > 1 else "?")
    if cur:
        samples.append(cur)
    return samples


def prefill_windows(samples, main_tid):
    times = sorted(t for tid, t, stack in samples
                   if tid == main_tid and any("Session::run_batch" in f for f in stack))
    if not times:
        sys.exit("no samples under slkv::Session::run_batch: was perf script run with "
                 "-F tid,time,ip,sym,dso on a recording with --call-graph dwarf?")
    windows, start, prev = [], times[0], times[0]
    for t in times[1:]:
        if t - prev > 0.05:
            windows.append((start, prev))
            start = t
        prev = t
    windows.append((start, prev))
    return windows


def charge(stack):
    slkv = [f.split(" (")[0] for f in stack if "slkv::" in f]
    name = slkv[0][:70] if slkv else "dock"
    top = stack[0]
    if "libgomp" in top or "sched" in top or "kallsyms" in top:
        return "WAIT " + name
    return name


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    samples = read_samples(sys.argv[1])
    main_tid = min(tid for tid, _, _ in samples)
    windows = prefill_windows(samples, main_tid)
    inside = [s for s in samples if any(a <= s[1] <= b for a, b in windows)]
    counts = collections.Counter(charge(stack) for _, _, stack in inside)
    print(f"{len(windows)} prefill window(s), {sum(b - a for a, b in windows):.2f} s; "
          f"{len(inside)} samples of {len({s[0] for s in inside})} thread(s)")
    for name, n in counts.most_common(25):
        print(f"{n:7d} {100.0 * n / len(inside):5.1f} %  {name}")


if __name__ == "__main__":
    main()
