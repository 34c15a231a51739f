"""Runs the SID ONNX model in one runtime, in this process alone, and prints a JSON report.

    python runtime.py {onnxruntime,openvino,openvino-f32} --model sid.onnx --input packed.npy
                      [--threads 2] [--runs 1] [--warmup 1] [--save-output out.npy]

Only the inference call is timed (the runtime's own output allocation included, input conversion
excluded); loading and compiling are reported apart. Peak RSS is this process's VmHWM.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np

RUNTIMES = ("onnxruntime", "openvino", "openvino-f32")


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

    packed = np.load(args.input)
    if packed.dtype != np.float32 or packed.ndim != 4:
        sys.exit(f"{args.input}: expected float32 [1, C, H, W], found {packed.dtype} {packed.shape}")
    start = time.perf_counter()
    if args.runtime == "onnxruntime":
        infer, details = onnxruntime_session(args.model, packed, args.threads)
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
    }))


if __name__ == "__main__":
    main()
