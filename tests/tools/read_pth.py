"""Reads a .pth the way torch.load does, without torch: Python's own zipfile and pickle, with
torch's three callables stood in for (tests/export.rs runs it on the tutorial's files and on ours).

    python3 tests/tools/read_pth.py FILE   ->  one JSON object: key -> size, stride, offset, sha256
"""
import collections
import hashlib
import json
import pickle
import struct
import sys
import zipfile


def main(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        # torch's reader takes the folder of the first entry as the archive's, and needs a version.
        folder = names[0].split("/")[0]
        assert all(n.startswith(folder + "/") for n in names), names
        assert archive.read(f"{folder}/version").strip().isdigit()
        if f"{folder}/byteorder" in names:
            assert archive.read(f"{folder}/byteorder") == b"little"
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED, info

        def storage(pid):
            kind, dtype, key, location, numel = pid
            assert (kind, dtype, location) == ("storage", "torch.FloatStorage", "cpu"), pid
            data = archive.read(f"{folder}/data/{key}")
            assert len(data) == 4 * numel, (key, len(data), numel)
            return struct.unpack(f"<{numel}f", data)

        def rebuild(values, offset, size, stride, requires_grad, hooks, *rest):
            count = _prod(size)
            contiguous = tuple(_prod(size[i + 1:]) for i in range(len(size)))
            assert tuple(stride) == contiguous, (size, stride)
            chosen = values[offset:offset + count]
            digest = hashlib.sha256(struct.pack(f"<{count}f", *chosen)).hexdigest()
            return {"size": list(size), "stride": list(stride), "offset": offset, "sha256": digest}

        class Unpickler(pickle.Unpickler):
            def find_class(self, module, name):
                allowed = {
                    ("collections", "OrderedDict"): collections.OrderedDict,
                    ("torch._utils", "_rebuild_tensor_v2"): rebuild,
                    ("torch", "FloatStorage"): "torch.FloatStorage",
                }
                if (module, name) not in allowed:
                    raise pickle.UnpicklingError(f"{module}.{name}")
                return allowed[(module, name)]

            def persistent_load(self, pid):
                return storage(pid)

        with archive.open(f"{folder}/data.pkl") as pkl:
            state = Unpickler(pkl).load()
    assert isinstance(state, collections.OrderedDict), type(state)
    print(json.dumps(state, sort_keys=True))


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


if __name__ == "__main__":
    main(sys.argv[1])
