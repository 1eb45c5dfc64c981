"""Memory benchmark: many sessions each fine-tune once and keep their model; the app's RSS must level off.

Run: python bench/memory.py [--sessions 16] [--steps 3]

Starts the app (as ``bench/load.py`` does), waits for its default results, then lets ``--sessions`` visitors one
after another run the training panel's default fine-tune (the pretrained full network at 64 px) for ``--steps``
steps and sample once from the model they fine-tuned, and prints the app's resident memory after each. Without
bounds every session would keep its run (~150 MB) and its model (~31 MB) for 30 minutes; with them at most 6 runs
and 8 models are held (README: Limits per request), so the RSS should stop growing after about 8 sessions.
"""

from __future__ import annotations

import argparse
import platform
import time

from gradio_client import Client, handle_file
from load import FINETUNE, SHAPES, address, free_port, rss_mb, start_app, wait_until_idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    app = start_app(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_idle(app.pid)  # the default results warm up in the background: measure after them
        print(f"machine: {platform.processor() or platform.machine()}, start RSS {rss_mb(app.pid):.0f} MB")
        settings = list(FINETUNE)
        settings[5], settings[9] = args.steps, args.steps  # steps, preview every
        for i in range(args.sessions):
            client = Client(url, verbose=False, headers=address(i))
            t0 = time.perf_counter()
            client.predict(handle_file(str(SHAPES)), *settings, api_name="/train_start")
            status = client.predict("DDIM", 2, 0.0, 0, "ema", False, api_name="/reverse_generate")[2]
            own = "fine-tuned" in status
            print(
                f"session {i + 1:2d}: RSS {rss_mb(app.pid):6.0f} MB ({time.perf_counter() - t0:.1f} s, own model {own})"
            )
    finally:
        app.terminate()
        app.wait(timeout=30)


if __name__ == "__main__":
    main()
