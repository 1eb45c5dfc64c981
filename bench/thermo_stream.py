"""Thermodynamics film in the browser: click to first picture, and click to the whole film, in chromium.

Run: python bench/thermo_stream.py [--runs 5] [--url http://127.0.0.1:7860] [--browser-nice 19]

Starts the app (as ``bench/load.py`` does) unless ``--url`` names a running one, opens /thermodynamics in
Debian's chromium, and clicks "Simulate and render" with the defaults (3,000 particles, 5 s of film after 40 s
simulated to the steady state) ``--runs`` times, each in a fresh page. It reports, per run, the seconds from the
click until the streamed film's picture moves (``currentTime > 0``) and until the whole film replaces it; then
the medians. On this benchmark's machine the browser shares the server's 2 cores (on a Space it does not):
``--browser-nice 19`` runs it (and this script) at the lowest priority, so that it takes what the server leaves.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from load import free_port, start_app, wait_until_idle

LIVE, WHOLE = "#thermo-live_page video", "#thermo-video_page video"
MOVING = "(sel) => { const v = document.querySelector(sel); return !!v && v.currentTime > 0; }"


def one_run(browser, url: str) -> tuple[float, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{url}/thermodynamics")
    page.wait_for_selector(WHOLE, timeout=300_000)  # the default film, computed once per process
    time.sleep(2)
    t0 = time.perf_counter()
    page.get_by_role("button", name="Simulate and render").click()
    page.wait_for_function(MOVING, arg=LIVE, timeout=60_000, polling=20)
    first = time.perf_counter() - t0
    page.wait_for_selector("#thermo-live_page", state="hidden", timeout=120_000)
    done = time.perf_counter() - t0
    page.close()
    return first, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="")
    parser.add_argument("--browser-nice", type=int, default=0, help="niceness of the browser (the app keeps its own)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    app = None
    url = args.url.rstrip("/")
    if not url:
        port = free_port()
        app, url = start_app(port), f"http://127.0.0.1:{port}"
        wait_until_idle(app.pid)  # every panel's default result is computed in the background first
    if args.browser_nice:
        os.nice(args.browser_nice)  # after the app started: chromium inherits it, the app does not
    try:
        with sync_playwright() as p:
            flags = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
            print(f"machine: {platform.processor() or platform.machine()}")
            results = []
            for i in range(args.runs):
                first, done = one_run(browser, url)
                results.append((first, done))
                print(f"run {i + 1}: first picture {first:.2f} s, whole film {done:.2f} s", flush=True)
            browser.close()
        firsts, dones = zip(*results, strict=True)
        print(f"median: first picture {statistics.median(firsts):.2f} s, whole film {statistics.median(dones):.2f} s")
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=30)


if __name__ == "__main__":
    main()
