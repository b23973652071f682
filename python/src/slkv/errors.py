"""Exceptions raised by the slkv package.

Every error from libslkv_runtime is raised as a :class:`SlkvError` subclass chosen by the
library's status and carrying its status name (``err.status_name``, e.g.
``"SLKV_ERROR_MODEL_MISMATCH"``) and its message. Arguments the Python layer refuses before
calling the library (wrong shape, dtype, contiguity or device) raise
:class:`InvalidArgumentError` (also a ``ValueError``) or :class:`ArgumentTypeError` (also a
``TypeError``), with the status name ``SLKV_ERROR_INVALID_ARGUMENT``.
"""

from __future__ import annotations

from typing import Dict, Type


class SlkvError(RuntimeError):
    """An error reported by libslkv_runtime or by the argument checks in front of it."""

    def __init__(self, status_name: str, message: str) -> None:
        super().__init__(f"{status_name}: {message}")
        self.status_name = status_name
        self.message = message


class InvalidArgumentError(SlkvError, ValueError):
    """Bad argument: wrong shape, contiguity, device, out-of-range index, NaN score."""

    def __init__(self, message: str, status_name: str = "SLKV_ERROR_INVALID_ARGUMENT") -> None:
        super().__init__(status_name, message)


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type or element type (dtype)."""


class PlanIOError(SlkvError):
    """The plan file cannot be read (SLKV_ERROR_IO)."""


class PlanParseError(SlkvError):
    """The plan is not JSON (SLKV_ERROR_PARSE)."""


class PlanSchemaError(SlkvError):
    """Another schema or an unsupported version (SLKV_ERROR_SCHEMA)."""


class InvalidPlanError(SlkvError):
    """Missing or mistyped members, bad shapes or caps (SLKV_ERROR_INVALID_PLAN)."""


class ChecksumError(SlkvError):
    """The plan's content does not match its checksum: it was edited (SLKV_ERROR_CHECKSUM)."""


class ModelMismatchError(SlkvError):
    """The plan was made for another model (SLKV_ERROR_MODEL_MISMATCH)."""


class BufferTooSmallError(SlkvError):
    """A workspace, kept stride or reserved rows are too small (SLKV_ERROR_BUFFER_TOO_SMALL)."""


class UnsupportedError(SlkvError):
    """Not available in this build, e.g. CUDA entry points without CUDA (SLKV_ERROR_UNSUPPORTED)."""


class CudaError(SlkvError):
    """A CUDA call failed inside the library (SLKV_ERROR_CUDA)."""


_BY_STATUS: Dict[str, Type[SlkvError]] = {
    "SLKV_ERROR_IO": PlanIOError,
    "SLKV_ERROR_PARSE": PlanParseError,
    "SLKV_ERROR_SCHEMA": PlanSchemaError,
    "SLKV_ERROR_INVALID_PLAN": InvalidPlanError,
    "SLKV_ERROR_CHECKSUM": ChecksumError,
    "SLKV_ERROR_MODEL_MISMATCH": ModelMismatchError,
    "SLKV_ERROR_BUFFER_TOO_SMALL": BufferTooSmallError,
    "SLKV_ERROR_UNSUPPORTED": UnsupportedError,
    "SLKV_ERROR_CUDA": CudaError,
}


def error_for_status(status_name: str, message: str) -> SlkvError:
    """The exception for a library status name and message."""
    if status_name == "SLKV_ERROR_INVALID_ARGUMENT":
        return InvalidArgumentError(message)
    return _BY_STATUS.get(status_name, SlkvError)(status_name, message)
