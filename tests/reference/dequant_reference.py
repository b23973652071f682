#!/usr/bin/env python3
"""Golden files for slkv's dequantization, produced by gguf-py (the `gguf` package on PyPI).

  synthetic: for every supported type, a handful of hand-made blocks (extreme, subnormal, inf and
             NaN f16 scales; all-zero and all-one scale/quant bytes; random bytes) plus a long
             pseudo-random block stream (splitmix64, reproducible in C++), dequantized with
             gguf.quants.dequantize. Writes tests/data/dequant/synthetic/<TYPE>.json.
  models:    for every tensor of each GGUF model: name, type, absolute data offset, byte size,
             shape (PyTorch order) and XXH3-128 plus float64 sum of gguf-py's dequantized f32
             bytes (little-endian, row-major). Writes tests/data/dequant/<model file stem>.json.

The C++ tests (tests/model/quant_test.cpp) recompute the same hashes with slkv::Hasher.

Usage (from the repository root):
  /opt/slkv-ref/bin/python tests/reference/dequant_reference.py synthetic
  /opt/slkv-ref/bin/python tests/reference/dequant_reference.py models \
      ~/.cache/slkv/models/SmolLM2-135M-Instruct.Q4_1.gguf ~/.cache/slkv/models/gemma-3-270m-q4_k_m.gguf
"""

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np
import xxhash
from importlib.metadata import version

import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize

OUT_DIR = Path(__file__).resolve().parents[1] / "data" / "dequant"

# type -> byte offsets of its f16 scale fields (d first, then m/dmin where it exists)
SCALE_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}
# type -> (offset, length) of its packed sub-block scales, quant bytes are everything else
SUB_SCALES = {T.Q2_K: (0, 16), T.Q3_K: (96, 12), T.Q4_K: (4, 12), T.Q5_K: (4, 12),
              T.Q6_K: (192, 16)}
# f16 bit patterns: zeros, smallest/largest subnormal, smallest normal, largest finite, +-inf,
# quiet and signalling NaNs, +-1
SPECIAL_F16 = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00,
               0x7E00, 0x7C01, 0xFE00, 0x3C00, 0xBC00]
STREAM_BLOCKS = {32: 8192, 256: 1024}  # block elements -> blocks in the pseudo-random stream
M64 = (1 << 64) - 1


def splitmix64_bytes(seed: int, n_bytes: int) -> np.ndarray:
    """Bytes of the counter-based splitmix64 stream: u64 i = mix(seed + (i+1)*golden), LE."""
    n = (n_bytes + 7) // 8
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z.astype("<u8").view(np.uint8)[:n_bytes].copy()


def stream_seed(qtype: T) -> int:
    return 0x51C0DE00 + int(qtype)


def xxh128(a: np.ndarray) -> str:
    return xxhash.xxh3_128_hexdigest(np.ascontiguousarray(a).astype("<f4").tobytes())


def xxh128_nan_canonical(a: np.ndarray) -> str:
    bits = np.ascontiguousarray(a).astype("<f4").view("<u4").copy()
    bits[np.isnan(a.astype(np.float32))] = 0x7FC00000
    return xxhash.xxh3_128_hexdigest(bits.tobytes())


def two_nan_blocks(raw: np.ndarray, qtype: T) -> int:
    """Blocks where y = a - b or a + b may meet two NaN operands (d and m/dmin both non-finite).
    IEEE 754 leaves open which input NaN's payload such a result carries, and numpy is not even
    consistent across the lanes of one block, so for these only the NaN positions are golden."""
    fields = SCALE_FIELDS[qtype]
    if len(fields) < 2:
        return 0
    _, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    blocks = raw.reshape(-1, block_bytes)
    f = [blocks[:, o:o + 2].copy().view("<u2").reshape(-1) for o in fields]
    nonfinite = [(x & 0x7C00) == 0x7C00 for x in f]
    return int(np.count_nonzero(nonfinite[0] & nonfinite[1]))


def provenance(command: str) -> dict:
    return {
        "generated_by": command,
        "versions": {"gguf": version("gguf"), "numpy": np.__version__,
                     "xxhash": xxhash.VERSION, "python": platform.python_version()},
        "machine": platform.machine(),
    }


def handmade_blocks(qtype: T, rng: np.random.Generator) -> np.ndarray:
    block_elems, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    fields = SCALE_FIELDS[qtype]
    n_special = len(SPECIAL_F16)
    n_blocks = n_special * len(fields) + 8
    blocks = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)
    normal = lambda: np.float16(rng.uniform(-2.0, 2.0)).view(np.uint16)  # noqa: E731
    row = 0
    for k, off in enumerate(fields):
        for bits in SPECIAL_F16:
            for other in fields:  # keep the other scale field finite so the special one shows
                blocks[row, other:other + 2] = np.array([normal()], "<u2").view(np.uint8)
            blocks[row, off:off + 2] = np.array([bits], "<u2").view(np.uint8)
            row += 1
    # pattern blocks with d = 1 (and m/dmin = 0.5): quant bytes and sub-block scales at extremes
    for qbyte in (0x00, 0xFF):
        for sbyte in (0x00, 0xFF, 0x80, 0x7F):
            if row == n_blocks:
                break
            blocks[row, :] = qbyte
            if qtype in SUB_SCALES:
                o, n = SUB_SCALES[qtype]
                blocks[row, o:o + n] = sbyte
            blocks[row, fields[0]:fields[0] + 2] = np.array([0x3C00], "<u2").view(np.uint8)
            if len(fields) > 1:
                blocks[row, fields[1]:fields[1] + 2] = np.array([0x3800], "<u2").view(np.uint8)
            row += 1
    return blocks[:row]


def synthetic(args) -> None:
    out = OUT_DIR / "synthetic"
    out.mkdir(parents=True, exist_ok=True)
    command = "tests/reference/dequant_reference.py synthetic"
    rng = np.random.default_rng(20250815)
    for qtype in SCALE_FIELDS:
        block_elems, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
        blocks = handmade_blocks(qtype, rng)
        y = dequantize(blocks.reshape(-1), qtype)  # [n_blocks * block_elems]
        n_stream = STREAM_BLOCKS[block_elems]
        raw = splitmix64_bytes(stream_seed(qtype), n_stream * block_bytes)
        ys = dequantize(raw, qtype)
        doc = provenance(command) | {
            "type": qtype.name,
            "type_id": int(qtype),
            "handmade": {
                "n_blocks": int(blocks.shape[0]),
                "raw_hex": blocks.tobytes().hex(),
                "block_f32_xxh3_128": [xxh128(b) for b in y.reshape(blocks.shape[0], -1)],
                "f32_xxh3_128": xxh128(y),
            },
            "stream": {"seed": stream_seed(qtype), "n_blocks": n_stream, "f32_xxh3_128": xxh128(ys),
                       "two_nan_blocks": two_nan_blocks(raw, qtype),
                       "f32_nan_canonical_xxh3_128": xxh128_nan_canonical(ys)},
        }
        (out / f"{qtype.name}.json").write_text(json.dumps(doc, indent=1) + "\n")
        print(f"{qtype.name}: {blocks.shape[0]} handmade blocks, {n_stream} stream blocks")
    # float types: every f16 / bf16 bit pattern in order; f32 raw bits from the stream
    all_u16 = np.arange(65536, dtype=np.uint32).astype("<u2")
    floats = {
        "F16": dequantize(all_u16.view(np.uint8), T.F16),
        "BF16": dequantize(all_u16.view(np.uint8), T.BF16),
        "F32": dequantize(splitmix64_bytes(stream_seed(T.F32), 4 * 65536), T.F32),
    }
    doc = provenance(command) | {
        "inputs": "F16/BF16: all 65536 u16 bit patterns in increasing order, little-endian; "
                  "F32: 65536 values from the splitmix64 stream with seed stream.seed",
        "types": {name: {"n_elements": 65536, "f32_xxh3_128": xxh128(v)}
                  for name, v in floats.items()},
        "stream": {"seed": stream_seed(T.F32)},
    }
    (out / "float.json").write_text(json.dumps(doc, indent=1) + "\n")


def models(args) -> None:
    command = "tests/reference/dequant_reference.py models " + " ".join(
        "$SLKV_MODELS/" + Path(p).name for p in args.gguf)
    for path in args.gguf:
        reader = gguf.GGUFReader(path)
        tensors = []
        for t in reader.tensors:
            y = dequantize(t.data, t.tensor_type)
            shape = [int(d) for d in reversed(t.shape.tolist())]
            assert y.size == int(np.prod(shape))
            tensors.append({
                "name": t.name, "type": t.tensor_type.name, "type_id": int(t.tensor_type),
                "offset": int(t.data_offset), "n_bytes": int(t.n_bytes), "shape": shape,
                "f32_xxh3_128": xxh128(y), "f32_sum": float(np.sum(y, dtype=np.float64)),
            })
            print(f"{Path(path).name}: {t.name} {t.tensor_type.name} {shape}", file=sys.stderr)
        doc = provenance(command) | {
            "model_file": Path(path).name, "file_bytes": os.path.getsize(path), "tensors": tensors}
        dest = OUT_DIR / (Path(path).stem + ".json")
        dest.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {dest} ({len(tensors)} tensors)")


def main() -> None:
    np.seterr(all="ignore")  # inf/NaN scales are deliberate in the synthetic blocks
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("synthetic").set_defaults(fn=synthetic)
    m = sub.add_parser("models")
    m.add_argument("gguf", nargs="+")
    m.set_defaults(fn=models)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
