"""Benchmark: the drawing canvas's memory under a hostile file, as the browser sends it.

Run: python -m bench.canvas_memory [--requests 10]

Launches the app in-process, uploads a 6,300 x 6,300 16-bit PNG (40 MP, ~90 kB) as the canvas's composite and runs
"Use my drawing" with it ``--requests`` times, sampling the process's resident memory every 20 ms: before, the peak,
and after (2 s after the last answer). Then the same with a real 400 x 400 drawing, for comparison.
"""

from __future__ import annotations

import argparse
import io
import threading
import time

from PIL import Image, ImageDraw

from bench.digits import cpu_name


def rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def measure(url: str, payload: bytes, name: str, requests: int) -> dict:
    from tests.app.test_drawing_app import send

    peak, stop = [rss_mb()], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak.append(rss_mb())
            time.sleep(0.02)

    before = rss_mb()
    watcher = threading.Thread(target=sample)
    watcher.start()
    times, answers = [], []
    for _ in range(requests):
        t0 = time.perf_counter()
        done = send(url, payload, name)
        times.append(time.perf_counter() - t0)
        answers.append(done["output"].get("error") or "accepted")
    time.sleep(2)
    stop.set()
    watcher.join()
    return {
        "before_mb": round(before),
        "peak_mb": round(max(peak)),
        "after_mb": round(rss_mb()),
        "median_s": round(sorted(times)[len(times) // 2], 3),
        "answer": answers[-1][:90],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    import app

    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, **app.launch_kwargs())
    print(cpu_name(), flush=True)
    drawing = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(drawing).ellipse((100, 100, 300, 300), outline=(0, 0, 0, 255), width=12)
    try:
        for name, payload in (("huge-16bit.png", png(Image.new("I;16", (6300, 6300)))), ("drawing.png", png(drawing))):
            print(name, f"{len(payload):,} bytes", measure(url, payload, name, args.requests), flush=True)
    finally:
        app.demo.close()


if __name__ == "__main__":
    main()
