#!/usr/bin/python3
"""A browser app on another origin calling sid's API, in headless Chromium: serves a page and a raw from its own
small HTTP server, loads the page once from an origin sid allows and once from one it does not, and in each runs
fetch(POST /v1/enhance) with Content-Type application/octet-stream and Accept image/jpeg, which makes Chromium
send a CORS preflight first. Prints a JSON summary of both; exits 1 if the page could not run.

  scripts/ci/browser-cors.py --api http://127.0.0.1:8080 --raw dark.dng --page-port 8091

The allowed origin is http://127.0.0.1:PAGE_PORT (start sid with --cors-origin http://127.0.0.1:PAGE_PORT); the
refused one is http://localhost:PAGE_PORT, the same page under another name. Needs Debian's chromium,
chromium-driver and python3-selenium (scripts/ci/install-deps.sh installs them).
"""
import argparse
import functools
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

PAGE = """<!doctype html><meta charset="utf-8"><title>another origin</title><p>an app that is not sid</p>"""

SCRIPT = """
const [api, done] = arguments;
(async () => {
  const raw = await (await fetch('/raw.dng')).arrayBuffer();
  try {
    const response = await fetch(api + '/v1/enhance?ratio=100&proxy_token=abc', {
      method: 'POST', body: raw,
      headers: {'Content-Type': 'application/octet-stream', 'Accept': 'image/jpeg', 'X-Request-Id': 'cors-' + location.hostname},
    });
    const blob = await response.blob();
    done({origin: location.origin, status: response.status, contentType: response.headers.get('Content-Type'),
          model: response.headers.get('X-SID-Model'), ratio: response.headers.get('X-SID-Ratio'),
          ignored: response.headers.get('X-SID-Ignored-Parameters'), requestId: response.headers.get('X-Request-Id'),
          bytes: blob.size});
  } catch (error) {
    done({origin: location.origin, error: String(error)});
  }
})();
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", required=True, help="sid's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--raw", required=True, help="a raw file the page uploads")
    parser.add_argument("--page-port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    root = tempfile.mkdtemp()
    with open(os.path.join(root, "index.html"), "w") as page:
        page.write(PAGE)
    shutil.copyfile(args.raw, os.path.join(root, "raw.dng"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.page_port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    # --no-sandbox: containers and CI run as root, where Chromium's sandbox cannot start.
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
    try:
        driver.set_script_timeout(args.timeout)
        summary = {}
        for name, host in (("allowed", "127.0.0.1"), ("refused", "localhost")):
            driver.get(f"http://{host}:{args.page_port}/index.html")
            summary[name] = driver.execute_async_script(SCRIPT, args.api)
        print(json.dumps(summary))
        return 0
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
