"""A loaded budget plan: :class:`Plan` (load, info, caps, select) and :class:`Selection`."""

from __future__ import annotations

import ctypes
import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from . import _ffi
from ._arrays import check_array, device_of, is_tensor, same_kind_empty, to_numpy
from .errors import InvalidArgumentError
from .model import ModelDesc

ModelLike = Union[ModelDesc, Mapping[str, Any], Any]


@dataclass(frozen=True)
class PlanInfo:
    """What a plan says about itself (``slkv_plan_get_info``)."""

    n_layers: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    n_plan_heads: int  # per layer: n_kv_heads or n_heads by granularity
    granularity: str  # "kv_head" or "query_head"
    window: int
    pooling: str  # "max", "avg" or "none"
    pool_kernel: int
    budget_mode: str  # "tokens" or "ratio"
    budget_value: float
    min_cap: int
    arch: str
    fingerprint: str
    method: str


@dataclass
class Selection:
    """Kept positions of every plan head of one layer.

    ``kept[h, :n_kept[h]]`` are head h's kept positions, ascending, window included;
    ``pooled_scores[h]`` the pooled scores of the candidates ``[0, T - window)``. Arrays are
    NumPy arrays, or torch tensors on the input's device when the input was a tensor."""

    kept: Any  # int32 [n_plan_heads, kept_stride]
    n_kept: Any  # int32 [n_plan_heads]
    pooled_scores: Any  # float32 [n_plan_heads, max(0, T - window)]
    n_tokens: int

    def positions(self, head: int) -> np.ndarray:
        """Kept positions of plan head ``head`` as a NumPy int32 array."""
        n = int(to_numpy(self.n_kept)[head])
        return to_numpy(self.kept)[head, :n].copy()

    def tolist(self) -> List[List[int]]:
        """Kept positions of every plan head as Python lists."""
        kept, n_kept = to_numpy(self.kept), to_numpy(self.n_kept)
        return [kept[h, :n_kept[h]].tolist() for h in range(kept.shape[0])]


def _model_from_plan_text(data: bytes) -> ModelDesc:
    """The plan's own model (for model=None). A plan that is not JSON or has no usable model
    member gets a zero description: the library then reports the real problem, since it
    parses and validates before it compares models."""
    try:
        m = json.loads(data)["model"]
        return ModelDesc(int(m["n_layers"]), int(m["n_heads"]), int(m["n_kv_heads"]),
                         int(m["head_dim"]))
    except Exception:  # noqa: BLE001 - any failure: let the library name it
        return ModelDesc(0, 0, 0, 0)


class Plan:
    """A validated per-head KV budget plan (immutable; safe to share across threads for
    :meth:`caps` and :meth:`select` with separate outputs).

    >>> plan = slkv.Plan.load("plan.json", model=dict(n_layers=30, n_heads=9,
    ...                       n_kv_heads=3, head_dim=64, arch="llama"))
    >>> caps = plan.caps(layer=0, n_tokens=1000)       # int64 [n_plan_heads]
    >>> sel = plan.select(0, probs=probs)              # probs float32 [n_heads, rows, T]
    >>> sel.positions(0)                               # kept positions of plan head 0
    """

    def __init__(self, handle: ctypes.c_void_p, lib: ctypes.CDLL, source: str) -> None:
        self._lib, self.source = lib, source
        self._handle: Optional[ctypes.c_void_p] = handle
        raw = _ffi.PlanInfoC()
        lib.slkv_plan_info_init(ctypes.byref(raw))
        _ffi.check(lib, lib.slkv_plan_get_info(handle, ctypes.byref(raw)), handle)

        def text(b: Optional[bytes]) -> str:
            return b.decode(errors="replace") if b else ""

        self.info = PlanInfo(
            n_layers=raw.n_layers, n_heads=raw.n_heads, n_kv_heads=raw.n_kv_heads,
            head_dim=raw.head_dim, n_plan_heads=raw.n_plan_heads,
            granularity=_ffi.GRANULARITY_NAMES.get(raw.granularity, str(raw.granularity)),
            window=raw.window, pooling=_ffi.POOLING_NAMES.get(raw.pooling, str(raw.pooling)),
            pool_kernel=raw.pool_kernel,
            budget_mode=_ffi.BUDGET_MODE_NAMES.get(raw.budget_mode, str(raw.budget_mode)),
            budget_value=raw.budget_value, min_cap=raw.min_cap, arch=text(raw.arch),
            fingerprint=text(raw.fingerprint), method=text(raw.method))

    # ---- loading ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"], model: Optional[ModelLike] = None, *,
             lib_path: Optional[str] = None) -> "Plan":
        """Load and validate a plan file (schema, version, shapes, caps, checksum) and check
        it against ``model`` (a :class:`ModelDesc`, a dict of its fields, or a transformers
        model or config). A plan for another model raises :class:`ModelMismatchError` with
        the library's message. ``model=None`` checks the plan against itself: for
        inspecting a plan, never for applying it to a model."""
        lib = _ffi.load_library(lib_path)
        if model is None:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                data = b""  # the library reports the I/O error with its own message
            desc = _model_from_plan_text(data)
        else:
            desc = ModelDesc.coerce(model)
        c_desc = cls._c_model(lib, desc)
        handle = ctypes.c_void_p()
        _ffi.check(lib, lib.slkv_plan_load_file(os.fsencode(path), ctypes.byref(c_desc),
                                                ctypes.byref(handle)))
        return cls(handle, lib, os.fspath(path))

    @classmethod
    def from_text(cls, text: Union[str, bytes], model: Optional[ModelLike] = None, *,
                  source_name: str = "<memory>", lib_path: Optional[str] = None) -> "Plan":
        """Like :meth:`load` for a plan held in memory; errors name ``source_name``."""
        lib = _ffi.load_library(lib_path)
        data = text.encode() if isinstance(text, str) else bytes(text)
        desc = _model_from_plan_text(data) if model is None else ModelDesc.coerce(model)
        c_desc = cls._c_model(lib, desc)
        handle = ctypes.c_void_p()
        _ffi.check(lib, lib.slkv_plan_load_memory(data, len(data), source_name.encode(),
                                                  ctypes.byref(c_desc), ctypes.byref(handle)))
        return cls(handle, lib, source_name)

    @staticmethod
    def _c_model(lib: ctypes.CDLL, desc: ModelDesc) -> _ffi.ModelDescC:
        c = _ffi.ModelDescC()
        lib.slkv_model_desc_init(ctypes.byref(c))
        for name in ("n_layers", "n_heads", "n_kv_heads", "head_dim"):
            value = getattr(desc, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise InvalidArgumentError(f"model.{name}: expected an int, got {value!r}")
            setattr(c, name, int(value))
        c.arch = desc.arch.encode() if desc.arch else None
        c.fingerprint = desc.fingerprint.encode() if desc.fingerprint else None
        return c

    def close(self) -> None:
        """Free the plan now (also done when the object is collected)."""
        if getattr(self, "_handle", None):
            self._lib.slkv_plan_free(self._handle)
            self._handle = None

    def __del__(self) -> None:
        self.close()

    def __enter__(self) -> "Plan":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        i = self.info
        return (f"Plan('{self.source}', {i.arch or '?'} {i.n_layers}x{i.n_heads}/"
                f"{i.n_kv_heads}x{i.head_dim}, {i.granularity}, window {i.window}, "
                f"{i.budget_mode} {i.budget_value:g}, method {i.method or '?'})")

    def _live(self) -> ctypes.c_void_p:
        handle = getattr(self, "_handle", None)
        if not handle:
            raise InvalidArgumentError(f"plan '{self.source}' is closed")
        return handle

    # ---- caps ---------------------------------------------------------------------------
    def caps(self, layer: int, n_tokens: int) -> np.ndarray:
        """int64 ``[n_plan_heads]``: tokens each plan head keeps beyond the window for a
        prompt of ``n_tokens`` tokens (docs/budget-format.md, "Caps for a prompt")."""
        handle = self._live()
        out = np.zeros(self.info.n_plan_heads, dtype=np.int64)
        _ffi.check(self._lib, self._lib.slkv_plan_caps(
            handle, int(layer), int(n_tokens), out.ctypes.data_as(_ffi.c_int64_p), out.size),
            handle)
        return out

    def all_caps(self, n_tokens: int) -> np.ndarray:
        """int64 ``[n_layers, n_plan_heads]``: :meth:`caps` of every layer."""
        return np.stack([self.caps(layer, n_tokens) for layer in range(self.info.n_layers)])

    # ---- selection ----------------------------------------------------------------------
    def select(self, layer: Optional[int] = None, *, probs: Any = None, q: Any = None,
               k: Any = None, k_layout: str = "nhd", caps: Any = None,
               head_range: Optional[Tuple[int, int]] = None) -> Selection:
        """Kept positions of every plan head of one layer (METHOD.md section 6), computed
        by libslkv_runtime.

        Give ``probs`` float32 ``[n_heads, rows, T]`` (softmax rows of the last ``rows``
        queries), or ``q`` float32 ``[n_heads, rows, head_dim]`` (after RoPE) with ``k``
        float32 ``[T, n_kv_heads, head_dim]`` (``k_layout="nhd"``) or
        ``[n_kv_heads, T, head_dim]`` (``"hnd"``). Caps come from the plan for ``layer``
        unless ``caps`` (int64 ``[n_plan_heads]``) is given. NumPy arrays and CPU torch
        tensors are read in place (nothing is copied); CUDA tensors go through the library's
        CUDA entry points (a build without CUDA raises :class:`UnsupportedError`).
        ``head_range=(begin, end)`` selects only those plan heads (CPU only)."""
        handle = self._live()
        info = self.info
        if (probs is None) == (q is None):
            raise InvalidArgumentError("select: give exactly one of probs or q (with k)")
        if k_layout not in ("nhd", "hnd"):
            raise InvalidArgumentError(f"select: k_layout '{k_layout}', expected 'nhd' or 'hnd'")
        lead = probs if probs is not None else q
        if not (isinstance(lead, np.ndarray) or is_tensor(lead)):
            check_array(lead, "probs" if probs is not None else "q", dtypes=("float32",),
                        shape=(None,) * 3)  # raises the type error
        device = device_of(lead)
        check_array(lead, "probs" if probs is not None else "q", dtypes=("float32",),
                    shape=tuple(None for _ in lead.shape), device=None)  # type and device
        p = _ffi.SelectParamsC()
        self._lib.slkv_select_params_init(ctypes.byref(p))
        if probs is not None:
            if k is not None:
                raise InvalidArgumentError("select: give k only with q, not with probs")
            if getattr(probs, "ndim", 0) != 3:
                raise InvalidArgumentError(f"probs: shape {list(probs.shape)}, expected "
                                           f"[{info.n_heads}, rows, T]")
            rows, n_tokens = int(probs.shape[1]), int(probs.shape[2])
            p.probs = check_array(probs, "probs", dtypes=("float32",),
                                  shape=(info.n_heads, rows, n_tokens), device=device)
        else:
            if k is None:
                raise InvalidArgumentError("select: q needs k")
            if getattr(k, "ndim", 0) != 3:
                raise InvalidArgumentError(f"k: shape {list(getattr(k, 'shape', []))}, "
                                           "expected 3 dimensions")
            n_tokens = int(k.shape[0] if k_layout == "nhd" else k.shape[1])
            p.q = check_array(q, "q", dtypes=("float32",),
                              shape=(info.n_heads, None, info.head_dim), device=device)
            rows = int(q.shape[1])
            k_shape = ((n_tokens, info.n_kv_heads, info.head_dim) if k_layout == "nhd" else
                       (info.n_kv_heads, n_tokens, info.head_dim))
            p.k = check_array(k, "k", dtypes=("float32",), shape=k_shape, device=device)
            p.k_layout = _ffi.LAYOUT_NHD if k_layout == "nhd" else _ffi.LAYOUT_HND
        if rows < 1 or rows > n_tokens:
            raise InvalidArgumentError(f"select: {rows} query rows for a prompt of {n_tokens} "
                                       "tokens; rows must be in [1, T]")
        n_plan = info.n_plan_heads
        if caps is None:
            if layer is None:
                raise InvalidArgumentError("select: give a layer (plan caps) or explicit caps")
            caps = self.caps(layer, n_tokens)
        if device != "cpu":
            import torch  # a CUDA input implies torch is importable

            if isinstance(caps, np.ndarray):
                caps = torch.from_numpy(caps).to(lead.device)
        check_array(caps, "caps", dtypes=("int64",), shape=(n_plan,), device=device)
        if device == "cpu" and (to_numpy(caps) < 0).any():
            raise InvalidArgumentError("caps: negative cap")
        p.caps = check_array(caps, "caps", dtypes=("int64",), shape=(n_plan,), device=device)
        p.n_tokens, p.n_rows = n_tokens, rows
        if head_range is not None:
            p.head_begin, p.head_end = int(head_range[0]), int(head_range[1])
        n_cand = max(0, n_tokens - info.window)
        stride = max(n_tokens, 1)
        kept = same_kind_empty(lead, (n_plan, stride), "int32")
        n_kept = same_kind_empty(lead, (n_plan,), "int32")
        pooled = same_kind_empty(lead, (n_plan, n_cand), "float32")
        p.kept, p.kept_stride = check_array(kept, "kept", dtypes=("int32",),
                                            shape=(n_plan, stride), device=device), stride
        p.n_kept = check_array(n_kept, "n_kept", dtypes=("int32",), shape=(n_plan,),
                               device=device)
        p.pooled_scores = check_array(pooled, "pooled", dtypes=("float32",),
                                      shape=(n_plan, n_cand), device=device) or None
        size = ctypes.c_size_t()
        if device == "cpu":
            _ffi.check(self._lib, self._lib.slkv_select_workspace_size(
                handle, ctypes.byref(p), ctypes.byref(size)), handle)
            workspace = np.empty(max(1, (size.value + 3) // 4), dtype=np.float32)
            p.workspace, p.workspace_bytes = workspace.ctypes.data, size.value
            _ffi.check(self._lib, self._lib.slkv_select(handle, ctypes.byref(p)), handle)
        else:
            self._select_cuda(handle, p, lead)
        return Selection(kept=kept, n_kept=n_kept, pooled_scores=pooled, n_tokens=n_tokens)

    def _select_cuda(self, handle: ctypes.c_void_p, p: _ffi.SelectParamsC, lead: Any) -> None:
        import torch

        size = ctypes.c_size_t()
        with torch.cuda.device(lead.device):
            _ffi.check(self._lib, self._lib.slkv_cuda_select_workspace_size(
                handle, ctypes.byref(p), ctypes.byref(size)), handle)
            workspace = torch.empty(max(1, size.value), dtype=torch.uint8, device=lead.device)
            p.workspace, p.workspace_bytes = workspace.data_ptr(), size.value
            stream = torch.cuda.current_stream(lead.device).cuda_stream
            # Stream-ordered: the outputs are ready for later work on this stream, and the
            # caching allocator reuses the workspace only after it.
            _ffi.check(self._lib, self._lib.slkv_cuda_select(handle, ctypes.byref(p), stream),
                       handle)

    def as_dict(self) -> Dict[str, Any]:
        """``info`` as a plain dict."""
        return dict(self.info.__dict__)
