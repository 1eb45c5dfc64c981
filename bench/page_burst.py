"""A burst of visitors opening the Space at once: N concurrent fetches of each page's HTML and config.

Run: python bench/page_burst.py [--visitors 34] [--url http://127.0.0.1:7860/]

Starts the app (unless ``--url``), waits for its defaults to be computed, then for each of ``/``, ``/config``,
``/markov`` and ``/gradio_api/info`` sends ``--visitors`` GETs together (one thread each) and reports the
slowest answer and the total. Gradio builds these answers again for every request; the app replays them
(panels/pagecache.py).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import time

import httpx
from load import free_port, start_app

PATHS = ["/", "/config", "/markov", "/gradio_api/info"]


def burst(url: str, path: str, visitors: int) -> tuple[float, float]:
    """(slowest answer, whole burst) in seconds for ``visitors`` concurrent GETs of ``path``."""
    with httpx.Client(base_url=url, timeout=120, limits=httpx.Limits(max_connections=visitors)) as h:

        def fetch(_: int) -> float:
            t0 = time.perf_counter()
            h.get(path).raise_for_status()
            return time.perf_counter() - t0

        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(visitors) as pool:
            slowest = max(pool.map(fetch, range(visitors)))
        return slowest, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=34)
    parser.add_argument("--url", default=None)
    parser.add_argument("--warm-s", type=float, default=90.0, help="wait this long for the defaults first")
    args = parser.parse_args()
    proc = None
    url = args.url
    if url is None:
        port = free_port()
        proc = start_app(port)
        url = f"http://127.0.0.1:{port}/"
        time.sleep(args.warm_s)
    try:
        for path in PATHS:
            slowest, whole = burst(url, path, args.visitors)
            print(f"{path:<18} {args.visitors} at once: slowest {slowest:.3f} s, burst {whole:.3f} s")
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
