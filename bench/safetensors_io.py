"""Random SID weights in sid's safetensors layout, and reading them back, with numpy alone.

The layout is what `sid convert` writes (Sources/SIDWeights/SafeTensorsWriter.swift): an 8-byte
little-endian header length, a JSON header padded with spaces to a multiple of 8, then float32
tensors back to back in sorted name order. Names and shapes are PyTorch's (conv: [out, in, kh, kw],
ConvTranspose2d upvN: [in, out, 2, 2]), as in Sources/SIDWeights/SIDArchitecture.swift.
"""
import json
import struct

import numpy as np


def sid_tensor_shapes(in_channels=4, scale=2, width=32):
    """(name, shape) of every tensor of the SID U-Net, in network order."""
    shapes = []

    def conv(name, cout, cin, k=3):
        shapes.append((name + ".weight", (cout, cin, k, k)))
        shapes.append((name + ".bias", (cout,)))

    levels = [width * m for m in (1, 2, 4, 8, 16)]
    cin = in_channels
    for level, c in enumerate(levels, start=1):
        conv(f"conv{level}_1", c, cin)
        conv(f"conv{level}_2", c, c)
        cin = c
    for level, c in zip(range(6, 10), reversed(levels[:-1])):
        shapes.append((f"upv{level}.weight", (2 * c, c, 2, 2)))
        shapes.append((f"upv{level}.bias", (c,)))
        conv(f"conv{level}_1", c, 2 * c)
        conv(f"conv{level}_2", c, c)
    conv("conv10_1", 3 * scale * scale, width, k=1)
    return shapes


def random_sid_weights(seed=0, in_channels=4, scale=2, width=32):
    """He-uniform weights (biases within 0.1, the last conv an eighth): activations stay in a sane range,
    so the output is neither all clipped nor all zero and a comparison between runtimes means something."""
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, shape in sid_tensor_shapes(in_channels, scale, width):
        if name.endswith(".bias"):
            bound = 0.1
        else:
            fan_in = shape[0] if name.startswith("upv") else int(np.prod(shape[1:]))
            bound = (6.0 / fan_in) ** 0.5 / (8 if name == "conv10_1.weight" else 1)
        tensors[name] = rng.uniform(-bound, bound, size=shape).astype("<f4")
    return tensors


def write_safetensors(path, tensors, metadata):
    names = sorted(tensors)
    header = {"__metadata__": dict(metadata)}
    offset = 0
    for name in names:
        size = tensors[name].size * 4
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for name in names:
            out.write(np.ascontiguousarray(tensors[name], dtype="<f4").tobytes())


def read_safetensors(path):
    """Name -> float32 array for every tensor of an F32 safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, not F32")
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start + begin:start + end], dtype="<f4").reshape(entry["shape"])
    return tensors
