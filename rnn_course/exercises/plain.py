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
    """The learner-facing name of a value's type, e.g. 'torch.Tensor' or 'numpy.ndarray'.

    Read from the value's real type through ``type``'s own descriptors, so that neither a lying
    ``__class__`` nor a metaclass with odd attributes can run code or raise here.
    """
    cls = type(value)
    if cls is Foreign:
        return value.type_name
    if issubclass(cls, torch.Tensor):
        return "torch.Tensor"
    module = _TYPE_MODULE(cls)
    name = _TYPE_QUALNAME(cls)
    module = module if type(module) is str else "?"
    return name if module == "builtins" else f"{module}.{name}"


_TYPE_QUALNAME = type.__dict__["__qualname__"].__get__
_TYPE_MODULE = type.__dict__["__module__"].__get__


def class_name(cls):
    """A class's ``__name__``, read without running any of its (or its metaclass's) code."""
    return type.__dict__["__name__"].__get__(cls)


def to_plain(value, arrays=None):
    """Return (meta, arrays): ``meta`` is JSON-able and refers to arrays by key."""
    arrays = {} if arrays is None else arrays
    return _encode(value, arrays), arrays


def _encode(value, arrays):
    # Containers and scalars are read by their real type (``type``, never ``isinstance``, which believes
    # a lying ``__class__``) and through the base classes' own methods, so that none of their code runs.
    cls = type(value)
    if value is None or cls in _SCALARS:
        return {"kind": "scalar", "value": value}
    if issubclass(cls, _SCALARS):  # a subclass of int, float or str: keep only the plain value
        return {"kind": "scalar", "value": _plain_scalar(value)}
    if isinstance(value, torch.Tensor):  # a subclass's (or an impostor's) own code runs here: the
        return _encode_tensor(value, arrays)  # checker reads answers while its guard watches
    if issubclass(cls, np.ndarray) and np.ndarray.view(value, np.ndarray).dtype != object:
        key = f"a{len(arrays)}"
        arrays[key] = np.array(np.ndarray.view(value, np.ndarray), copy=True)
        return {"kind": "ndarray", "key": key}
    if issubclass(cls, (tuple, list)):  # a namedtuple or other subclass travels as its base
        kind = "list" if issubclass(cls, list) else "tuple"
        items = list(list.__iter__(value) if kind == "list" else tuple.__iter__(value))
        return {"kind": kind, "items": [_encode(v, arrays) for v in items]}
    if issubclass(cls, dict):
        items = list(dict.items(value))
        if all(type(k) is str for k, _ in items):
            return {"kind": "dict", "items": {k: _encode(v, arrays) for k, v in items}}
    return {"kind": "foreign", "type": type_name(value)}


def _plain_scalar(value):
    """The plain int, float or str inside an instance of a subclass of one of them."""
    for base in (int, float, str):
        if isinstance(value, base):  # the real type decided above that it is one of them
            return {int: int.__int__, float: float.__float__, str: str.__str__}[base](value)
    return None


def _encode_tensor(tensor, arrays):
    try:
        data = tensor.detach().cpu()
        dtype = None
        if data.dtype in (torch.bfloat16, torch.float16):
            dtype = data.dtype
            data = data.to(torch.float32)  # numpy has no bfloat16; the dtype name travels in meta
        array = data.resolve_conj().resolve_neg().numpy()
    except (
        Exception
    ):  # sparse, meta or other exotic tensors, or an object that only claims to be a tensor
        if issubclass(type(tensor), torch.Tensor):
            return {
                "kind": "foreign",
                "type": "torch.Tensor (sparse, meta or another kind that holds no plain numbers)",
            }
        return {"kind": "foreign", "type": type_name(tensor)}
    key = f"a{len(arrays)}"
    arrays[key] = array
    return {"kind": "tensor", "key": key, "dtype": str(data.dtype if dtype is None else dtype)}


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
