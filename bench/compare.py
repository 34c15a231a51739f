"""sid against ONNX Runtime and OpenVINO: the same network, weights and input, timed alternately.

Run through bench/compare.sh, which makes the venv and finds or builds `sid`. Steps, all under --work:
  1. one random weights file in sid's safetensors layout, and the same network as ONNX built from it;
  2. a full-frame synthetic DNG (`sid sample`), packed by `sid pack` as `sid enhance` would;
  3. an accuracy check on a crop: every runtime's output against sid's float output;
  4. rounds in which every runtime runs in its own process, in a rotating order, pinned to the same CPUs;
  5. a table of forward-only medians, minimums, peak RSS and ratios, also written as
     compare-WxH.json and compare-WxH.md.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx

import safetensors_io
import sid_onnx

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIMES = ("sid", "onnxruntime", "openvino", "openvino-f32")
# fp32 runtimes must agree with sid to this (outputs are in [0, 1]); bf16 is reported, not checked.
F32_TOLERANCE = 1e-3


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(command, capture=True):
    result = subprocess.run(command, stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr.strip()}")
    return result.stdout


def pinned(args, command):
    return (["taskset", "-c", args.cpus] if args.cpus and shutil.which("taskset") else []) + command


def runtime_command(args, runtime, packed, runs, warmup, save_output=None):
    """The command that times one runtime in a fresh process and prints its JSON report."""
    if runtime == "sid":
        command = [args.sid, "bench", "--input", packed, "--weights", args.weights_path, "--threads", str(args.threads),
                   "--runs", str(runs), "--json"]
        if save_output:
            command += ["--save-output", save_output]
        return pinned(args, command)
    command = [sys.executable, os.path.join(HERE, "runtime.py"), runtime, "--model", args.model_path, "--input", packed,
               "--threads", str(args.threads), "--runs", str(runs), "--warmup", str(warmup)]
    if save_output:
        command += ["--save-output", save_output]
    return pinned(args, command)


def measure(args, runtime, packed, runs, warmup, save_output=None):
    load = os.getloadavg()[0]
    start = time.perf_counter()
    report = json.loads(run(runtime_command(args, runtime, packed, runs, warmup, save_output)))
    report["processSeconds"] = time.perf_counter() - start
    # Other work on the machine shows here; compare.json keeps it beside every figure.
    report["loadAverageBefore"] = load
    return report


def prepare(args):
    os.makedirs(args.work, exist_ok=True)
    args.weights_path = os.path.join(args.work, f"sid-random-seed{args.seed}.safetensors")
    args.model_path = os.path.join(args.work, f"sid-random-seed{args.seed}.onnx")
    if not os.path.exists(args.weights_path):
        log(f"writing random weights (seed {args.seed}) to {args.weights_path}")
        safetensors_io.write_safetensors(args.weights_path, safetensors_io.random_sid_weights(args.seed),
                                         {"source_checkpoint": f"random He-uniform weights, bench/safetensors_io.py seed {args.seed}"})
    if not os.path.exists(args.model_path) or os.path.getmtime(args.model_path) < os.path.getmtime(args.weights_path):
        log(f"building the ONNX graph from those weights: {args.model_path}")
        onnx.save(sid_onnx.build(safetensors_io.read_safetensors(args.weights_path)), args.model_path)
    raw = os.path.join(args.work, f"frame-{args.width}x{args.height}.dng")
    if not os.path.exists(raw):
        run([args.sid, "sample", raw, "--width", str(args.width), "--height", str(args.height)])
    packed = os.path.join(args.work, f"frame-{args.width}x{args.height}-ratio{args.ratio}.npy")
    log(run([args.sid, "pack", raw, "--ratio", args.ratio, "--output", packed]).strip())
    return packed


def check_accuracy(args, packed, runtimes):
    """Each runtime's clipped output on a central crop against sid's, which is the reference here."""
    full = np.load(packed, mmap_mode="r")
    height, width = (min(s, f) for s, f in zip(args.crop, full.shape[2:]))
    top, left = ((f - s) // 2 // 16 * 16 for s, f in zip((height, width), full.shape[2:]))
    crop = os.path.join(args.work, f"crop-{height}x{width}.npy")
    np.save(crop, np.ascontiguousarray(full[:, :, top:top + height, left:left + width]))
    outputs = {}
    for runtime in runtimes:
        target = os.path.join(args.work, f"crop-output-{runtime}.npy")
        measure(args, runtime, crop, runs=1, warmup=0, save_output=target)
        outputs[runtime] = np.clip(np.load(target).astype(np.float64), 0, 1)
    reference = outputs["sid"]
    rows = []
    for runtime in runtimes:
        if runtime == "sid":
            continue
        if outputs[runtime].shape != reference.shape:
            sys.exit(f"{runtime} gave shape {outputs[runtime].shape}, sid {reference.shape}")
        difference = np.abs(outputs[runtime] - reference)
        mse = float(np.mean(difference ** 2))
        rows.append({
            "runtime": runtime, "crop": [height, width], "maxAbsDiff": float(difference.max()),
            "meanAbsDiff": float(difference.mean()), "psnrDb": float("inf") if mse == 0 else 10 * np.log10(1 / mse),
            "eightBitOffByMoreThanOne": int(np.sum(np.abs(np.round(outputs[runtime] * 255) - np.round(reference * 255)) > 1)),
        })
    return rows


def time_rounds(args, packed, runtimes):
    reports = {runtime: [] for runtime in runtimes}
    for round_index in range(args.rounds):
        # Rotating the order keeps any runtime from always running right after the same neighbour.
        order = runtimes[round_index % len(runtimes):] + runtimes[:round_index % len(runtimes)]
        for runtime in order:
            report = measure(args, runtime, packed, runs=args.runs, warmup=args.warmup)
            reports[runtime].append(report)
            log(f"round {round_index + 1}/{args.rounds} {runtime:13s} forward "
                + ", ".join(f"{s:.2f}" for s in report["forwardSeconds"])
                + f" s, peak RSS {report['peakRSSMegabytes']:.0f} MB, process {report['processSeconds']:.1f} s,"
                + f" load average {report['loadAverageBefore']:.2f}")
    return reports


def summarise(reports):
    rows = []
    for runtime, runs in reports.items():
        seconds = [s for report in runs for s in report["forwardSeconds"]]
        rows.append({
            "runtime": runtime,
            "precision": runs[0].get("precision", "f32"),
            "version": runs[0].get("version", ""),
            "forwardSeconds": seconds,
            "medianSeconds": float(np.median(seconds)),
            "minSeconds": min(seconds),
            "peakRSSMegabytes": max(report["peakRSSMegabytes"] for report in runs),
        })
    sid_median = next((row["medianSeconds"] for row in rows if row["runtime"] == "sid"), None)
    for row in rows:
        row["ratioToSid"] = row["medianSeconds"] / sid_median if sid_median else None
    return rows


def markdown(result):
    lines = [
        f"Measured {result['date']} on {result['cpu']} ({result['cpuCount']} CPUs visible), "
        f"pinned to CPUs {result['cpus']}, {result['threads']} threads per runtime; load average "
        f"{result['loadAverageBefore']:.2f} before, {result['loadAverageAfter']:.2f} after.",
        f"Input: packed {result['shape'][3]}x{result['shape'][2]} ({result['gflop']:.0f} GFLOP), random weights, "
        f"{result['rounds']} rounds x {result['runs']} timed runs after {result['warmup']} warm-up, forward only.",
        "",
        "| runtime | precision | median s | min s | peak RSS MB | time / sid |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in result["timing"]:
        ratio = f"{row['ratioToSid']:.2f}" if row["ratioToSid"] is not None else "-"
        lines.append(f"| {(row['runtime'] + ' ' + row['version']).strip()} | {row['precision']} | {row['medianSeconds']:.2f} | "
                     f"{row['minSeconds']:.2f} | {row['peakRSSMegabytes']:.0f} | {ratio} |")
    if result["accuracy"]:
        lines += ["", f"Accuracy against sid's output (clipped to [0, 1]) on a {result['accuracy'][0]['crop'][1]}x"
                      f"{result['accuracy'][0]['crop'][0]} packed crop:", "",
                  "| runtime | max abs diff | mean abs diff | PSNR dB | 8-bit samples off by > 1 |", "|---|---:|---:|---:|---:|"]
        for row in result["accuracy"]:
            lines.append(f"| {row['runtime']} | {row['maxAbsDiff']:.2e} | {row['meanAbsDiff']:.2e} | "
                         f"{row['psnrDb']:.1f} | {row['eightBitOffByMoreThanOne']} |")
    if result.get("sidLayers"):
        lines += ["", "sid's slowest layers (mean s per frame, last round): " + ", ".join(
            f"{name} {seconds:.2f}" for name, seconds in result["sidLayers"])]
    return "\n".join(lines) + "\n"


def parse_size(text):
    height, width = (int(part) for part in text.lower().split("x"))
    if height <= 0 or width <= 0 or height % 16 or width % 16:
        raise argparse.ArgumentTypeError("the crop's sides must be positive multiples of 16")
    return height, width


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sid", required=True, help="the sid binary (a release build)")
    parser.add_argument("--work", required=True, help="directory for weights, inputs, outputs and results")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1, help="timed runs per process, after the warm-up")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per process first (sid bench always does 1)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cpus", default="0,1", help="taskset CPU list for every process ('' to not pin)")
    parser.add_argument("--width", type=int, default=4256, help="raw width (packed is half)")
    parser.add_argument("--height", type=int, default=2848)
    parser.add_argument("--ratio", default="100")
    parser.add_argument("--crop", type=parse_size, default=(512, 1024), help="packed HxW of the accuracy check")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runtimes", default=",".join(RUNTIMES))
    parser.add_argument("--skip-check", action="store_true", help="skip the accuracy check")
    args = parser.parse_args()
    runtimes = [r for r in args.runtimes.split(",") if r]
    if "sid" not in runtimes or any(r not in RUNTIMES for r in runtimes):
        sys.exit(f"--runtimes must include sid and only name {', '.join(RUNTIMES)}")
    # The ONNX graph pools by floor and concatenates without cropping, like the PyTorch port: that is
    # sid's network only when the packed sides (half the raw's) are multiples of 16.
    if args.width % 32 or args.height % 32:
        sys.exit("--width and --height must be multiples of 32 (packed sides multiples of 16)")
    if args.warmup != 1:
        log("note: sid bench always runs one untimed warm-up; the others run --warmup")

    load_before = os.getloadavg()[0]
    packed = prepare(args)
    accuracy = []
    if not args.skip_check:
        accuracy = check_accuracy(args, packed, runtimes)
        for row in accuracy:
            log(f"accuracy {row['runtime']:13s} max abs diff {row['maxAbsDiff']:.2e}, PSNR {row['psnrDb']:.1f} dB")
        bad = [row for row in accuracy if row["runtime"] != "openvino" and row["maxAbsDiff"] > F32_TOLERANCE]
        if bad:
            sys.exit(f"fp32 outputs differ from sid's by more than {F32_TOLERANCE}: {bad}; the timings would compare different networks")
    reports = time_rounds(args, packed, runtimes)
    shape = list(np.load(packed, mmap_mode="r").shape)
    sid_last = reports["sid"][-1]
    result = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                    platform.processor()),
        "cpuCount": os.cpu_count(), "cpus": args.cpus, "threads": args.threads, "shape": shape, "gflop": sid_last["gflop"],
        "rounds": args.rounds, "runs": args.runs, "warmup": args.warmup,
        "loadAverageBefore": load_before, "loadAverageAfter": os.getloadavg()[0],
        "accuracy": accuracy, "timing": summarise(reports),
        "sidLayers": sorted(sid_last["layersMeanSeconds"].items(), key=lambda item: -item[1])[:6],
        "reports": reports,
    }
    # Named by frame size, so a quick small run does not overwrite the full-frame results.
    stem = os.path.join(args.work, f"compare-{args.width}x{args.height}")
    with open(stem + ".json", "w") as out:
        json.dump(result, out, indent=2)
    table = markdown(result)
    with open(stem + ".md", "w") as out:
        out.write(table)
    print(table)
    log(f"wrote {stem}.json and {stem}.md")


if __name__ == "__main__":
    main()
