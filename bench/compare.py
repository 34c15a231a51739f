"""sid against ONNX Runtime, OpenVINO, MNN and ncnn: the same network, weights and input, timed alternately.

Run through bench/compare.sh, which makes the venv and finds or builds `sid`. Steps, all under --work:
  1. one random weights file in sid's safetensors layout; from it the same network as ONNX (sid_onnx.py),
     as MNN (mnnconvert from that ONNX) and as ncnn .param/.bin (sid_ncnn.py);
  2. a full-frame synthetic DNG (`sid sample`), packed by `sid pack` as `sid enhance` would;
  3. an accuracy check on a central crop: every runtime's output, and sid's on every kernel copy this CPU
     runs, against PyTorch fp32 (sid_torch.py); fp32 runtimes more than 1e-3 off stop the script;
  4. rounds in which sid runs before and after every other runtime, each in its own process pinned to the
     same CPUs; a runtime's ratio in a round is its time over the mean of the two sid runs around it, and
     pairs where those two sid runs disagree or the load was high are set aside as contended;
  5. a table of median ratios [range], median seconds and peak RSS, the issue's target line, also written
     as compare-WxH.json and compare-WxH.md.
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
import sid_ncnn
import sid_onnx

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIMES = ("sid", "onnxruntime", "openvino", "openvino-f32", "mnn", "mnn-default", "ncnn", "ncnn-bf16")
KERNEL_COPIES = ("avx512", "avx2", "portable")
# Runtimes reporting precision "f32" must agree with PyTorch fp32 to this (outputs are in [0, 1]); reduced
# precision (OpenVINO's bf16, ncnn's bf16 storage) and MNN's default Winograd tiles are reported, not checked.
F32_TOLERANCE = 1e-3
# The issue's target: sid's forward at least this many times faster than OpenVINO with its default precision.
TARGET_SPEEDUP = 1.2


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(command, capture=True):
    result = subprocess.run(command, stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr.strip()}")
    return result.stdout


def pinned(args, command):
    return (["taskset", "-c", args.cpus] if args.cpus and shutil.which("taskset") else []) + command


def runtime_command(args, runtime, packed, runs, warmup, save_output=None, kernels=None):
    """The command that times one runtime in a fresh process and prints its JSON report."""
    if runtime == "sid":
        command = [args.sid, "bench", "--input", packed, "--weights", args.weights_path, "--threads", str(args.threads),
                   "--runs", str(runs), "--json"]
        if kernels:
            command += ["--kernels", kernels]
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
    report["seconds"] = float(np.median(report["forwardSeconds"]))
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
    stem = args.model_path[:-len(".onnx")]
    if any(r.startswith("mnn") for r in args.runtime_list) and \
            (not os.path.exists(stem + ".mnn") or os.path.getmtime(stem + ".mnn") < os.path.getmtime(args.model_path)):
        log(f"converting the ONNX graph for MNN: {stem}.mnn")
        run([os.path.join(os.path.dirname(sys.executable), "mnnconvert"), "-f", "ONNX", "--modelFile", args.model_path,
             "--MNNModel", stem + ".mnn", "--bizCode", "sid"])
    if any(r.startswith("ncnn") for r in args.runtime_list) and \
            (not os.path.exists(stem + ".ncnn.bin") or os.path.getmtime(stem + ".ncnn.bin") < os.path.getmtime(args.weights_path)):
        log(f"writing the ncnn graph from those weights: {stem}.ncnn.param/.bin")
        sid_ncnn.write(safetensors_io.read_safetensors(args.weights_path), stem + ".ncnn.param", stem + ".ncnn.bin")
    raw = os.path.join(args.work, f"frame-{args.width}x{args.height}.dng")
    if not os.path.exists(raw):
        run([args.sid, "sample", raw, "--width", str(args.width), "--height", str(args.height)])
    packed = os.path.join(args.work, f"frame-{args.width}x{args.height}-ratio{args.ratio}.npy")
    log(run([args.sid, "pack", raw, "--ratio", args.ratio, "--output", packed]).strip())
    return packed


def compare_outputs(label, output, reference, gated, crop):
    output = np.clip(output.astype(np.float64), 0, 1)
    if output.shape != reference.shape:
        sys.exit(f"{label} gave shape {output.shape}, PyTorch {reference.shape}")
    difference = np.abs(output - reference)
    mse = float(np.mean(difference ** 2))
    return {
        "runtime": label, "crop": list(crop), "gated": gated, "maxAbsDiff": float(difference.max()),
        "meanAbsDiff": float(difference.mean()), "psnrDb": float("inf") if mse == 0 else float(10 * np.log10(1 / mse)),
        "eightBitOffByMoreThanOne": int(np.sum(np.abs(np.round(output * 255) - np.round(reference * 255)) > 1)),
        "samples": int(output.size),
    }


def check_accuracy(args, packed, runtimes):
    """Every runtime's clipped output on a central crop, and sid's on every kernel copy this CPU runs,
    against PyTorch fp32 from the same safetensors."""
    full = np.load(packed, mmap_mode="r")
    height, width = (min(s, f) for s, f in zip(args.crop, full.shape[2:]))
    top, left = ((f - s) // 2 // 16 * 16 for s, f in zip((height, width), full.shape[2:]))
    crop = os.path.join(args.work, f"crop-{height}x{width}.npy")
    np.save(crop, np.ascontiguousarray(full[:, :, top:top + height, left:left + width]))
    target = os.path.join(args.work, "crop-output-pytorch.npy")
    report = json.loads(run(pinned(args, [sys.executable, os.path.join(HERE, "sid_torch.py"), "--weights", args.weights_path,
                                          "--input", crop, "--output", target, "--threads", str(args.threads)])))
    log(f"reference: PyTorch {report['version']} fp32 on the {width}x{height} crop")
    args.torch_version = report["version"]
    reference = np.clip(np.load(target).astype(np.float64), 0, 1)
    rows = []
    for copy in KERNEL_COPIES:
        target = os.path.join(args.work, f"crop-output-sid-{copy}.npy")
        command = runtime_command(args, "sid", crop, runs=1, warmup=0, save_output=target, kernels=copy)
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0 and "--kernels" in result.stderr and "Unknown option" in result.stderr:
            log("this sid has no --kernels option: checking the copy it picks by itself only")
            command = runtime_command(args, "sid", crop, runs=1, warmup=0, save_output=target)
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if result.returncode == 0:
                copy = json.loads(result.stdout)["kernels"]
                rows.append(compare_outputs(f"sid ({copy}, its own pick)", np.load(target), reference, True, (height, width)))
                break
        if result.returncode != 0:
            if "cannot run" in result.stderr:
                log(f"sid --kernels {copy}: not run, this CPU lacks its instructions")
                rows.append({"runtime": f"sid --kernels {copy}", "skipped": result.stderr.strip().splitlines()[0]})
                continue
            sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr.strip()}")
        used = json.loads(result.stdout)["kernels"]
        if used != copy:
            sys.exit(f"sid bench --kernels {copy} reported {used} kernels")
        rows.append(compare_outputs(f"sid --kernels {copy}", np.load(target), reference, True, (height, width)))
    for runtime in runtimes:
        if runtime == "sid":
            continue
        target = os.path.join(args.work, f"crop-output-{runtime}.npy")
        report = measure(args, runtime, crop, runs=1, warmup=0, save_output=target)
        row = compare_outputs(runtime, np.load(target), reference, report.get("precision") == "f32", (height, width))
        row["precision"] = report.get("precision")
        rows.append(row)
    return rows


def contended_reason(args, before, peer, after):
    """Why a (sid, peer, sid) triple says little about the peer against sid, or None."""
    sid_mean = (before["seconds"] + after["seconds"]) / 2
    spread = abs(before["seconds"] - after["seconds"]) / sid_mean
    if spread > args.tolerance:
        return f"sid before/after differ by {100 * spread:.0f} %"
    load = max(report["loadAverageBefore"] for report in (before, peer, after))
    if load > args.max_load:
        return f"load average {load:.1f}"
    return None


def time_rounds(args, packed, runtimes):
    """Rounds of sid, peer 1, sid, peer 2, ..., sid: every peer run has a sid run just before and just after it."""
    peers = [r for r in runtimes if r != "sid"]
    sid_runs = []
    pairs = {peer: [] for peer in peers}
    for round_index in range(args.rounds):
        # Rotating the order keeps any runtime from always running first after the same neighbour.
        shift = round_index % len(peers) if peers else 0
        order = peers[shift:] + peers[:shift]

        def timed(runtime):
            report = measure(args, runtime, packed, runs=args.runs, warmup=args.warmup)
            report["round"] = round_index + 1
            log(f"round {round_index + 1}/{args.rounds} {runtime:13s} forward "
                + ", ".join(f"{s:.2f}" for s in report["forwardSeconds"])
                + f" s, peak RSS {report['peakRSSMegabytes']:.0f} MB, process {report['processSeconds']:.1f} s,"
                + f" load average {report['loadAverageBefore']:.2f}")
            return report

        before = timed("sid")
        sid_runs.append(before)
        for peer in order:
            report = timed(peer)
            after = timed("sid")
            sid_runs.append(after)
            reason = contended_reason(args, before, report, after)
            pairs[peer].append({"round": round_index + 1, "sidBefore": before["seconds"], "sidAfter": after["seconds"],
                                "seconds": report["seconds"], "ratio": report["seconds"] / ((before["seconds"] + after["seconds"]) / 2),
                                "contended": reason, "report": report})
            if reason:
                log(f"  {peer} in round {round_index + 1} is contended: {reason}")
            before = after
    return sid_runs, pairs


def summarise(sid_runs, pairs):
    sid_seconds = [report["seconds"] for report in sid_runs]
    rows = [{"runtime": "sid", "precision": "f32", "version": f"({sid_runs[0].get('kernels', '?')} kernels)",
             "medianSeconds": float(np.median(sid_seconds)), "minSeconds": min(sid_seconds),
             "medianRatio": 1.0, "ratioRange": [1.0, 1.0], "kept": len(sid_runs), "total": len(sid_runs),
             "allContended": False, "peakRSSMegabytes": max(report["peakRSSMegabytes"] for report in sid_runs)}]
    for peer, triples in pairs.items():
        kept = [t for t in triples if not t["contended"]]
        used = kept or triples  # every pair contended: say so, but still show the figures
        ratios = [t["ratio"] for t in used]
        sid_around = [s for t in used for s in (t["sidBefore"], t["sidAfter"])]
        rows.append({
            "runtime": peer, "precision": triples[0]["report"].get("precision", "f32"),
            "version": triples[0]["report"].get("version", ""),
            "medianSeconds": float(np.median([t["seconds"] for t in used])), "minSeconds": min(t["seconds"] for t in used),
            "sidMedianSecondsAround": float(np.median(sid_around)),
            "medianRatio": float(np.median(ratios)), "ratioRange": [min(ratios), max(ratios)],
            "kept": len(kept), "total": len(triples), "allContended": not kept,
            "peakRSSMegabytes": max(t["report"]["peakRSSMegabytes"] for t in triples),
        })
    return rows


def verdict(result):
    """The issue's acceptance check: sid's forward at least 1.2x OpenVINO's default-precision one, and every listed
    runtime (sid on every kernel copy included) accurate, reduced precision being judged by PSNR only."""
    lines = []
    openvino = next((row for row in result["timing"] if row["runtime"] == "openvino"), None)
    if openvino:
        speedup = openvino["medianSeconds"] / openvino["sidMedianSecondsAround"]
        met = speedup >= TARGET_SPEEDUP
        lines.append(f"TARGET speed: sid is {speedup:.2f}x as fast as OpenVINO {openvino['version']} with its default precision "
                     f"({openvino['precision']}), ratio of medians {openvino['medianSeconds']:.2f} s / "
                     f"{openvino['sidMedianSecondsAround']:.2f} s over {openvino['kept'] if not openvino['allContended'] else openvino['total']} rounds"
                     f"{' (ALL CONTENDED)' if openvino['allContended'] else ''}: {'MET' if met else 'NOT MET'} (>= {TARGET_SPEEDUP}x)")
    else:
        lines.append("TARGET speed: not measured (openvino not in --runtimes)")
    checked = [row for row in result["accuracy"] if "skipped" not in row]
    if checked:
        failed = [row["runtime"] for row in checked if row["gated"] and row["maxAbsDiff"] > F32_TOLERANCE]
        lines.append(f"TARGET accuracy: {len(checked) - len(failed)} of {len(checked)} runs checked against PyTorch fp32 "
                     f"({', '.join(row['runtime'] for row in checked)}); fp32 ones within {F32_TOLERANCE}: "
                     + ("PASSED" if not failed else "FAILED: " + ", ".join(failed))
                     + "; reduced precision reported only: " + (", ".join(
                         f"{row['runtime']} {row['psnrDb']:.1f} dB" for row in checked if not row["gated"]) or "none"))
    else:
        lines.append("TARGET accuracy: not checked (--skip-check)")
    return lines


def markdown(result):
    lines = [
        f"Measured {result['date']} on {result['cpu']} ({result['cpuCount']} CPUs visible), "
        f"pinned to CPUs {result['cpus']}, {result['threads']} threads per runtime; load average "
        f"{result['loadAverageBefore']:.2f} before, {result['loadAverageAfter']:.2f} after.",
        f"Input: packed {result['shape'][3]}x{result['shape'][2]} ({result['gflop']:.0f} GFLOP), random weights, "
        f"{result['rounds']} rounds x {result['runs']} timed runs after {result['warmup']} warm-up, forward only. "
        f"A pair is contended when the sid runs before and after differ by more than {100 * result['tolerance']:.0f} % "
        f"or the load average exceeded {result['maxLoad']}.",
        "",
        "| runtime | precision | time / sid, median [range] | median s | min s | rounds kept | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["timing"]:
        kept = f"{row['kept']} of {row['total']}" + (" (all contended, all shown)" if row["allContended"] else "")
        if row["runtime"] == "sid":
            kept = f"{row['total']} runs"
        lines.append(f"| {(row['runtime'] + ' ' + row['version']).strip()} | {row['precision']} | "
                     f"{row['medianRatio']:.2f} [{row['ratioRange'][0]:.2f}-{row['ratioRange'][1]:.2f}] | "
                     f"{row['medianSeconds']:.2f} | {row['minSeconds']:.2f} | {kept} | {row['peakRSSMegabytes']:.0f} |")
    if result["accuracy"]:
        crop = next((row["crop"] for row in result["accuracy"] if "crop" in row), None)
        lines += ["", f"Accuracy against PyTorch {result.get('torchVersion', '')} fp32 (all clipped to [0, 1]) on a "
                      f"{crop[1]}x{crop[0]} packed crop ({3 * 4 * crop[0] * crop[1] / 1e6:.1f} M output samples); "
                      f"'checked' rows must stay within {F32_TOLERANCE}:", "",
                  "| runtime | checked | max abs diff | mean abs diff | PSNR dB | 8-bit samples off by > 1 |",
                  "|---|---|---:|---:|---:|---:|"]
        for row in result["accuracy"]:
            if "skipped" in row:
                lines.append(f"| {row['runtime']} | not run: {row['skipped']} | | | | |")
                continue
            lines.append(f"| {row['runtime']} | {'yes' if row['gated'] else 'no (' + row.get('precision', '') + ')'} | "
                         f"{row['maxAbsDiff']:.2e} | {row['meanAbsDiff']:.2e} | {row['psnrDb']:.1f} | {row['eightBitOffByMoreThanOne']} |")
    if result.get("sidLayers"):
        lines += ["", "sid's slowest layers (mean s per frame, last run): " + ", ".join(
            f"{name} {seconds:.2f}" for name, seconds in result["sidLayers"])]
    lines += [""] + verdict(result)
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
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2 rounds on a 1024x1024 raw (512x512 packed), 256x256 crop, unless given")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 10, 2 with --quick)")
    parser.add_argument("--runs", type=int, default=1, help="timed runs per process, after the warm-up")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per process first (sid bench always does 1)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cpus", default="0,1", help="taskset CPU list for every process ('' to not pin)")
    parser.add_argument("--width", type=int, help="raw width (packed is half; default 4256, 1024 with --quick)")
    parser.add_argument("--height", type=int, help="raw height (default 2848, 1024 with --quick)")
    parser.add_argument("--ratio", default="100")
    parser.add_argument("--crop", type=parse_size, help="packed HxW of the accuracy check (default 512x1024, 256x256 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runtimes", default=",".join(RUNTIMES))
    parser.add_argument("--tolerance", type=float, default=0.15,
                        help="a pair is contended when the sid runs around it differ by more than this fraction")
    parser.add_argument("--max-load", type=float, default=3.0,
                        help="a pair is contended when the 1-minute load average before any of its 3 runs exceeds this")
    parser.add_argument("--skip-check", action="store_true", help="skip the accuracy check")
    args = parser.parse_args()
    args.rounds = args.rounds or (2 if args.quick else 10)
    args.width = args.width or (1024 if args.quick else 4256)
    args.height = args.height or (1024 if args.quick else 2848)
    args.crop = args.crop or ((256, 256) if args.quick else (512, 1024))
    runtimes = [r for r in args.runtimes.split(",") if r]
    if "sid" not in runtimes or any(r not in RUNTIMES for r in runtimes):
        sys.exit(f"--runtimes must include sid and only name {', '.join(RUNTIMES)}")
    runtimes = ["sid"] + [r for r in runtimes if r != "sid"]
    args.runtime_list = runtimes
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
            if "skipped" in row:
                continue
            log(f"accuracy {row['runtime']:20s} max abs diff {row['maxAbsDiff']:.2e}, mean {row['meanAbsDiff']:.2e}, "
                f"PSNR {row['psnrDb']:.1f} dB, 8-bit off by > 1: {row['eightBitOffByMoreThanOne']}"
                + ("" if row["gated"] else " (not checked: " + str(row.get("precision")) + ")"))
        bad = [row for row in accuracy if row.get("gated") and row["maxAbsDiff"] > F32_TOLERANCE]
        if bad:
            sys.exit(f"fp32 outputs differ from PyTorch's by more than {F32_TOLERANCE}: "
                     f"{[(row['runtime'], row['maxAbsDiff']) for row in bad]}; the timings would compare different networks")
    sid_runs, pairs = time_rounds(args, packed, runtimes)
    shape = list(np.load(packed, mmap_mode="r").shape)
    sid_last = sid_runs[-1]
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                    platform.processor()),
        "cpuCount": os.cpu_count(), "cpus": args.cpus, "threads": args.threads, "shape": shape, "gflop": sid_last["gflop"],
        "rounds": args.rounds, "runs": args.runs, "warmup": args.warmup, "tolerance": args.tolerance, "maxLoad": args.max_load,
        "loadAverageBefore": load_before, "loadAverageAfter": os.getloadavg()[0],
        "accuracy": accuracy, "timing": summarise(sid_runs, pairs),
        "sidLayers": sorted(sid_last["layersMeanSeconds"].items(), key=lambda item: -item[1])[:6],
        "sidRuns": sid_runs, "pairs": pairs,
    }
    result["torchVersion"] = getattr(args, "torch_version", "")
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
