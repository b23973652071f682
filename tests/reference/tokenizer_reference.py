#!/usr/bin/env python3
"""Reference token ids for the tokenizer parity tests.

For each model, tokenizes every line of tests/data/tokenizer/corpus.txt with llama.cpp's
tokenizer (through llama-cpp-python, vocab only, no BOS, special-token parsing on) and writes
tests/data/tokenizer/<model>.jsonl (one JSON id array per corpus line), <model>.document.json
(the ids of the whole file as one text, newlines included), <model>.bytes.jsonl (arbitrary
byte strings, invalid UTF-8 included, as {"hex", "ids"}) plus <model>.meta.json
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
import random
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


def byte_cases():
    """Deterministic byte strings beyond the text corpus: invalid UTF-8 (lone continuation
    bytes, truncated and overlong sequences, 0xF5-0xFF), control bytes that some byte-level
    vocabularies lack, and random mixtures. Written as hex so any bytes survive JSON."""
    rng = random.Random(7)
    cases = [b"\x04", b"a\x13b", b"x\x04\x06y", b"\xf1\x80\x80\x80", b"a\xf6b", b"\xc0",
             b"\xc0\x80", b"\xe4\xbd", b"\xe4\xbda", b"\x80\x80", b"\xed\xa0\x80",
             b"\xf8\x88\x80\x80\x80", b"\xff\xfe", b"<bos>\xff",
             b"\xe2\x96\x81", b"\x00", b"a\x00b", b"\x1d\x14\x16"]
    pieces = [b"a", b" ", b"  ", b"\n", b"\t", b"1", "é".encode(), "你".encode(), "😀".encode(),
              b"<", b">", b"<bos>", b"<|im_end|>", b"'s", b"\r\n"]
    for _ in range(400):
        parts = []
        for _ in range(rng.randrange(1, 24)):
            parts.append(bytes([rng.randrange(256)]) if rng.random() < 0.35
                         else rng.choice(pieces))
        cases.append(b"".join(parts))
    # llama.cpp aborts the process (uncaught "invalid codepoint") on a 4-byte sequence above
    # U+10FFFF, so such inputs have no reference; slkv turns them into U+FFFD.
    return [c for c in cases if not above_unicode(c)]


def above_unicode(data):
    """Whether llama.cpp's UTF-8 decoder (lead-byte shape + continuation bytes, no range
    checks) would produce a code point above U+10FFFF."""
    for i, b in enumerate(data):
        if b & 0xF8 == 0xF0 and all(i + k < len(data) and data[i + k] & 0xC0 == 0x80
                                    for k in (1, 2, 3)):
            cp = ((b & 7) << 18) | ((data[i + 1] & 0x3F) << 12) | ((data[i + 2] & 0x3F) << 6) \
                | (data[i + 3] & 0x3F)
            if cp > 0x10FFFF:
                return True
    return False


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


# The pre-tokenizer regexes as the models' tokenizer.json files spell them (FORMATS.md §6.1).
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = LLAMA3_REGEX.replace(r"\p{N}{1,3}", r"\p{N}")


def pretokenize_goldens(lines):
    """Piece byte lengths per corpus line from HF tokenizers' own pre-tokenizers (Oniguruma),
    an engine independent of both llama.cpp and slkv's PCRE2."""
    from tokenizers import Regex, pre_tokenizers as pt
    byte_level = pt.ByteLevel(add_prefix_space=False, use_regex=True)
    configs = {
        "gpt2": (byte_level, True),
        "smollm": (pt.Sequence([pt.Digits(individual_digits=True), byte_level]), True),
        "llama3": (pt.Split(Regex(LLAMA3_REGEX), "isolated"), False),
        "qwen2": (pt.Split(Regex(QWEN2_REGEX), "isolated"), False),
    }
    out = {}
    for name, (pre, mapped) in configs.items():
        rows = []
        for line in lines:
            pieces = pre.pre_tokenize_str(line.decode("utf-8"))
            # ByteLevel pieces are spelled one character per byte.
            rows.append([len(p) if mapped else len(p.encode("utf-8")) for p, _ in pieces])
        out[name] = rows
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.environ.get(
        "SLKV_MODELS", str(Path.home() / ".cache" / "slkv" / "models")))
    args = ap.parse_args()
    lines = corpus_lines()
    import tokenizers
    with open(DATA / "pretokenize.jsonl", "w") as f:
        goldens = pretokenize_goldens(lines)
        f.write(json.dumps({"produced_by": "/opt/slkv-ref/bin/python "
                            "tests/reference/tokenizer_reference.py",
                            "reference": "HF tokenizers pre_tokenize_str: gpt2 = ByteLevel("
                            "use_regex), smollm = Digits(individual) + ByteLevel, llama3 / qwen2 "
                            "= Split(Regex, isolated); piece byte lengths per corpus line",
                            "tokenizers": tokenizers.__version__}) + "\n")
        for name, rows in goldens.items():
            f.write(json.dumps({"pre": name, "lengths": rows}, separators=(",", ":")) + "\n")
    for name, file in MODELS.items():
        path = Path(args.models) / file
        llm = Llama(model_path=str(path), vocab_only=True, verbose=False)
        ids = [llm.tokenize(line, add_bos=False, special=True) for line in lines]
        cases = byte_cases()
        byte_rows = [{"hex": c.hex(), "ids": llm.tokenize(c, add_bos=False, special=True)}
                     for c in cases]
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
        with open(DATA / f"{name}.bytes.jsonl", "w") as f:
            for row in byte_rows:
                f.write(json.dumps(row, separators=(",", ":")) + "\n")
        with open(DATA / f"{name}.document.json", "w") as f:
            f.write(json.dumps(document, separators=(",", ":")) + "\n")
        (DATA / f"{name}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        print(name, {k: v for k, v in meta.items() if k != "hf_differing_lines"})


if __name__ == "__main__":
    main()
