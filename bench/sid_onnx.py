"""The SID U-Net as an ONNX graph built with onnx.helper from sid's safetensors weights (no torch).

Per level: Conv 3x3 pad 1 + LeakyRelu(0.2), twice; MaxPool 2x2 stride 2 between levels. Decoder:
ConvTranspose 2x2 stride 2 with bias, Concat [up, skip] on channels, two convs. Then a 1x1 conv to
3*s*s channels, DepthToSpace CRD (= PyTorch pixel_shuffle) and Clip to [0, 1]. Height and width are
symbolic; sizes that are multiples of 16 match sid exactly (sid follows TensorFlow for other sizes).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8


def build(tensors):
    """An onnx.ModelProto computing sid's network with these weights; input "packed", output "rgb"."""
    in_channels = tensors["conv1_1.weight"].shape[1]
    out_channels = tensors["conv10_1.weight"].shape[0]
    scale = int(round((out_channels // 3) ** 0.5))
    nodes = []
    initializers = [numpy_helper.from_array(np.ascontiguousarray(v, dtype=np.float32), name) for name, v in tensors.items()]
    initializers += [numpy_helper.from_array(np.array(0, np.float32), "zero"),
                     numpy_helper.from_array(np.array(1, np.float32), "one")]

    def conv(x, name, kernel=3, activate=True):
        out = name if not activate else name + ".conv"
        pad = kernel // 2
        nodes.append(helper.make_node("Conv", [x, name + ".weight", name + ".bias"], [out], name=name,
                                      kernel_shape=[kernel, kernel], pads=[pad] * 4))
        if activate:
            nodes.append(helper.make_node("LeakyRelu", [out], [name], name=name + ".lrelu", alpha=0.2))
        return name

    x = "packed"
    skips = []
    for level in range(1, 6):
        if level > 1:
            nodes.append(helper.make_node("MaxPool", [x], [f"pool{level - 1}"], name=f"pool{level - 1}",
                                          kernel_shape=[2, 2], strides=[2, 2]))
            x = f"pool{level - 1}"
        x = conv(conv(x, f"conv{level}_1"), f"conv{level}_2")
        skips.append(x)
    for level in range(6, 10):
        up = f"upv{level}"
        nodes.append(helper.make_node("ConvTranspose", [x, up + ".weight", up + ".bias"], [up], name=up,
                                      kernel_shape=[2, 2], strides=[2, 2]))
        nodes.append(helper.make_node("Concat", [up, skips[9 - level]], [f"concat{level}"], name=f"concat{level}", axis=1))
        x = conv(conv(f"concat{level}", f"conv{level}_1"), f"conv{level}_2")
    x = conv(x, "conv10_1", kernel=1, activate=False)
    nodes.append(helper.make_node("DepthToSpace", [x], ["shuffled"], name="pixel_shuffle", blocksize=scale, mode="CRD"))
    nodes.append(helper.make_node("Clip", ["shuffled", "zero", "one"], ["rgb"], name="clip"))

    graph = helper.make_graph(
        nodes, "sid_unet",
        [helper.make_tensor_value_info("packed", TensorProto.FLOAT, [1, in_channels, "height", "width"])],
        [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, "out_height", "out_width"])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="sid bench/sid_onnx.py")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model
