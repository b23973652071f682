#!/usr/bin/env python3
"""Tables from bench/compare_llama_cpp.sh's output directory: per model, phase and thread count,
each engine's best tokens/s over the rounds (the rounds alternate which engine runs first, so a
slow stretch of a shared machine hits both), the range over the rounds, and slkv's ratio to
llama.cpp. slkv's f16 cache is the equal-memory comparison (llama.cpp's KV cache is f16).
Also slkv's prefill share of the sgemm peak: its best prefill GFLOP/s (f32 cache) over the
highest 2048^3 sgemm peak any round measured (one round's low peak measurement cannot inflate it),
and, where the runs measured it (slkv_bench_engine --sustained-peak), over the highest sustained
sgemm rate: products back to back for seconds, as long as a prefill, not the best single one.
The fastest single product of those seconds counts as a peak measurement too.

Usage: python3 bench/summarize_compare.py OUT_DIR
Standard library only. Exits 1 when a file cannot be read or a cell is missing from a round.
"""
import pathlib
import re
import sys
from collections import defaultdict

# slkv_bench_engine lines (bench/engine.cpp):
#   prefill 512 1.420 360.6 83.0 87.2% 1.42 (... f32 cache 22.5 MiB, ...)
#   decode 16 0.224 35.79 10.9 11.5% 0.22 (int8, f32 cache, context 512, ...)
SLKV_PREFILL = re.compile(
    r"^prefill\s+(\d+)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+[\d.]+%.*?\b(f32|f16|bf16) cache")
SLKV_PEAK = re.compile(r"highest OpenBLAS sgemm 2048\^3 peak of \d+ measurements?: ([\d.]+) GFLOP/s")
SLKV_SUSTAINED = re.compile(
    r"back to back for [\d.]+ s: ([\d.]+) GFLOP/s sustained \(fastest single product ([\d.]+)\)")
SLKV_DECODE = re.compile(
    r"^decode\s+\d+\s+[\d.]+\s+([\d.]+)\s+.*\((?:int8|exact), (f32|f16|bf16) cache, context (\d+)")
# bench/llama_cpp_engine.py lines:
#   prefill 512 5.344 95.8 (cpu ...)
#   decode 16 0.315 50.71 (at context 512, ...)
LLAMA_PREFILL = re.compile(r"^prefill\s+(\d+)\s+[\d.]+\s+([\d.]+)")
LLAMA_DECODE = re.compile(r"^decode\s+\d+\s+[\d.]+\s+([\d.]+)\s+\(at context (\d+)")
FILE = re.compile(r"^(slkv|llama)-(.+)-t(\d+)(?:-r(\d+))?\.txt$")


def parse(path, engine):
    """{(phase, tokens, column): value}; column is the cache type (slkv), 'llama', 'gflops'
    (slkv prefill, f32 cache), ("peak", 0, "peak") for the run's highest sgemm peak, or
    ("peak", 0, "sustained") for its sustained sgemm rate and ("peak", 0, "single") for the
    fastest product of that span."""
    cells = {}
    for line in path.read_text().splitlines():
        if engine == "slkv":
            m = SLKV_PREFILL.match(line)
            if m:
                n, tps, gflops, kv = int(m[1]), float(m[2]), float(m[3]), m[4]
                cells[("prefill", n, kv)] = tps
                if kv == "f32":
                    cells[("prefill", n, "gflops")] = gflops
                continue
            m = SLKV_PEAK.search(line)
            if m:
                cells[("peak", 0, "peak")] = float(m[1])
                continue
            m = SLKV_SUSTAINED.search(line)
            if m:
                cells[("peak", 0, "sustained")] = float(m[1])
                cells[("peak", 0, "single")] = float(m[2])
                continue
            m = SLKV_DECODE.match(line)
            if m:
                cells[("decode", int(m[3]), m[2])] = float(m[1])
        else:
            m = LLAMA_PREFILL.match(line)
            if m:
                cells[("prefill", int(m[1]), "llama")] = float(m[2])
                continue
            m = LLAMA_DECODE.match(line)
            if m:
                cells[("decode", int(m[2]), "llama")] = float(m[1])
    return cells


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    # (model, threads) -> (phase, tokens, column) -> [values over rounds]
    runs = defaultdict(lambda: defaultdict(list))
    rounds = defaultdict(set)
    for path in sorted(out.iterdir()):
        m = FILE.match(path.name)
        if not m:
            continue
        engine, model, threads, rnd = m[1], m[2], int(m[3]), int(m[4] or 1)
        cells = parse(path, engine)
        if not cells:
            print(f"{path}: no prefill or decode lines (did the run fail?)", file=sys.stderr)
            sys.exit(1)
        rounds[(model, threads)].add(rnd)
        for key, value in cells.items():
            runs[(model, threads)][key].append(value)
    if not runs:
        sys.exit(f"{out}: no slkv-*.txt or llama-*.txt files")
    for (model, threads), cells in sorted(runs.items()):
        n_rounds = len(rounds[(model, threads)])
        peaks = cells.pop(("peak", 0, "peak"), [])
        if len(peaks) != n_rounds:
            sys.exit(f"{model} {threads} threads: a slkv file lacks its sgemm peak line")
        peak = max(peaks + cells.pop(("peak", 0, "single"), []))
        sustained = cells.pop(("peak", 0, "sustained"), [])
        if sustained and len(sustained) != n_rounds:
            sys.exit(f"{model} {threads} threads: only some slkv files have the sustained line")
        print(f"\n{model}, {threads} thread{'s' if threads > 1 else ''}, best of {n_rounds} "
              f"round{'s' if n_rounds > 1 else ''} (range in brackets), tokens/s\n")
        print(f"highest sgemm 2048^3 peak of the rounds: {peak:.1f} GFLOP/s" +
              (f"; highest sustained: {max(sustained):.1f} GFLOP/s" if sustained else "") + "\n")
        print("| phase | slkv f32 cache | slkv f16 cache | llama.cpp (f16) | slkv f16 / llama.cpp "
              "| slkv prefill % of peak |" + (" % of sustained |" if sustained else ""))
        print("|---|---:|---:|---:|---:|---:|" + ("---:|" if sustained else ""))
        phases = sorted({(p, n) for (p, n, _) in cells}, key=lambda k: (k[0] != "prefill", k[1]))
        for phase, n in phases:
            row = []
            for col in ("f32", "f16", "llama"):
                vals = cells.get((phase, n, col), [])
                if len(vals) != n_rounds:
                    print(f"{model} {threads} threads {phase} {n} {col}: {len(vals)} of {n_rounds} "
                          "rounds have this cell", file=sys.stderr)
                    sys.exit(1)
                row.append(vals)
            best = [max(v) for v in row]
            rng = ["" if n_rounds == 1 else f" ({min(v):.1f}-{max(v):.1f})" for v in row]
            gflops = cells.get((phase, n, "gflops"))
            share_s = f"{100 * max(gflops) / peak:.1f} %" if gflops else ""
            sustained_s = ""
            if sustained:
                sustained_s = (f" {100 * max(gflops) / max(sustained):.1f} % |" if gflops
                               else "  |")
            print(f"| {phase} {n:,} | " + " | ".join(f"{b:.1f}{r}" for b, r in zip(best, rng)) +
                  f" | {best[1] / best[2]:.2f}x | {share_s} |" + sustained_s)


if __name__ == "__main__":
    main()
