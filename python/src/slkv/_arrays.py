"""Checks of every array handed to libslkv_runtime: type, dtype, shape, C-contiguity,
alignment, writability and device, for NumPy arrays and torch tensors (private).

Nothing is copied or converted: an array that does not fit raises InvalidArgumentError
(or ArgumentTypeError for a wrong type or dtype) naming the argument and the problem, because
the library reads raw pointers and cannot tell a wrong shape from garbage.
"""

from __future__ import annotations

import sys
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from .errors import ArgumentTypeError, InvalidArgumentError

# A dimension in an expected shape: an int, or None for "any size".
Shape = Sequence[Optional[int]]


def _torch() -> Any:
    return sys.modules.get("torch")


def is_tensor(x: Any) -> bool:
    """True for a torch.Tensor (without importing torch when the caller has not)."""
    torch = _torch()
    return torch is not None and isinstance(x, torch.Tensor)


def dtype_name(x: Any) -> str:
    """'float32', 'int64', 'bfloat16', ... for a NumPy array or a torch tensor."""
    if is_tensor(x):
        return str(x.dtype).replace("torch.", "")
    return np.dtype(x.dtype).name


def device_of(x: Any) -> str:
    """'cpu' or 'cuda' (torch device type) of an array."""
    return x.device.type if is_tensor(x) else "cpu"


def describe_shape(shape: Sequence[Optional[int]]) -> str:
    return "[" + ", ".join("*" if d is None else str(d) for d in shape) + "]"


def check_array(x: Any, name: str, *, dtypes: Sequence[str], shape: Shape,
                device: Optional[str] = "cpu", writable: bool = False) -> int:
    """Validate one array and return its data pointer (0 for an empty array).

    ``shape`` names every dimension; ``None`` accepts any size. ``device`` None accepts any
    device (the caller then checks consistency across arguments)."""
    if not (isinstance(x, np.ndarray) or is_tensor(x)):
        raise ArgumentTypeError(f"{name}: expected a numpy.ndarray or torch.Tensor, got "
                             f"{type(x).__name__}")
    dt = dtype_name(x)
    if dt not in dtypes:
        raise ArgumentTypeError(f"{name}: dtype {dt}, expected {' or '.join(dtypes)} "
                             "(convert explicitly: nothing is converted behind your back)")
    got = tuple(int(d) for d in x.shape)
    if len(got) != len(shape) or any(e is not None and e != g for e, g in zip(shape, got)):
        raise InvalidArgumentError(f"{name}: shape {list(got)}, expected "
                                   f"{describe_shape(shape)}")
    dev = device_of(x)
    if dev not in ("cpu", "cuda"):
        raise InvalidArgumentError(f"{name}: on device '{dev}'; the library reads CPU memory "
                                   "or, through its CUDA entry points, CUDA memory")
    if device is not None and dev != device:
        raise InvalidArgumentError(f"{name}: on device '{dev}', expected '{device}'")
    if is_tensor(x):
        if not x.is_contiguous():
            raise InvalidArgumentError(f"{name}: not C-contiguous (strides {list(x.stride())}); "
                                       "call .contiguous() first")
        if x.numel() == 0:
            return 0
        ptr = int(x.data_ptr())
        if writable and x.requires_grad and x.is_leaf:
            raise InvalidArgumentError(f"{name}: a leaf tensor that requires grad cannot be "
                                       "written in place")
    else:
        if not x.flags.c_contiguous:
            raise InvalidArgumentError(f"{name}: not C-contiguous (strides {list(x.strides)}); "
                                       "call numpy.ascontiguousarray first")
        if writable and not x.flags.writeable:
            raise InvalidArgumentError(f"{name}: read-only array, an output must be writable")
        if x.size == 0:
            return 0
        ptr = int(x.ctypes.data)
    itemsize = x.element_size() if is_tensor(x) else x.itemsize
    if ptr % itemsize:
        raise InvalidArgumentError(f"{name}: data pointer is not aligned to its element size")
    return ptr


def same_kind_empty(like: Any, shape: Tuple[int, ...], dtype: str) -> Any:
    """A new zeroed array of ``dtype`` shaped ``shape``: a tensor on like's device for a
    tensor, else a NumPy array."""
    if is_tensor(like):
        torch = _torch()
        return torch.zeros(shape, dtype=getattr(torch, dtype), device=like.device)
    return np.zeros(shape, dtype=dtype)


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy view of a CPU array (copy from the device for a CUDA tensor)."""
    if is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)
