"""Convert exercise inputs and answers to plain data and back.

The grader never lets a learner's process hand it Python objects: inputs travel to the learner's
process, and answers travel back, as a JSON-able description (``meta``) plus a dict of numpy arrays
that can be saved with ``numpy.savez`` and loaded with ``allow_pickle=False``.

Supported values: torch tensors, numpy arrays, None, bool, int, float, str, and tuples, lists and
str-keyed dicts of these. Anything else is recorded by its type name only, so that a checker can
still say "you returned a <type>".
"""

import numpy as np
import torch

_SCALARS = (bool, int, float, str)


class Foreign:
    """Stands in for a value that could not travel as plain data; remembers its type name."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name}>"


def type_name(value):
    """The learner-facing name of a value's type, e.g. 'torch.Tensor' or 'numpy.ndarray'."""
    if isinstance(value, Foreign):
        return value.type_name
    if isinstance(value, torch.Tensor):
        return "torch.Tensor"
    cls = type(value)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def to_plain(value, arrays=None):
    """Return (meta, arrays): ``meta`` is JSON-able and refers to arrays by key."""
    arrays = {} if arrays is None else arrays
    return _encode(value, arrays), arrays


def _encode(value, arrays):
    if value is None or isinstance(value, _SCALARS):
        return {"kind": "scalar", "value": value}
    if isinstance(value, torch.Tensor):
        return _encode_tensor(value, arrays)
    if isinstance(value, np.ndarray) and value.dtype != object:
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"kind": "ndarray", "key": key}
    if isinstance(value, (tuple, list)):  # a namedtuple or other subclass travels as its base
        kind = "list" if isinstance(value, list) else "tuple"
        return {"kind": kind, "items": [_encode(v, arrays) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"kind": "dict", "items": {k: _encode(v, arrays) for k, v in value.items()}}
    return {"kind": "foreign", "type": type_name(value)}


def _encode_tensor(tensor, arrays):
    try:
        data = tensor.detach().cpu()
        if data.dtype in (torch.bfloat16, torch.float16):
            data = data.to(torch.float32)  # numpy has no bfloat16; the dtype name travels in meta
        array = data.resolve_conj().resolve_neg().numpy()
    except (RuntimeError, TypeError):  # sparse, meta or other exotic tensors
        return {"kind": "foreign", "type": f"torch.Tensor ({tensor.layout}, {tensor.device})"}
    key = f"a{len(arrays)}"
    arrays[key] = array
    return {"kind": "tensor", "key": key, "dtype": str(tensor.dtype)}


def from_plain(meta, arrays):
    """Rebuild the value described by ``meta`` (the inverse of ``to_plain``)."""
    kind = meta["kind"]
    if kind == "scalar":
        return meta["value"]
    if kind == "tensor":
        return _tensor(np.asarray(arrays[meta["key"]]), meta["dtype"])
    if kind == "ndarray":
        return np.asarray(arrays[meta["key"]])
    if kind in ("tuple", "list"):
        items = [from_plain(m, arrays) for m in meta["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: from_plain(m, arrays) for k, m in meta["items"].items()}
    return Foreign(str(meta.get("type", "unknown")))


def _tensor(array, dtype_name):
    dtype = getattr(torch, dtype_name.removeprefix("torch."), None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"unknown tensor dtype {dtype_name!r}")
    return torch.from_numpy(np.array(array, copy=True)).to(dtype)
