#!/usr/bin/env python3
"""Golden GGUF metadata and tensor index for the two test models, read with gguf-py.

An independent reader (gguf-py's GGUFReader, from the `gguf` package on PyPI) gives the
reference for slkv's C++ GGUF reader: for every metadata key its value type and, for scalars,
its value (arrays: element type and length only), and for every tensor its name, ggml type id,
shape in PyTorch order (GGUF ne reversed) and absolute data offset.

Usage: python tests/reference/gguf_metadata_reference.py [MODELS_DIR] > OUT.json
The C++ test tests/model/gguf_real_test.cpp compares against
tests/reference/golden/gguf_metadata.json.
"""
import json
import os
import sys
from importlib.metadata import version

import numpy as np
from gguf import GGUFReader, GGUFValueType

MODELS = {
    "smollm2-135m": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "gemma3-270m": "gemma-3-270m-q4_k_m.gguf",
}

TYPE_NAMES = {
    GGUFValueType.UINT8: "u8", GGUFValueType.INT8: "i8", GGUFValueType.UINT16: "u16",
    GGUFValueType.INT16: "i16", GGUFValueType.UINT32: "u32", GGUFValueType.INT32: "i32",
    GGUFValueType.FLOAT32: "f32", GGUFValueType.BOOL: "bool", GGUFValueType.STRING: "string",
    GGUFValueType.ARRAY: "array", GGUFValueType.UINT64: "u64", GGUFValueType.INT64: "i64",
    GGUFValueType.FLOAT64: "f64",
}


def scalar_value(field):
    vtype = field.types[0]
    part = field.parts[field.data[0]]
    if vtype == GGUFValueType.STRING:
        return bytes(part).decode("utf-8")
    value = part[0]
    if vtype == GGUFValueType.BOOL:
        return bool(value)
    if vtype in (GGUFValueType.FLOAT32, GGUFValueType.FLOAT64):
        return float(value)  # f32 -> double is exact
    return int(value)


def describe(path):
    reader = GGUFReader(path)
    metadata = {}
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):  # header pseudo-fields of GGUFReader
            continue
        vtype = field.types[0]
        entry = {"type": TYPE_NAMES[vtype]}
        if vtype == GGUFValueType.ARRAY:
            entry["element_type"] = TYPE_NAMES[field.types[-1]] if len(field.types) > 1 else "u8"
            entry["count"] = len(field.data)
        else:
            entry["value"] = scalar_value(field)
        metadata[name] = entry
    tensors = []
    for t in reader.tensors:
        tensors.append({
            "name": t.name,
            "type": int(t.tensor_type),
            "shape": [int(d) for d in reversed(t.shape.tolist())],
            "offset": int(t.data_offset),
            "n_bytes": int(t.n_bytes),
        })
    return {"file": os.path.basename(path), "n_metadata": len(metadata),
            "metadata": metadata, "tensors": tensors}


def main():
    models_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("SLKV_MODELS", os.path.expanduser("~/.cache/slkv/models")))
    out = {
        "_generated_by": {
            "command": "python tests/reference/gguf_metadata_reference.py > "
                       "tests/reference/golden/gguf_metadata.json",
            "gguf": version("gguf"),
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
        "models": {key: describe(os.path.join(models_dir, name)) for key, name in MODELS.items()},
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
