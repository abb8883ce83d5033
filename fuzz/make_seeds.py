"""Seeds for the fuzz targets from the project's real files (run by fuzz/run.sh)."""
import gzip
import struct
import sys
from pathlib import Path

root = Path(sys.argv[1])
seeds = Path(__file__).parent / "seeds"
images = gzip.decompress((root / "static/data/mnist/t10k-images-idx3-ubyte.gz").read_bytes())
labels = gzip.decompress((root / "static/data/mnist/t10k-labels-idx1-ubyte.gz").read_bytes())

# IDX: the first 20 test images and labels, plain and gzipped.
count = 20
few_images = struct.pack(">IIII", 2051, count, 28, 28) + images[16:16 + count * 784]
few_labels = struct.pack(">II", 2049, count) + labels[8:8 + count]
for name, data in [("images", few_images), ("labels", few_labels)]:
    (seeds / "idx" / f"{name}.idx").write_bytes(data)
    (seeds / "idx" / f"{name}.idx.gz").write_bytes(gzip.compress(data))

# Drawings: test digits at 28x28 and doubled to 56x56, as the preprocess target reads them
# (width - 1, height - 1, then one byte a pixel).
for index in range(3):
    digit = images[16 + index * 784:16 + (index + 1) * 784]
    (seeds / "preprocess" / f"digit{index}-28").write_bytes(bytes([27, 27]) + digit)
    doubled = bytes(digit[(y // 2) * 28 + x // 2] for y in range(56) for x in range(56))
    (seeds / "preprocess" / f"digit{index}-56").write_bytes(bytes([55, 55]) + doubled)

# Weight files, small enough that the fuzzer runs thousands a second (the real ones, hundreds
# of KB, are seeds too): latent-lab's own format, f16, f32 and q8, and tutorial-style .pth archives.
import hashlib
import io
import json
import collections
import pickle
import types
import zipfile


def q8(shape, values):
    """Per row (the first dimension; a vector is one row): an f32 scale, then the values as i8."""
    rows = shape[0] if len(shape) >= 2 else 1
    width = len(values) // rows
    out = b""
    for r in range(rows):
        row = values[r * width:(r + 1) * width]
        scale = max(abs(v) for v in row) / 127
        out += struct.pack("<f", scale) + bytes((round(v / scale) if scale else 0) & 0xFF for v in row)
    return out


def llw(model, tensors, precision):
    packed = {
        "f16": lambda shape, values: struct.pack(f"<{len(values)}e", *values),
        "f32": lambda shape, values: struct.pack(f"<{len(values)}f", *values),
        "q8": q8,
    }[precision]
    data = b"".join(packed(shape, values) for _, shape, values in tensors)
    header = {
        "format_version": 1, "model": model, "architecture": "seed", "dataset": "mnist", "epochs": 1, "steps": 2,
        "seed": 3, "metrics": {"loss": 1.5}, "precision": precision,
        "tensors": [{"path": path, "shape": shape} for path, shape, _ in tensors],
        "data_sha256": hashlib.sha256(data).hexdigest(),
    }
    header = json.dumps(header, separators=(",", ":")).encode()
    return b"LLWEIGHT" + struct.pack("<I", len(header)) + header + data


small = [("encoder.0.weight", [3, 2], [0.5, -1.0, 0.25, 2.0, 0.0, 1.0]), ("encoder.0.bias", [2], [0.1, -0.1])]
for model in ["ae", "vae", "gan"]:
    for precision in ["f16", "f32", "q8"]:
        (seeds / "weights" / f"small-{model}-{precision}.llw").write_bytes(llw(model, small, precision))

# torch.save's layout: archive/data.pkl (protocol 2, storages as persistent ids), archive/data/N,
# archive/byteorder, archive/version. The pickle names torch's callables; stand-ins with those
# names let Python's own pickler write exactly what torch would.
torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
sys.modules.update({"torch": torch, "torch._utils": utils})


class FloatStorage:
    pass


def _rebuild_tensor_v2(*args):
    pass


FloatStorage.__module__, _rebuild_tensor_v2.__module__ = "torch", "torch._utils"
torch.FloatStorage, utils._rebuild_tensor_v2 = FloatStorage, _rebuild_tensor_v2


class Storage:
    def __init__(self, key, count):
        self.key, self.count = key, count


class Tensor:
    def __init__(self, key, shape):
        self.key, self.shape = key, shape

    def __reduce__(self):
        count = 1
        for size in self.shape:
            count *= size
        strides = tuple(int(__import__("math").prod(self.shape[i + 1:])) for i in range(len(self.shape)))
        return (_rebuild_tensor_v2, (Storage(self.key, count), 0, tuple(self.shape), strides, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.count)
        return None


def pth(name, tensors):
    state = collections.OrderedDict()
    buffer = io.BytesIO()
    for index, (key, shape, values) in enumerate(tensors):
        state[key] = Tensor(str(index), shape)
    TorchPickler(buffer, protocol=2).dump(state)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{name}/data.pkl", buffer.getvalue())
        archive.writestr(f"{name}/byteorder", "little")
        for index, (_, _, values) in enumerate(tensors):
            archive.writestr(f"{name}/data/{index}", struct.pack(f"<{len(values)}f", *values))
        archive.writestr(f"{name}/version", "3\n")
    return out.getvalue()


for folder in ["pth", "weights"]:
    (seeds / folder / "small-ae.pth").write_bytes(pth("sim_autoencoder", [("encoder.0.weight", [2, 3], small[0][2]), ("encoder.0.bias", [2], small[1][2])]))
    (seeds / folder / "small-vae.pth").write_bytes(pth("vae", [("fc1.weight", [2, 3], small[0][2]), ("fc21.weight", [1, 2], [0.5, 0.5])]))
