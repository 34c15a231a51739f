#!/usr/bin/python3
"""Drives sid's page at / in headless Chromium, as a person would: pick a raw file, type a ratio, press
Enhance, wait until the result image has loaded, take a screenshot. Prints a JSON summary; exits 1 if the
page showed an error or no image.

  scripts/ci/browser-home-page.py --url http://127.0.0.1:8080/ --raw dark.dng --ratio 100 --screenshot page.png

Needs Debian's chromium, chromium-driver and python3-selenium (scripts/ci/install-deps.sh installs them).
"""
import argparse
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the page, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--raw", required=True, help="absolute path of the raw file to upload")
    parser.add_argument("--ratio", default="100")
    parser.add_argument("--model", help="pick this model instead of the page's default")
    parser.add_argument("--api-key", help="type this key once the page asks for one (a service with --api-keys-file)")
    parser.add_argument("--screenshot", required=True, help="where to write the PNG screenshot")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the result")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    # --no-sandbox: containers and CI run as root, where Chromium's sandbox cannot start.
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1200", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
    try:
        driver.set_page_load_timeout(args.timeout)
        driver.get(args.url)
        wait = WebDriverWait(driver, args.timeout, poll_frequency=0.1)
        if args.api_key:
            # The field shows once /v1/models has answered 401; the models load when the key is entered.
            wait.until(lambda d: d.find_element(By.ID, "key").is_displayed())
            key = driver.find_element(By.ID, "key")
            key.send_keys(args.api_key)
            key.send_keys(Keys.TAB)
        # The model list comes from /v1/models once the page has loaded.
        wait.until(lambda d: len(Select(d.find_element(By.ID, "model")).options) > 0)
        if args.model:
            Select(driver.find_element(By.ID, "model")).select_by_value(args.model)
        driver.find_element(By.ID, "file").send_keys(args.raw)
        ratio = driver.find_element(By.ID, "ratio")
        ratio.clear()
        ratio.send_keys(args.ratio)
        driver.find_element(By.ID, "submit").click()
        wait.until(lambda d: d.execute_script(
            "const image = document.getElementById('result');"
            "return (image.complete && image.naturalWidth > 0 && image.classList.contains('loaded'))"
            " || document.getElementById('status').classList.contains('error');"))
        summary = driver.execute_script(
            "const image = document.getElementById('result');"
            "const status = document.getElementById('status');"
            "return {naturalWidth: image.naturalWidth, naturalHeight: image.naturalHeight,"
            " status: status.textContent, error: status.classList.contains('error')};")
        driver.save_screenshot(args.screenshot)
        summary["screenshot"] = args.screenshot
        print(json.dumps(summary))
        return 1 if summary["error"] or summary["naturalWidth"] == 0 else 0
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
