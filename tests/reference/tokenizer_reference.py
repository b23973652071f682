#!/usr/bin/env python3
"""Reference token ids for the tokenizer parity tests.

For each model, tokenizes every line of tests/data/tokenizer/corpus.txt with llama.cpp's
tokenizer (through llama-cpp-python, vocab only, no BOS, special-token parsing on) and writes
tests/data/tokenizer/<model>.jsonl (one JSON id array per corpus line), <model>.document.json
(the ids of the whole file as one text, newlines included) plus <model>.meta.json
saying which command, package versions and input hashes produced it.

For SmolLM2 it also builds an independent HF `tokenizers` BPE by hand from the GGUF vocabulary
and merges with the model's original pre-tokenizer (Digits(individual) + ByteLevel) and
records in the meta file on how many lines the two references agree.

Usage: /opt/slkv-ref/bin/python tests/reference/tokenizer_reference.py [--models DIR]
"""
import argparse
import hashlib
import importlib.metadata
import json
import os
import sys
from pathlib import Path

import gguf
import llama_cpp
from llama_cpp import Llama

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "tokenizer"
MODELS = {
    "smollm2-135m": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "gemma3-270m": "gemma-3-270m-q4_k_m.gguf",
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def corpus_lines():
    data = (DATA / "corpus.txt").read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def hf_smollm2(path):
    """HF tokenizers BPE configured by hand as SmolLM2's tokenizer.json is."""
    from tokenizers import Tokenizer, AddedToken, decoders, models, pre_tokenizers
    reader = gguf.GGUFReader(str(path))
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    types = reader.fields["tokenizer.ggml.token_type"].contents()
    merges = [tuple(m.split(" ", 1)) for m in reader.fields["tokenizer.ggml.merges"].contents()]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, ty in zip(tokens, types) if ty == 3])
    return tok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.environ.get(
        "SLKV_MODELS", str(Path.home() / ".cache" / "slkv" / "models")))
    args = ap.parse_args()
    lines = corpus_lines()
    for name, file in MODELS.items():
        path = Path(args.models) / file
        llm = Llama(model_path=str(path), vocab_only=True, verbose=False)
        ids = [llm.tokenize(line, add_bos=False, special=True) for line in lines]
        # The whole corpus as one text, so newlines and runs across lines are covered too.
        document = llm.tokenize((DATA / "corpus.txt").read_bytes(), add_bos=False, special=True)
        meta = {
            "produced_by": "/opt/slkv-ref/bin/python tests/reference/tokenizer_reference.py",
            "reference": "llama.cpp tokenizer via llama-cpp-python: Llama(model_path, "
                         "vocab_only=True).tokenize(line, add_bos=False, special=True)",
            "llama_cpp_python": llama_cpp.__version__,
            "gguf_py": importlib.metadata.version("gguf"),
            "python": sys.version.split()[0],
            "model_file": file,
            "model_sha256": sha256(path),
            "corpus_sha256": sha256(DATA / "corpus.txt"),
            "n_lines": len(lines),
        }
        if name == "smollm2-135m":
            import tokenizers
            hf = hf_smollm2(path)
            hf_ids = [hf.encode(line.decode("utf-8"), add_special_tokens=False).ids
                      for line in lines]
            differ = [i for i, (a, b) in enumerate(zip(ids, hf_ids)) if a != b]
            meta["hf_tokenizers"] = tokenizers.__version__
            meta["hf_agreeing_lines"] = len(lines) - len(differ)
            meta["hf_differing_lines"] = differ
        with open(DATA / f"{name}.jsonl", "w") as f:
            for row in ids:
                f.write(json.dumps(row, separators=(",", ":")) + "\n")
        with open(DATA / f"{name}.document.json", "w") as f:
            f.write(json.dumps(document, separators=(",", ":")) + "\n")
        (DATA / f"{name}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        print(name, {k: v for k, v in meta.items() if k != "hf_differing_lines"})


if __name__ == "__main__":
    main()
