"""Winograd F(4x4) against F(6x6), layer by layer: the error each layer's F(6x6) adds to the network's output
(against PyTorch in float64) and the time each layer takes under either, the table behind WinogradPlan.standard.

    python3 bench/winograd_table.py --sid .build/release/sid [--work .build-winograd] [--rounds 3]

Needs numpy and torch (`pip install torch==2.13.0`). Random He-uniform weights (bench/safetensors_io.py seed 0),
a `sid sample` frame packed by `sid pack --ratio 100` as bench/compare.sh does; errors on a central crop, times on
the whole frame. sid takes the F(6x6) layers from --winograd-f6x6.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402

LAYERS = ["conv1_2"] + [f"conv{l}_{i}" for l in range(2, 10) for i in (1, 2)]


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr.strip()}")
    return result.stdout


def reference(weights, packed):
    """The U-Net in float64 PyTorch: the exact answer the fp32 runtimes approximate."""
    import torch
    import torch.nn.functional as F
    w = {k: torch.from_numpy(np.array(v, dtype=np.float64)) for k, v in weights.items()}
    x = torch.from_numpy(np.array(packed, dtype=np.float64))

    def conv(name, t):
        y = F.conv2d(t, w[name + ".weight"], w[name + ".bias"], padding=1)
        return torch.maximum(y, 0.2 * y)

    skips = []
    for level in range(1, 6):
        x = conv(f"conv{level}_2", conv(f"conv{level}_1", x))
        skips.append(x)
        if level < 5:
            x = F.max_pool2d(x, 2)
    for block in range(6, 10):
        up = F.conv_transpose2d(x, w[f"upv{block}.weight"], w[f"upv{block}.bias"], stride=2)
        x = conv(f"conv{block}_2", conv(f"conv{block}_1", torch.cat([up, skips[9 - block]], 1)))
    y = F.conv2d(x, w["conv10_1.weight"], w["conv10_1.bias"])
    return F.pixel_shuffle(y, 2).numpy()


def errors(found, expected):
    a, b = np.clip(found.astype(np.float64), 0, 1), np.clip(expected, 0, 1)
    mse = float(np.mean((a - b) ** 2))
    return {
        "maxAbs": float(np.abs(found - expected).max()),
        "psnr": float("inf") if mse == 0 else 10 * np.log10(1 / mse),
        "off8": int(np.sum(np.abs(np.round(a * 255) - np.round(b * 255)) > 1)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sid", required=True)
    parser.add_argument("--work", default=".build-winograd")
    parser.add_argument("--rounds", type=int, default=3, help="alternating F(4x4) / F(6x6) full-frame runs (0: errors only)")
    parser.add_argument("--runs", type=int, default=1, help="timed runs per process")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--crop", default="512x1024", help="HxW packed crop for the errors")
    parser.add_argument("--reuse-errors", action="store_true", help="take the errors from the last run's winograd-table.json")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    weights_path = os.path.join(args.work, "sid-random-seed0.safetensors")
    if not os.path.exists(weights_path):
        safetensors_io.write_safetensors(weights_path, safetensors_io.random_sid_weights(0),
                                         {"source_checkpoint": "random He-uniform weights, bench/safetensors_io.py seed 0"})
    raw = os.path.join(args.work, "frame-4256x2848.dng")
    if not os.path.exists(raw):
        run([args.sid, "sample", raw, "--width", "4256", "--height", "2848"])
    packed = os.path.join(args.work, "frame-ratio100.npy")
    if not os.path.exists(packed):
        run([args.sid, "pack", raw, "--ratio", "100", "--output", packed])
    full = np.load(packed, mmap_mode="r")
    height, width = (int(s) for s in args.crop.split("x"))
    top, left = ((f - s) // 2 // 16 * 16 for s, f in zip((height, width), full.shape[2:]))
    crop = os.path.join(args.work, f"crop-{height}x{width}.npy")
    np.save(crop, np.ascontiguousarray(full[:, :, top:top + height, left:left + width]))
    expected_path = os.path.join(args.work, f"crop-{height}x{width}-float64.npy")
    if not os.path.exists(expected_path):
        np.save(expected_path, reference(safetensors_io.read_safetensors(weights_path), np.load(crop)))
    expected = np.load(expected_path)

    def sid(plan, input_path, runs, save=None):
        command = [args.sid, "bench", "--input", input_path, "--weights", weights_path, "--threads", str(args.threads),
                   "--runs", str(runs), "--json", "--winograd-f6x6", plan] + (["--save-output", save] if save else [])
        return json.loads(run(command))

    table = {}
    out = os.path.join(args.work, "crop-output.npy")
    saved = os.path.join(args.work, "winograd-table.json")
    if args.reuse_errors:
        with open(saved) as f:
            table = json.load(f)["errors"]
    for plan in [] if args.reuse_errors else ["none"] + LAYERS + ["all"]:
        report = sid(plan, crop, 1, save=out)
        table[plan] = {"errors": errors(np.load(out), expected), "kernels": report["kernels"]}
        e = table[plan]["errors"]
        print(f"errors {plan:8s} max |d| {e['maxAbs']:.2e}  PSNR {e['psnr']:.1f} dB  8-bit off by >1: {e['off8']}",
              file=sys.stderr)

    times = {"none": [], "all": []}
    for round_index in range(args.rounds):
        for plan in (["none", "all"] if round_index % 2 == 0 else ["all", "none"]):
            report = sid(plan, packed, args.runs)
            times[plan].append(report)
            print(f"round {round_index + 1} {plan}: forward {report['forwardMedianSeconds']:.3f} s,"
                  f" peak RSS {report['peakRSSMegabytes']:.0f} MB", file=sys.stderr)

    def layer_median(plan, layer):
        values = [r["layersMeanSeconds"].get(layer, float("nan")) for r in times[plan]]
        return statistics.median(values) if values else float("nan")

    def forward_median(plan):
        values = [r["forwardMedianSeconds"] for r in times[plan]]
        return statistics.median(values) if values else float("nan")

    print(f"kernels {table['none']['kernels']}, crop {height}x{width} errors against float64 PyTorch, "
          f"{args.rounds} rounds on packed {full.shape[3]}x{full.shape[2]}, {args.threads} threads\n")
    print("| layer | F(6x6) here only: max abs | PSNR dB | 8-bit off > 1 | F(4x4) s | F(6x6) s | F(6x6) / F(4x4) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for plan in ["none"] + LAYERS + ["all"]:
        e = table[plan]["errors"]
        if plan in LAYERS:
            f4, f6 = layer_median("none", plan), layer_median("all", plan)
            timing = f"{f4:.4f} | {f6:.4f} | {f6 / f4:.2f}"
        else:
            f4, f6 = forward_median("none"), forward_median("all")
            timing = f"{f4:.3f} | {f6:.3f} | {f6 / f4:.2f}" if plan == "all" else " | | "
        name = {"none": "(F(4x4) everywhere)", "all": "(F(6x6) everywhere; forward)"}.get(plan, plan)
        print(f"| {name} | {e['maxAbs']:.2e} | {e['psnr']:.1f} | {e['off8']} | {timing} |")
    rss = {p: max((r["peakRSSMegabytes"] for r in times[p]), default=float("nan")) for p in times}
    print(f"\npeak RSS MB: F(4x4) {rss['none']:.0f}, F(6x6) everywhere {rss['all']:.0f}")
    with open(saved, "w") as f:
        json.dump({"errors": table, "times": times}, f, indent=1)


if __name__ == "__main__":
    main()
