"""Read a legacy (pre-zip) PyTorch ``.pth`` state dict with numpy alone.

Why: the only real ImageNet weights that install offline here ship as a
PyTorch pickle, and we do not want a 700 MB torch dependency to read 18 MB of
floats. The unpickler is restricted: it can build ordered dicts and tensors and
nothing else, so a hostile file cannot run code.

Legacy layout: five pickles back to back (magic, protocol, sys info, the state
dict whose tensors point at storages by key, the list of storage keys) followed
by every storage as int64 element count + raw little-endian bytes.
"""
from __future__ import annotations

import collections
import pickle
import struct
from pathlib import Path

import numpy as np

_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _TensorRef(tuple):
    """(storage key, offset, shape, strides) until the storages are read."""


def _rebuild_tensor_v2(storage_key, offset, shape, stride, *_ignored):
    return _TensorRef((storage_key, offset, tuple(shape), tuple(stride)))


class _StateDictUnpickler(pickle.Unpickler):
    def __init__(self, file):
        super().__init__(file)
        self.storages: dict[str, tuple[type, int]] = {}

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a weights file")

    def persistent_load(self, pid):
        kind, dtype, key, _location, size = pid[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {kind!r}")
        self.storages[key] = (dtype, size)
        return key


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Return {parameter name: numpy array} from a legacy PyTorch file."""
    with open(path, "rb") as f:
        if pickle.load(f) != _MAGIC:
            raise ValueError(f"{path} is not a legacy PyTorch file (bad magic number)")
        pickle.load(f)  # protocol version
        sys_info = pickle.load(f)
        if not sys_info.get("little_endian", True):
            raise ValueError(f"{path} was written on a big-endian machine")
        unpickler = _StateDictUnpickler(f)
        state = unpickler.load()
        keys = pickle.load(f)
        raw: dict[str, np.ndarray] = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(unpickler.storages[key][0])
            raw[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype)
    out = {}
    for name, ref in state.items():
        key, offset, shape, stride = ref
        flat = raw[key]
        item = flat.itemsize
        # Honour the strides: these weights were converted from TensorFlow and
        # are stored channels-last, so shape and memory order differ.
        view = np.lib.stride_tricks.as_strided(
            flat[offset:], shape=shape, strides=tuple(s * item for s in stride)
        )
        out[name] = np.array(view)
    return out
