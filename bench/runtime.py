"""Runs the SID network in one runtime, in this process alone, and prints a JSON report.

    python runtime.py {onnxruntime,openvino,openvino-f32,mnn,mnn-default,ncnn,ncnn-bf16} --model sid.onnx --input packed.npy
                      [--threads 2] [--runs 1] [--warmup 1] [--save-output out.npy]

MNN reads the .mnn file beside the model (sid.mnn, from `mnnconvert -f ONNX`), ncnn the .ncnn.param and
.ncnn.bin beside it (from sid_ncnn.py); compare.py makes both.

Only the inference call is timed (the runtime's own output allocation included, input conversion
excluded); loading and compiling are reported apart. Peak RSS is this process's VmHWM.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

RUNTIMES = ("onnxruntime", "openvino", "openvino-f32", "mnn", "mnn-default", "ncnn", "ncnn-bf16")
# Interpreter::HintMode::WINOGRAD_MEMORY_LEVEL in MNN 3.6 (not exported to Python).
MNN_WINOGRAD_MEMORY_LEVEL = 3


def peak_rss_megabytes():
    """VmHWM, not ru_maxrss: Linux carries the spawning process's high-water mark across exec into
    ru_maxrss, so a runtime started by a large parent would report at least the parent's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def onnxruntime_session(model, packed, threads):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    details = {"version": ort.__version__, "precision": "f32", "providers": session.get_providers()}
    return (lambda: session.run(["rgb"], {"packed": packed})[0]), details


def openvino_session(model, packed, threads, precision):
    import openvino as ov

    core = ov.Core()
    network = core.read_model(model)
    # A static shape lets the CPU plugin pick its kernels and memory plan once, as it would in deployment.
    network.reshape({"packed": list(packed.shape)})
    config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    compiled = core.compile_model(network, "CPU", config)
    request = compiled.create_infer_request()
    details = {"version": ov.__version__.split("-")[0],
               "precision": compiled.get_property("INFERENCE_PRECISION_HINT").to_string(),
               "threads": int(compiled.get_property("INFERENCE_NUM_THREADS"))}

    def infer():
        request.infer({"packed": packed})
        return request.get_output_tensor(0).data

    return infer, details


def mnn_session(model, packed, threads, default_winograd):
    import MNN

    # precision "high" is fp32. "low" would be fp16 or bf16 where MNN's CPU backend has them (ARMv8.2, or an x86
    # build with MNN_SUPPORT_BF16); this x86 wheel gives the very same output for "low", so there is no low mode here.
    # MNN's default Winograd level picks large output tiles that are 1.5e-3 to 3e-3 off fp32 on this network; level 0
    # keeps small tiles and fp32-class accuracy (levels 1 and 2 gave NaN on a 512x512 input with 3.6.1).
    manager = MNN.nn.create_runtime_manager(({"backend": "CPU", "precision": "high", "numThread": threads},))
    if not default_winograd:
        manager.set_hint(MNN_WINOGRAD_MEMORY_LEVEL, 0)
    module = MNN.nn.load_module_from_file(model[:-len(".onnx")] + ".mnn", ["packed"], ["rgb"], runtime_manager=manager)
    source = MNN.expr.const(packed, list(packed.shape), MNN.expr.NCHW)
    details = {"version": MNN.version(), "precision": "f32, default Winograd tiles" if default_winograd else "f32"}

    def infer():
        return MNN.expr.convert(module.forward([source])[0], MNN.expr.NCHW).read()

    return infer, details


def ncnn_session(model, packed, threads, bf16):
    import ncnn

    stem = model[:-len(".onnx")]
    net = ncnn.Net()
    net.opt.num_threads = threads
    net.opt.use_fp16_packed = net.opt.use_fp16_storage = net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = bf16
    net.opt.use_bf16_packed = bf16
    if net.load_param(stem + ".ncnn.param") or net.load_model(stem + ".ncnn.bin"):
        sys.exit(f"ncnn could not load {stem}.ncnn.param / .bin")
    source = ncnn.Mat(np.ascontiguousarray(packed[0]))
    details = {"version": ncnn.__version__, "precision": "bf16 storage" if bf16 else "f32"}

    def infer():
        with net.create_extractor() as extractor:
            extractor.input("packed", source)
            status, output = extractor.extract("rgb")
            if status:
                sys.exit(f"ncnn extract failed ({status})")
            return np.array(output)[None]

    return infer, details


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runtime", choices=RUNTIMES)
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--save-output")
    args = parser.parse_args()
    # MNN prints banners on stdout from C++: send fd 1 to stderr and keep a copy of it for the JSON report alone.
    sys.stdout.flush()
    report_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)

    packed = np.load(args.input)
    if packed.dtype != np.float32 or packed.ndim != 4:
        sys.exit(f"{args.input}: expected float32 [1, C, H, W], found {packed.dtype} {packed.shape}")
    start = time.perf_counter()
    if args.runtime == "onnxruntime":
        infer, details = onnxruntime_session(args.model, packed, args.threads)
    elif args.runtime.startswith("mnn"):
        infer, details = mnn_session(args.model, packed, args.threads, args.runtime == "mnn-default")
    elif args.runtime.startswith("ncnn"):
        infer, details = ncnn_session(args.model, packed, args.threads, args.runtime == "ncnn-bf16")
    else:
        infer, details = openvino_session(args.model, packed, args.threads, "f32" if args.runtime == "openvino-f32" else None)
    load_seconds = time.perf_counter() - start
    for _ in range(args.warmup):
        infer()
    seconds = []
    output = None
    for _ in range(args.runs):
        start = time.perf_counter()
        output = infer()
        seconds.append(time.perf_counter() - start)
    if args.save_output:
        np.save(args.save_output, np.ascontiguousarray(output, dtype="<f4"))
    print(json.dumps({
        "runtime": args.runtime, **details, "input": args.input, "shape": list(packed.shape), "threads": args.threads,
        "loadSeconds": load_seconds, "forwardSeconds": seconds,
        "peakRSSMegabytes": peak_rss_megabytes(),
    }), file=report_out, flush=True)


if __name__ == "__main__":
    main()
