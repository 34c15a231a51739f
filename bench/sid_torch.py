"""The SID U-Net in PyTorch fp32 from sid's safetensors weights: the reference of compare.py's accuracy check.

    python sid_torch.py --weights sid.safetensors --input crop.npy --output reference.npy [--threads 2]

The network of the paper's PyTorch port (and of sid_onnx.py): per level two Conv2d 3x3 pad 1 +
LeakyReLU(0.2), MaxPool2d 2; ConvTranspose2d 2x2 stride 2, cat [up, skip], two convs; a 1x1 conv and
pixel_shuffle. The output is written before any clip (compare.py clips every runtime's to [0, 1]).
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F

import safetensors_io


def forward(tensors, x):
    def conv(x, name, activate=True):
        weight = tensors[name + ".weight"]
        x = F.conv2d(x, weight, tensors[name + ".bias"], padding=weight.shape[-1] // 2)
        return F.leaky_relu(x, 0.2) if activate else x

    skips = []
    for level in range(1, 6):
        if level > 1:
            x = F.max_pool2d(x, 2)
        x = conv(conv(x, f"conv{level}_1"), f"conv{level}_2")
        skips.append(x)
    for level in range(6, 10):
        up = F.conv_transpose2d(x, tensors[f"upv{level}.weight"], tensors[f"upv{level}.bias"], stride=2)
        x = conv(conv(torch.cat([up, skips[9 - level]], dim=1), f"conv{level}_1"), f"conv{level}_2")
    x = conv(x, "conv10_1", activate=False)
    scale = int(round((x.shape[1] // 3) ** 0.5))
    return F.pixel_shuffle(x, scale)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tensors = {name: torch.from_numpy(np.array(value, dtype=np.float32))
               for name, value in safetensors_io.read_safetensors(args.weights).items()}
    packed = torch.from_numpy(np.load(args.input).astype(np.float32))
    start = time.perf_counter()
    with torch.inference_mode():
        output = forward(tensors, packed)
    seconds = time.perf_counter() - start
    np.save(args.output, np.ascontiguousarray(output.numpy(), dtype="<f4"))
    print(json.dumps({"runtime": "pytorch", "version": torch.__version__.split("+")[0], "precision": "f32",
                      "dtype": str(output.dtype), "shape": list(output.shape), "forwardSeconds": [seconds]}))


if __name__ == "__main__":
    main()
