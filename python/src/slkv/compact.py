"""Compaction of a K or V cache into per-head variable-length buffers (libslkv_runtime's
``slkv_compact_*``), on NumPy arrays, CPU torch tensors, or CUDA tensors (gather only).

    offsets, lengths = slkv.compact_layout(sel.n_kept, slack_rows=64)
    k_compact = slkv.compact_gather(k, sel, offsets, lengths, layout="nhd")
    slkv.compact_append(k_compact, k_new_token, offsets, lengths)   # per decoded token

Head h owns rows ``[offsets[h], offsets[h + 1])`` of ``dst`` (``[offsets[-1], head_dim]``),
of which the first ``lengths[h]`` are filled.
"""

from __future__ import annotations

import ctypes
from typing import Any, Optional, Tuple

import numpy as np

from . import _ffi
from ._arrays import check_array, device_of, dtype_name, is_tensor, same_kind_empty, to_numpy
from .errors import InvalidArgumentError
from .plan import Selection

_ELEM_DTYPES = ("float32", "float16", "bfloat16")


def compact_layout(n_kept: Any, slack_rows: int = 0, *,
                   lib_path: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Row offsets int64 ``[n_plan_heads + 1]`` and lengths int32 ``[n_plan_heads]`` of a
    compact buffer: ``offsets[h + 1] = offsets[h] + n_kept[h] + slack_rows`` (slack: rows
    reserved for decoded tokens). ``n_kept``: int32 ``[n_plan_heads]`` (e.g.
    ``Selection.n_kept``; a CUDA tensor is copied to the host)."""
    lib = _ffi.load_library(lib_path)
    n_kept = np.ascontiguousarray(to_numpy(n_kept)) if is_tensor(n_kept) else n_kept
    check_array(n_kept, "n_kept", dtypes=("int32",), shape=(None,))
    n = int(n_kept.shape[0])
    if n == 0:
        raise InvalidArgumentError("n_kept: empty, expected one entry per plan head")
    if int(slack_rows) < 0:
        raise InvalidArgumentError(f"slack_rows: {slack_rows}, expected >= 0")
    offsets = np.zeros(n + 1, dtype=np.int64)
    lengths = np.zeros(n, dtype=np.int32)
    _ffi.check(lib, lib.slkv_compact_layout(n_kept.ctypes.data, n, int(slack_rows),
                                            offsets.ctypes.data, lengths.ctypes.data))
    return offsets, lengths


def _check_offsets(offsets: Any, lengths: Any, n_plan: int, dst_rows: int) -> None:
    """The library cannot see dst's size: check here that every head's rows fit in dst."""
    off, length = to_numpy(offsets), to_numpy(lengths)
    if off[0] < 0 or (np.diff(off) < 0).any():
        raise InvalidArgumentError("offsets: must start >= 0 and be non-decreasing")
    if (length < 0).any() or (length > np.diff(off)).any():
        raise InvalidArgumentError("lengths: a head's length is negative or exceeds its rows "
                                   "[offsets[h], offsets[h + 1])")
    if off[-1] > dst_rows:
        raise InvalidArgumentError(f"dst: {dst_rows} rows, offsets need {int(off[-1])}")


def _params(src_like: Any, n_tokens: int, n_kv_heads: int, n_plan: int, head_dim: int,
            layout: str, lib: ctypes.CDLL) -> _ffi.CompactParamsC:
    p = _ffi.CompactParamsC()
    lib.slkv_compact_params_init(ctypes.byref(p))
    p.n_tokens, p.n_kv_heads, p.n_plan_heads, p.head_dim = n_tokens, n_kv_heads, n_plan, head_dim
    p.elem_bytes = src_like.element_size() if is_tensor(src_like) else src_like.itemsize
    p.layout = _ffi.LAYOUT_NHD if layout == "nhd" else _ffi.LAYOUT_HND
    return p


def compact_gather(src: Any, kept: Any, offsets: Any, lengths: Any, *, layout: str = "nhd",
                   n_kept: Any = None, dst: Any = None,
                   lib_path: Optional[str] = None) -> Any:
    """Gather the kept rows of ``src`` (K or V of one layer: ``[T, n_kv_heads, head_dim]``
    for ``layout="nhd"``, ``[n_kv_heads, T, head_dim]`` for ``"hnd"``; float32, float16 or
    bfloat16) into ``dst`` ``[offsets[-1], head_dim]`` (allocated when not given) and
    return it. ``kept`` is a :class:`Selection` or int32 ``[n_plan_heads, stride]``;
    ``offsets``/``lengths`` come from :func:`compact_layout` (lengths int32, offsets int64).
    CUDA tensors use ``slkv_cuda_compact_gather`` on the current stream."""
    lib = _ffi.load_library(lib_path)
    if layout not in ("nhd", "hnd"):
        raise InvalidArgumentError(f"layout '{layout}', expected 'nhd' or 'hnd'")
    if isinstance(kept, Selection):
        kept = kept.kept
    device = device_of(src)
    check_array(src, "src", dtypes=_ELEM_DTYPES, shape=(None, None, None), device=device)
    if layout == "nhd":
        n_tokens, n_kv, head_dim = (int(d) for d in src.shape)
    else:
        n_kv, n_tokens, head_dim = (int(d) for d in src.shape)
    check_array(kept, "kept", dtypes=("int32",), shape=(None, None), device=device)
    n_plan, stride = int(kept.shape[0]), int(kept.shape[1])
    if device != "cpu":
        import torch

        offsets = torch.as_tensor(offsets, device=src.device)
        lengths = torch.as_tensor(lengths, device=src.device)
    check_array(offsets, "offsets", dtypes=("int64",), shape=(n_plan + 1,), device=device)
    check_array(lengths, "lengths", dtypes=("int32",), shape=(n_plan,), device=device)
    total = int(to_numpy(offsets)[-1])
    if dst is None:
        dst = same_kind_empty(src, (max(total, 0), head_dim), dtype_of(src))
    check_array(dst, "dst", dtypes=(dtype_of(src),), shape=(None, head_dim), device=device,
                writable=True)
    _check_offsets(offsets, lengths, n_plan, int(dst.shape[0]))
    if (to_numpy(lengths) > stride).any():
        raise InvalidArgumentError(f"lengths: a head's length exceeds the kept stride {stride}")
    p = _params(src, n_tokens, n_kv, n_plan, head_dim, layout, lib)
    p.src = check_array(src, "src", dtypes=_ELEM_DTYPES, shape=tuple(src.shape), device=device)
    p.kept, p.kept_stride = check_array(kept, "kept", dtypes=("int32",),
                                        shape=(n_plan, stride), device=device), stride
    p.offsets = check_array(offsets, "offsets", dtypes=("int64",), shape=(n_plan + 1,),
                            device=device)
    p.lengths = check_array(lengths, "lengths", dtypes=("int32",), shape=(n_plan,),
                            device=device)
    p.dst = check_array(dst, "dst", dtypes=(dtype_of(src),), shape=tuple(dst.shape),
                        device=device, writable=True)
    if p.dst == 0:
        return dst  # no rows to fill (every head keeps nothing)
    if device == "cpu":
        _ffi.check(lib, lib.slkv_compact_gather(ctypes.byref(p)))
    else:
        import torch

        p.stream = torch.cuda.current_stream(src.device).cuda_stream
        _ffi.check(lib, lib.slkv_cuda_compact_gather(ctypes.byref(p)))
    return dst


def compact_append(dst: Any, rows: Any, offsets: Any, lengths: Any, *,
                   lib_path: Optional[str] = None) -> None:
    """Append one decoded token's rows ``[n_kv_heads, head_dim]`` to every plan head of a
    compact buffer ``dst`` (CPU), incrementing ``lengths`` in place. Raises
    :class:`BufferTooSmallError` (nothing written) when a head has no reserved row left."""
    lib = _ffi.load_library(lib_path)
    check_array(rows, "rows", dtypes=_ELEM_DTYPES, shape=(None, None))
    n_kv, head_dim = (int(d) for d in rows.shape)
    check_array(lengths, "lengths", dtypes=("int32",), shape=(None,), writable=True)
    n_plan = int(lengths.shape[0])
    check_array(offsets, "offsets", dtypes=("int64",), shape=(n_plan + 1,))
    check_array(dst, "dst", dtypes=(dtype_of(rows),), shape=(None, head_dim), writable=True)
    _check_offsets(offsets, lengths, n_plan, int(dst.shape[0]))
    p = _params(rows, 1, n_kv, n_plan, head_dim, "nhd", lib)
    p.offsets = check_array(offsets, "offsets", dtypes=("int64",), shape=(n_plan + 1,))
    p.lengths = check_array(lengths, "lengths", dtypes=("int32",), shape=(n_plan,),
                            writable=True)
    p.dst = check_array(dst, "dst", dtypes=(dtype_of(rows),), shape=tuple(dst.shape),
                        writable=True)
    ptr = check_array(rows, "rows", dtypes=_ELEM_DTYPES, shape=(n_kv, head_dim))
    if p.dst == 0:
        raise InvalidArgumentError("dst: empty buffer, no reserved rows")
    _ffi.check(lib, lib.slkv_compact_append(ctypes.byref(p), ptr))


def dtype_of(x: Any) -> str:
    return dtype_name(x)
