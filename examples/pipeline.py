#!/usr/bin/env python3
"""Enhance a folder of camera raws with a running `sid serve`: the reference client a pipeline author copies.

    python3 examples/pipeline.py RAW_DIR OUT_DIR [--url http://127.0.0.1:8080] [--concurrency 4]
                                 [--format png|jpeg|tiff] [--bits 8|16] [--quality 90] [--ratio auto]
                                 [--api-key KEY]

What it does, and why:
- Sends each raw as the request body (application/octet-stream): no multipart framing, streamed from disk.
- Runs `--concurrency` uploads at once. The service queues a few jobs and answers 503 (queue full, draining) or
  429 (this API key's in-flight limit) with Retry-After when it has no room: the client waits that long (plus a
  little jitter) and tries again, up to --max-attempts; connection errors back off the same way.
- Resumes: an output counts as done when both the image and its sidecar JSON exist. Both are written to a
  temporary name and renamed, so a run killed half-way leaves no half-written file, and the next run redoes only
  what is missing.
- Writes, next to each image, `<image>.json` with what the service said about it: model, ratio (and whether it
  was estimated), warnings, request id, server timings, size and media type. The image itself carries the camera
  metadata (EXIF) the service copies from the raw.
- Anything else than 2xx, 429 or 503 is the raw's fault (400/413/415/422: a problem+json body says why): it is
  logged with the service's sentence and the run goes on; the exit status is 1 if any raw failed.

Only `requests` is needed (Debian: python3-requests).
"""
import argparse
import concurrent.futures
import email.utils
import json
import os
import random
import sys
import threading
import time

import requests

RAW_EXTENSIONS = {".arw", ".raf", ".dng", ".nef", ".cr2", ".cr3", ".orf", ".rw2", ".pef", ".srw"}
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tiff"}
FORMAT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}

_local = threading.local()
_print_lock = threading.Lock()


def log(*parts):
    with _print_lock:
        print(*parts, flush=True)


def session(api_key):
    """One keep-alive connection per worker thread (requests' Session is not thread-safe)."""
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
        if api_key:
            _local.session.headers["Authorization"] = "Bearer " + api_key
    return _local.session


def retry_after_seconds(value, default):
    """Retry-After is either delay-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if value is None:
        return default
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return default


def output_paths(raw, out_dir, media_type):
    stem = os.path.splitext(os.path.basename(raw))[0]
    image = os.path.join(out_dir, stem + EXTENSIONS[media_type])
    return image, image + ".json"


def already_done(raw, out_dir, media_type):
    image, sidecar = output_paths(raw, out_dir, media_type)
    return os.path.exists(image) and os.path.exists(sidecar)


def write_atomically(path, data):
    temporary = path + ".part"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def enhance(raw, args):
    """Returns ("done" | "failed", detail, retries)."""
    params = {"ratio": args.ratio}
    if args.bits:
        params["bits"] = str(args.bits)
    if args.quality:
        params["quality"] = str(args.quality)
    if args.model:
        params["model"] = args.model
    headers = {"Content-Type": "application/octet-stream", "Accept": FORMAT_TYPES[args.format]}
    retries = 0
    for attempt in range(1, args.max_attempts + 1):
        try:
            with open(raw, "rb") as body:
                response = session(args.api_key).post(args.url.rstrip("/") + "/v1/enhance", params=params,
                                                      data=body, headers=headers, timeout=args.timeout)
        except requests.RequestException as error:
            wait = min(30.0, 0.5 * 2 ** attempt)
            log(f"retry {os.path.basename(raw)}: {error.__class__.__name__}, waiting {wait:.1f}s")
            _local.session = None
            retries += 1
            time.sleep(wait)
            continue
        if response.status_code in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"), min(30, 2 ** attempt))
            wait += random.uniform(0, 0.25)  # so that the clients the service refused together do not return together
            log(f"retry {os.path.basename(raw)}: {response.status_code}, Retry-After "
                f"{response.headers.get('Retry-After')}, waiting {wait:.2f}s")
            retries += 1
            time.sleep(wait)
            continue
        if response.status_code != 200:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            return "failed", f"{response.status_code}: {detail}", retries
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media_type not in EXTENSIONS:
            return "failed", f"unexpected Content-Type {media_type!r}", retries
        image, sidecar = output_paths(raw, args.out_dir, media_type)
        write_atomically(image, response.content)
        metadata = {
            "source": os.path.basename(raw),
            "media_type": media_type,
            "bytes": len(response.content),
            "model": response.headers.get("X-SID-Model"),
            "ratio": float(response.headers["X-SID-Ratio"]) if "X-SID-Ratio" in response.headers else None,
            "ratio_source": response.headers.get("X-SID-Ratio-Source"),
            "warnings": response.headers.get("X-SID-Warning"),
            "request_id": response.headers.get("X-Request-Id"),
            "server_timing": response.headers.get("Server-Timing"),
            "attempts": attempt,
        }
        write_atomically(sidecar, (json.dumps(metadata, indent=2) + "\n").encode())
        return "done", image, retries
    return "failed", f"no answer after {args.max_attempts} attempts", retries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--url", default=os.environ.get("SID_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--format", choices=sorted(FORMAT_TYPES), default="png")
    parser.add_argument("--bits", type=int, choices=[8, 16])
    parser.add_argument("--quality", type=int, help="JPEG quality 1-100")
    parser.add_argument("--ratio", default="auto")
    parser.add_argument("--model")
    parser.add_argument("--api-key", default=os.environ.get("SID_API_KEY"))
    parser.add_argument("--max-attempts", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=600, help="seconds for one request")
    args = parser.parse_args(argv)

    os.makedirs(args.out_dir, exist_ok=True)
    raws = sorted(os.path.join(args.raw_dir, name) for name in os.listdir(args.raw_dir)
                  if os.path.splitext(name)[1].lower() in RAW_EXTENSIONS)
    media_type = FORMAT_TYPES[args.format]
    pending = [raw for raw in raws if not already_done(raw, args.out_dir, media_type)]
    log(f"{len(raws)} raws, {len(raws) - len(pending)} already done, {len(pending)} to enhance")

    started = time.time()
    counts = {"done": 0, "failed": 0, "retries": 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.concurrency)) as pool:
        futures = {pool.submit(enhance, raw, args): raw for raw in pending}
        for future in concurrent.futures.as_completed(futures):
            raw = futures[future]
            outcome, detail, retries = future.result()
            counts[outcome] += 1
            counts["retries"] += retries
            log(f"{outcome} {os.path.basename(raw)}: {detail}")
    log(f"summary: done={counts['done']} failed={counts['failed']} skipped={len(raws) - len(pending)} "
        f"retries={counts['retries']} seconds={time.time() - started:.1f}")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
