"""Read slkv profiles (``slkv-profile``'s HDF5 file, docs/profile-format.md) with h5py.

    prof = slkv.Profile.load("profile.h5")
    prof.scores["surface"]              # float32 [n_layers, n_query_heads]
    prof.labels.primary_names           # str [n_layers, n_query_heads]: surface, logic, ...
    prof.probes                         # NumPy record array, one row per probe
    pandas.DataFrame(prof.heads())      # one row per (layer, head): scores, labels

Needs h5py (``pip install slkv[profile]``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Union

import numpy as np

from .errors import SlkvError
from .model import ModelDesc

SCHEMA, SCHEMA_VERSION = "slkv.profile", 1
SCORES = ("surface", "logic", "retrieval_reasoning", "ignore")
PER_PROBE_FLOAT = ("copy_count", "surface", "logic", "retrieval_reasoning", "dist", "ignore",
                   "wtp", "wfp", "wfn", "wtn")
PER_PROBE_INT = ("tp", "fp", "fn", "tn")
PRIMARY_NAMES = ("surface", "logic", "ignoring", "distracted")
FAMILY_NAMES = ("surface", "logic")
FLAG_BITS = {"surface": 1, "logic": 2, "ignoring": 4}


class ProfileError(SlkvError, ValueError):
    """A profile file that is missing, of another schema or version, or malformed."""

    def __init__(self, message: str) -> None:
        super().__init__("SLKV_ERROR_INVALID_PROFILE", message)


@dataclass
class Labels:
    """Head labels and the thresholds that produced them (``/labels``)."""

    flags: np.ndarray  # uint8 [n_layers, n_query_heads]: bit 1 surface, 2 logic, 4 ignoring
    primary: np.ndarray  # uint8 [n_layers, n_query_heads]: index into PRIMARY_NAMES
    mode: str  # "quantile" or "absolute"
    tau: Dict[str, float]  # threshold per label (surface, logic, ignoring)
    rank: Dict[str, int]
    share: Dict[str, float]

    @property
    def primary_names(self) -> np.ndarray:
        """str [n_layers, n_query_heads]: the primary label's name."""
        return np.array(PRIMARY_NAMES, dtype=object)[self.primary]

    def has(self, label: str) -> np.ndarray:
        """bool [n_layers, n_query_heads]: heads flagged ``label`` (surface/logic/ignoring)."""
        return (self.flags & FLAG_BITS[label]) != 0


@dataclass
class Profile:
    """One profile: model identity, per-head scores, per-probe evidence, probe table, labels."""

    path: str
    attrs: Dict[str, Any]  # root attributes; probe_config parsed from JSON
    scores: Dict[str, np.ndarray]  # float32 [n_layers, n_query_heads] per score
    score_n_probes: Dict[str, int]  # probes that entered each score's mean
    per_probe: Dict[str, np.ndarray]  # [n_probes, n_layers, n_query_heads]
    probes: np.ndarray  # record array [n_probes]
    labels: Labels
    model: ModelDesc = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def n_layers(self) -> int:
        return self.model.n_layers

    @property
    def n_query_heads(self) -> int:
        return self.model.n_heads

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Profile":
        """Read and check a profile: schema name and version, head shape, every dataset's
        shape and element type, enum ranges. Raises :class:`ProfileError` naming the file
        and the object on any problem."""
        try:
            import h5py
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("slkv.Profile needs h5py: pip install 'slkv[profile]'") from e
        path = os.fspath(path)
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise ProfileError(f"{path}: cannot open as HDF5 ({e})") from e
        with f:
            return cls._read(path, f)

    @classmethod
    def _read(cls, path: str, f: Any) -> "Profile":
        def fail(what: str) -> ProfileError:
            return ProfileError(f"{path}: {what}")

        def attr(obj: Any, name: str, where: str = "/") -> Any:
            if name not in obj.attrs:
                raise fail(f"missing attribute '{name}' on {where}")
            v = obj.attrs[name]
            return v.decode() if isinstance(v, bytes) else v

        schema = attr(f, "schema")
        if schema != SCHEMA:
            raise fail(f"schema is '{schema}', expected '{SCHEMA}'")
        version = int(attr(f, "schema_version"))
        if version > SCHEMA_VERSION:
            raise fail(f"schema version {version} is newer than this reader ({SCHEMA_VERSION})")
        attrs: Dict[str, Any] = {}
        for k in f.attrs:
            v = f.attrs[k]
            attrs[k] = v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item")
                                                                else v)
        if isinstance(attrs.get("probe_config"), str) and attrs["probe_config"]:
            try:
                attrs["probe_config"] = json.loads(attrs["probe_config"])
            except json.JSONDecodeError as e:
                raise fail(f"attribute 'probe_config' is not JSON ({e})") from e
        n_layers, n_heads = int(attr(f, "n_layers")), int(attr(f, "n_query_heads"))
        if n_layers <= 0 or n_heads <= 0:
            raise fail(f"head shape {n_layers} x {n_heads} is not positive")
        model = ModelDesc(n_layers, n_heads, int(attr(f, "n_kv_heads")), int(attr(f, "head_dim")),
                          arch=str(attrs.get("arch", "")) or None,
                          fingerprint=str(attrs.get("model_fingerprint", "")) or None)

        def dataset(name: str, kinds: str, shape: tuple) -> np.ndarray:
            if name not in f:
                raise fail(f"missing dataset '/{name}'")
            d = f[name]
            if tuple(d.shape) != shape:
                raise fail(f"dataset '/{name}' has shape {list(d.shape)}, expected {list(shape)}")
            if kinds != "O" and d.dtype.kind not in kinds:
                raise fail(f"dataset '/{name}' has element type {d.dtype}")
            return d[()]

        lh = (n_layers, n_heads)
        scores, n_probes_of = {}, {}
        for s in SCORES:
            scores[s] = dataset(f"scores/{s}", "f", lh)
            n_probes_of[s] = int(f[f"scores/{s}"].attrs.get("n_probes", -1))
        family = f["probes/family"] if "probes/family" in f else None
        if family is None:
            raise fail("missing dataset '/probes/family'")
        n_probes = int(family.shape[0])
        per_probe = {n: dataset(f"per_probe/{n}", "f", (n_probes, *lh)) for n in PER_PROBE_FLOAT}
        per_probe.update({n: dataset(f"per_probe/{n}", "iu", (n_probes, *lh))
                          for n in PER_PROBE_INT})
        fam = dataset("probes/family", "u", (n_probes,))
        if (fam > 1).any():
            raise fail("dataset '/probes/family' has a value outside 0..1")

        def strings(name: str) -> np.ndarray:
            raw = dataset(name, "O", (n_probes,))
            return np.array([x.decode() if isinstance(x, bytes) else str(x) for x in raw],
                            dtype=object)

        probes = np.rec.fromarrays(  # type: ignore[call-overload]
            [np.array(FAMILY_NAMES, dtype=object)[fam], dataset("probes/length", "iu", (n_probes,)),
             dataset("probes/depth", "f", (n_probes,)),
             dataset("probes/success", "u", (n_probes,)).astype(bool),
             dataset("probes/has_distractors", "u", (n_probes,)).astype(bool),
             dataset("probes/n_steps", "iu", (n_probes,)),
             dataset("probes/n_needle_tokens", "iu", (n_probes,)), strings("probes/answer"),
             strings("probes/output")],
            names="family,length,depth,success,has_distractors,n_steps,n_needle_tokens,"
                  "answer,output")
        primary = dataset("labels/primary", "u", lh)
        if (primary > 3).any():
            raise fail("dataset '/labels/primary' has a value outside 0..3")
        lab = f["labels"]
        labels = Labels(
            flags=dataset("labels/flags", "u", lh), primary=primary,
            mode=str(attr(lab, "mode", "/labels")),
            tau={k: float(attr(lab, f"tau_{k}", "/labels")) for k in FLAG_BITS},
            rank={k: int(attr(lab, f"rank_{k}", "/labels")) for k in FLAG_BITS},
            share={k: float(attr(lab, f"share_{k}", "/labels")) for k in FLAG_BITS})
        return cls(path=path, attrs=attrs, scores=scores, score_n_probes=n_probes_of,
                   per_probe=per_probe, probes=probes, labels=labels, model=model)

    def heads(self) -> np.ndarray:
        """Record array, one row per (layer, query head), layer-major: layer, head, kv_head,
        the four scores, primary label name and the three flags. ``pandas.DataFrame(...)``
        turns it into a table."""
        n_l, n_h = self.n_layers, self.n_query_heads
        layer, head = np.divmod(np.arange(n_l * n_h), n_h)
        group = n_h // self.model.n_kv_heads
        cols = [layer, head, head // group]
        cols += [self.scores[s].reshape(-1) for s in SCORES]
        cols += [self.labels.primary_names.reshape(-1)]
        cols += [self.labels.has(k).reshape(-1) for k in FLAG_BITS]
        names = ["layer", "head", "kv_head", *SCORES, "primary",
                 *(f"is_{k}" for k in FLAG_BITS)]
        return np.rec.fromarrays(cols, names=names)  # type: ignore[call-overload]
