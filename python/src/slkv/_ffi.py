"""ctypes declarations of include/slkv/slkv.h and the loading of libslkv_runtime.

Private: use :mod:`slkv`. The library is found, in order, from an explicit path, the
``SLKV_RUNTIME_LIB`` environment variable, the copy installed inside this package by
``pip install``, and the system loader (``libslkv_runtime.so``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path
from typing import Dict, Optional

from .errors import SlkvError, error_for_status

c_int64_p = ctypes.POINTER(ctypes.c_int64)
c_int32_p = ctypes.POINTER(ctypes.c_int32)
c_float_p = ctypes.POINTER(ctypes.c_float)

LAYOUT_NHD, LAYOUT_HND = 0, 1
GRANULARITY_NAMES = {0: "kv_head", 1: "query_head"}
POOLING_NAMES = {0: "max", 1: "avg", 2: "none"}
BUDGET_MODE_NAMES = {0: "tokens", 1: "ratio"}


class ModelDescC(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("arch", ctypes.c_char_p),
                ("n_layers", ctypes.c_int64), ("n_heads", ctypes.c_int64),
                ("n_kv_heads", ctypes.c_int64), ("head_dim", ctypes.c_int64),
                ("fingerprint", ctypes.c_char_p)]


class PlanInfoC(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("n_layers", ctypes.c_int64),
                ("n_heads", ctypes.c_int64), ("n_kv_heads", ctypes.c_int64),
                ("head_dim", ctypes.c_int64), ("n_plan_heads", ctypes.c_int64),
                ("granularity", ctypes.c_int), ("window", ctypes.c_int64),
                ("pooling", ctypes.c_int), ("pool_kernel", ctypes.c_int64),
                ("budget_mode", ctypes.c_int), ("budget_value", ctypes.c_double),
                ("min_cap", ctypes.c_int64), ("arch", ctypes.c_char_p),
                ("fingerprint", ctypes.c_char_p), ("method", ctypes.c_char_p)]


class SelectParamsC(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("n_tokens", ctypes.c_int64),
                ("n_rows", ctypes.c_int64), ("probs", ctypes.c_void_p), ("q", ctypes.c_void_p),
                ("k", ctypes.c_void_p), ("k_layout", ctypes.c_int), ("caps", ctypes.c_void_p),
                ("head_begin", ctypes.c_int64), ("head_end", ctypes.c_int64),
                ("workspace", ctypes.c_void_p), ("workspace_bytes", ctypes.c_size_t),
                ("pooled_scores", ctypes.c_void_p), ("kept", ctypes.c_void_p),
                ("kept_stride", ctypes.c_int64), ("n_kept", ctypes.c_void_p)]


class CompactParamsC(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("n_tokens", ctypes.c_int64),
                ("n_kv_heads", ctypes.c_int64), ("n_plan_heads", ctypes.c_int64),
                ("head_dim", ctypes.c_int64), ("elem_bytes", ctypes.c_int64),
                ("layout", ctypes.c_int), ("src", ctypes.c_void_p), ("kept", ctypes.c_void_p),
                ("kept_stride", ctypes.c_int64), ("offsets", ctypes.c_void_p),
                ("lengths", ctypes.c_void_p), ("dst", ctypes.c_void_p),
                ("stream", ctypes.c_void_p)]


_P = ctypes.c_void_p
_SIGNATURES = {
    "slkv_version": (ctypes.c_char_p, []),
    "slkv_status_name": (ctypes.c_char_p, [ctypes.c_int]),
    "slkv_last_error": (ctypes.c_char_p, []),
    "slkv_model_desc_init": (None, [ctypes.POINTER(ModelDescC)]),
    "slkv_plan_load_file": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ModelDescC),
                                           ctypes.POINTER(_P)]),
    "slkv_plan_load_memory": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                             ctypes.POINTER(ModelDescC), ctypes.POINTER(_P)]),
    "slkv_plan_free": (None, [_P]),
    "slkv_plan_last_error": (ctypes.c_char_p, [_P]),
    "slkv_plan_info_init": (None, [ctypes.POINTER(PlanInfoC)]),
    "slkv_plan_get_info": (ctypes.c_int, [_P, ctypes.POINTER(PlanInfoC)]),
    "slkv_plan_caps": (ctypes.c_int, [_P, ctypes.c_int64, ctypes.c_int64, c_int64_p,
                                      ctypes.c_size_t]),
    "slkv_select_params_init": (None, [ctypes.POINTER(SelectParamsC)]),
    "slkv_select_workspace_size": (ctypes.c_int, [_P, ctypes.POINTER(SelectParamsC),
                                                  ctypes.POINTER(ctypes.c_size_t)]),
    "slkv_select": (ctypes.c_int, [_P, ctypes.POINTER(SelectParamsC)]),
    "slkv_compact_layout": (ctypes.c_int, [_P, ctypes.c_int64, ctypes.c_int64, _P, _P]),
    "slkv_compact_params_init": (None, [ctypes.POINTER(CompactParamsC)]),
    "slkv_compact_gather": (ctypes.c_int, [ctypes.POINTER(CompactParamsC)]),
    "slkv_compact_append": (ctypes.c_int, [ctypes.POINTER(CompactParamsC), _P]),
    "slkv_cuda_available": (ctypes.c_bool, []),
    "slkv_cuda_select_workspace_size": (ctypes.c_int, [_P, ctypes.POINTER(SelectParamsC),
                                                       ctypes.POINTER(ctypes.c_size_t)]),
    "slkv_cuda_select": (ctypes.c_int, [_P, ctypes.POINTER(SelectParamsC), _P]),
    "slkv_cuda_compact_gather": (ctypes.c_int, [ctypes.POINTER(CompactParamsC)]),
}

_lock = threading.Lock()
_loaded: Dict[str, ctypes.CDLL] = {}


def _packaged_library() -> Optional[str]:
    here = Path(__file__).resolve().parent
    candidates = sorted(p for d in ("lib", "lib64") for p in (here / d).glob("libslkv_runtime.so*"))
    candidates += sorted((here / "lib").glob("*/libslkv_runtime.so*"))  # Debian multiarch
    return str(candidates[0]) if candidates else None


def library_path(lib_path: Optional[str] = None) -> str:
    """The path (or soname) of libslkv_runtime that :func:`load_library` would open."""
    return (lib_path or os.environ.get("SLKV_RUNTIME_LIB") or _packaged_library()
            or ctypes.util.find_library("slkv_runtime") or "libslkv_runtime.so")


def load_library(lib_path: Optional[str] = None) -> ctypes.CDLL:
    """Open libslkv_runtime once per path and declare its functions."""
    path = library_path(lib_path)
    with _lock:
        if path in _loaded:
            return _loaded[path]
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise SlkvError("SLKV_ERROR_IO",
                            f"cannot load libslkv_runtime from '{path}' ({e}); install the "
                            "package with pip or set SLKV_RUNTIME_LIB") from e
        for name, (restype, argtypes) in _SIGNATURES.items():
            try:
                fn = getattr(lib, name)
            except AttributeError as e:
                raise SlkvError("SLKV_ERROR_INTERNAL",
                                f"'{path}' has no symbol {name}: not a matching "
                                "libslkv_runtime") from e
            fn.restype, fn.argtypes = restype, argtypes
        _loaded[path] = lib
        return lib


def check(lib: ctypes.CDLL, status: int, plan_handle: Optional[ctypes.c_void_p] = None) -> None:
    """Raise the exception for a non-OK status, with the library's message."""
    if status == 0:
        return
    name = lib.slkv_status_name(status).decode()
    raw = lib.slkv_plan_last_error(plan_handle) if plan_handle else None
    if not raw:
        raw = lib.slkv_last_error()
    message = raw.decode(errors="replace") if raw else "(no message)"
    raise error_for_status(name, message)


def version(lib_path: Optional[str] = None) -> str:
    """Version of libslkv_runtime, "MAJOR.MINOR.PATCH"."""
    return load_library(lib_path).slkv_version().decode()


def cuda_available(lib_path: Optional[str] = None) -> bool:
    """True when libslkv_runtime was built with CUDA and a device is present."""
    return bool(load_library(lib_path).slkv_cuda_available())
