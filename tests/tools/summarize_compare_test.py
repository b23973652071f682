#!/usr/bin/env python3
"""bench/summarize_compare.py on a synthetic comparison directory: best of the rounds per cell,
the share of the highest sgemm peak (the sustained span's fastest product included) and of the
highest sustained rate, and a refusal when only some rounds carry the sustained line.

Usage: summarize_compare_test.py SOURCE_DIR   (standard library only)
"""
import pathlib
import subprocess
import sys
import tempfile


def slkv_file(gflops_512, peak, sustained=None):
    lines = [
        f"prefill 512 1.000 300.0 {gflops_512} 80.0% 1.00 (streamed (own GEMM) weights, tile avx2 "
        "attention, f32 cache 22.5 MiB, 300 tokens per CPU second)",
        "prefill 512 1.000 310.0 70.0 80.0% 1.00 (streamed (own GEMM) weights, tile avx2 "
        "attention, f16 cache 11.2 MiB, 310 tokens per CPU second)",
        "decode 64 1.000 60.0 10.0 11.5% 1.00 (int8, f32 cache, context 512, 60 tokens)",
        "decode 64 1.000 70.0 10.0 11.5% 1.00 (int8, f16 cache, context 512, 70 tokens)",
        f"load average at the end 1.00; highest OpenBLAS sgemm 2048^3 peak of 3 measurements: "
        f"{peak} GFLOP/s ({peak} per CPU second x threads)",
    ]
    if sustained:
        lines.append(f"OpenBLAS sgemm 2048^3 back to back for 5.0 s: {sustained[0]} GFLOP/s "
                     f"sustained (fastest single product {sustained[1]})")
    return "\n".join(lines) + "\n"


LLAMA = ("prefill 512 5.000 100.0 (cpu 5.0 s)\n"
         "decode 64 1.000 50.0 (at context 512, cpu 1.0 s)\n")


def run(script, directory):
    return subprocess.run([sys.executable, str(script), str(directory)], capture_output=True,
                          text=True, check=False)


def main():
    script = pathlib.Path(sys.argv[1]) / "bench" / "summarize_compare.py"
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp)
        # Round 1: 72 GFLOP/s against a pre-round peak of 80, its sustained span 75 with a fastest
        # product of 90. Round 2: 60 GFLOP/s, peak 85, sustained 70 (fastest 84).
        (out / "slkv-M-t1-r1.txt").write_text(slkv_file(72.0, 80.0, (75.0, 90.0)))
        (out / "slkv-M-t1-r2.txt").write_text(slkv_file(60.0, 85.0, (70.0, 84.0)))
        for r in (1, 2):
            (out / f"llama-M-t1-r{r}.txt").write_text(LLAMA)
        got = run(script, out)
        if got.returncode != 0:
            failures.append(f"exit {got.returncode}: {got.stderr}")
        text = got.stdout
        # Peak: max(80, 85, 90, 84) = 90 -> 72 / 90 = 80.0 %; sustained: 72 / 75 = 96.0 %.
        for want in ("highest sgemm 2048^3 peak of the rounds: 90.0 GFLOP/s; highest sustained: "
                     "75.0 GFLOP/s", "| prefill 512 | 300.0 (300.0-300.0) | 310.0 (310.0-310.0) "
                     "| 100.0 (100.0-100.0) | 3.10x | 80.0 % | 96.0 % |",
                     "| decode 512 | 60.0 (60.0-60.0) | 70.0 (70.0-70.0) | 50.0 (50.0-50.0) | "
                     "1.40x |  |  |"):
            if want not in text:
                failures.append(f"missing {want!r} in:\n{text}")
        # Without the sustained lines: no second share column, the pre-round peak alone.
        for r, g, p in ((1, 72.0, 80.0), (2, 60.0, 85.0)):
            (out / f"slkv-M-t1-r{r}.txt").write_text(slkv_file(g, p))
        text = run(script, out).stdout
        if "| 3.10x | 84.7 % |\n" not in text or "sustained" in text:
            failures.append(f"without sustained lines:\n{text}")
        # Only one round with the sustained line: refused, naming the cell.
        (out / "slkv-M-t1-r1.txt").write_text(slkv_file(72.0, 80.0, (75.0, 90.0)))
        got = run(script, out)
        if got.returncode == 0 or "only some slkv files have the sustained line" not in got.stderr:
            failures.append(f"partial sustained lines accepted: {got.returncode} {got.stderr}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
