"""The SID U-Net as an ncnn .param/.bin pair written straight from sid's safetensors weights (no pnnx, no torch).

    python sid_ncnn.py sid.safetensors sid.ncnn.param sid.ncnn.bin

The graph is the one pnnx 20261020 makes from sid_onnx.py's model (`pnnx sid.onnx fp16=0`): Convolution
with the LeakyReLU 0.2 fused (9=2), Split where a level's output also feeds a skip, Pooling max 2x2,
Deconvolution 2x2 stride 2, Concat, a 1x1 Convolution, PixelShuffle and Clip 0..1. Weights stay float32:
each Convolution or Deconvolution weight blob starts with a zero 4-byte tag (raw float32), the bias follows
untagged. ncnn's Deconvolution takes [out, in, kh, kw] where PyTorch's ConvTranspose2d holds
[in, out, kh, kw]. Input blob "packed" [C, H, W], output blob "rgb".
"""
import sys

import numpy as np

import safetensors_io

INPUT = "packed"
OUTPUT = "rgb"


def write(tensors, param_path, bin_path):
    layers = []  # (type, name, inputs, outputs, params)
    weights = []

    def add(kind, name, inputs, outputs, params=""):
        layers.append((kind, name, inputs, outputs, params))

    def conv(x, name, activate=True):
        weight = np.asarray(tensors[name + ".weight"], dtype="<f4")
        out_channels, _, kernel, _ = weight.shape
        params = (f"0={out_channels} 1={kernel} 2=1 3=1 4={kernel // 2} 5=1 6={weight.size}"
                  + (" 9=2 -23310=1,2.000000e-01" if activate else ""))
        add("Convolution", name, [x], [name], params)
        weights.append((weight, tensors[name + ".bias"]))
        return name

    def split(x, count=2):
        outputs = [f"{x}_split{i}" for i in range(count)]
        add("Split", f"split_{x}", [x], outputs)
        return outputs

    add("Input", INPUT, [], [INPUT], "0=0 1=0 2=0")
    x = INPUT
    skips = []
    for level in range(1, 6):
        if level > 1:
            add("Pooling", f"pool{level - 1}", [x], [f"pool{level - 1}"], "0=0 1=2 2=2 3=0 5=1")
            x = f"pool{level - 1}"
        x = conv(conv(x, f"conv{level}_1"), f"conv{level}_2")
        if level < 5:
            skip, x = split(x)
            skips.append(skip)
    for level in range(6, 10):
        up = f"upv{level}"
        weight = np.ascontiguousarray(np.asarray(tensors[up + ".weight"], dtype="<f4").transpose(1, 0, 2, 3))
        add("Deconvolution", up, [x], [up], f"0={weight.shape[0]} 1=2 2=1 3=2 4=0 5=1 6={weight.size}")
        weights.append((weight, tensors[up + ".bias"]))
        add("Concat", f"concat{level}", [up, skips[9 - level]], [f"concat{level}"], "0=0")
        x = conv(conv(f"concat{level}", f"conv{level}_1"), f"conv{level}_2")
    x = conv(x, "conv10_1", activate=False)
    scale = int(round((tensors["conv10_1.weight"].shape[0] // 3) ** 0.5))
    add("PixelShuffle", "pixel_shuffle", [x], ["shuffled"], f"0={scale} 1=0")
    add("Clip", "clip", ["shuffled"], [OUTPUT], "0=0.000000e+00 1=1.000000e+00")

    blobs = {blob for layer in layers for blob in layer[3]}
    lines = ["7767517", f"{len(layers)} {len(blobs)}"]
    for kind, name, inputs, outputs, params in layers:
        lines.append(f"{kind:24s} {name:24s} {len(inputs)} {len(outputs)} {' '.join(inputs + outputs)} {params}".rstrip())
    with open(param_path, "w") as out:
        out.write("\n".join(lines) + "\n")
    with open(bin_path, "wb") as out:
        for weight, bias in weights:
            out.write(np.zeros(1, "<u4").tobytes())
            out.write(np.ascontiguousarray(weight, dtype="<f4").tobytes())
            out.write(np.ascontiguousarray(bias, dtype="<f4").tobytes())


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    write(safetensors_io.read_safetensors(sys.argv[1]), sys.argv[2], sys.argv[3])
