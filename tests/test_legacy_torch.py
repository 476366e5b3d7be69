"""The numpy-only reader of legacy PyTorch files: a file written here in that
format (with stand-in torch modules) must come back exactly, strides included."""
import collections
import pickle
import struct
import sys
import types

import numpy as np
import pytest

from embed.legacy_torch import load_state_dict


class _Storage:
    def __init__(self, key, data):
        self.key, self.data = key, data


def write_legacy(path, tensors: dict, strides: dict | None = None):
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    class FloatStorage:  # noqa: D401 - stand-in type, only its name is pickled
        pass

    def _rebuild_tensor_v2(*a):  # pragma: no cover - never called when writing
        raise AssertionError

    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2 = FloatStorage, _rebuild_tensor_v2
    saved = {k: sys.modules.get(k) for k in ("torch", "torch._utils")}
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    try:
        class Tensor:
            def __init__(self, storage, shape, stride):
                self.args = (storage, 0, shape, stride, False, collections.OrderedDict())

            def __reduce__(self):
                return (_rebuild_tensor_v2, self.args)

        class P(pickle.Pickler):
            def persistent_id(self, obj):
                if isinstance(obj, _Storage):
                    return ("storage", FloatStorage, obj.key, "cpu", obj.data.size, None)
                return None

        state = collections.OrderedDict()
        storages = []
        for i, (name, arr) in enumerate(tensors.items()):
            stride = (strides or {}).get(name)
            if stride is None:
                flat = np.ascontiguousarray(arr, np.float32).reshape(-1)
                stride = tuple(s // 4 for s in np.ascontiguousarray(arr, np.float32).strides)
            else:  # store in the memory order the stride describes (channels-last, as in the real file)
                order = np.argsort(stride)[::-1]
                flat = np.ascontiguousarray(np.transpose(arr, order), np.float32).reshape(-1)
            st = _Storage(str(i), flat)
            storages.append(st)
            state[name] = Tensor(st, tuple(arr.shape), tuple(stride))
        with open(path, "wb") as f:
            pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
            pickle.dump(1001, f, protocol=2)
            pickle.dump({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
            P(f, protocol=2).dump(state)
            pickle.dump([s.key for s in storages], f, protocol=2)
            for s in storages:
                f.write(struct.pack("<q", s.data.size))
                f.write(s.data.astype("<f4").tobytes())
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def test_round_trip_with_channels_last_strides(tmp_path):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 3, 2, 2)).astype(np.float32)
    b = rng.normal(size=(4,)).astype(np.float32)
    path = tmp_path / "w.pth"
    # (O, I, H, W) stored as H, W, I, O in memory: stride (1, 4, 24, 12)
    write_legacy(path, {"conv.weight": w, "conv.bias": b}, strides={"conv.weight": (1, 4, 24, 12)})
    state = load_state_dict(path)
    assert list(state) == ["conv.weight", "conv.bias"]
    assert np.array_equal(state["conv.weight"], w)
    assert np.array_equal(state["conv.bias"], b)


def test_refuses_arbitrary_globals(tmp_path):
    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"little_endian": True}, f, protocol=2)
        f.write(b"cos\nsystem\n(S'echo pwned'\ntR.")
    with pytest.raises(pickle.UnpicklingError, match="refusing to load os.system"):
        load_state_dict(path)


def test_not_a_legacy_file(tmp_path):
    path = tmp_path / "x.pth"
    with open(path, "wb") as f:
        pickle.dump(123, f)
    with pytest.raises(ValueError, match="not a legacy PyTorch file"):
        load_state_dict(path)
