"""Load benchmark: start the app, run N concurrent gradio_client sessions against a mix of endpoints.

Run: python bench/load.py [--sessions 20] [--seconds 60] [--json results.json]

Each session is its own ``gradio_client.Client`` (its own Gradio session) and loops over a shuffled mix of
requests until the time is up: a Markov simulation, a forward-process view of an uploaded image, a short
DDIM generation (5 steps) and a short particle film (500 particles, 1 s). It reports requests completed,
failures, p50/p95 latency per endpoint, the longest queue position seen (``job.status().rank``), and the app's
resident memory (sampled every 0.25 s from /proc; peak and at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "examples" / "shapes.png"
SEED_MATRIX = {"headers": ["→ Sunny", "→ Rainy"], "data": [[0.8, 0.2], [0.6, 0.4]]}


def requests_for(image) -> dict[str, tuple[str, tuple]]:
    """name -> (api_name, arguments): the mix each session draws from."""
    return {
        "markov": ("/markov_simulate", (SEED_MATRIX, "Sunny", 100, 500, 0)),
        "forward": ("/forward_view", (image, "grayscale", 64, "cosine", 1000, 300, 0)),
        "generate": ("/reverse_generate", ("DDIM", 5, 0.0, 0, "ema", False)),
        "particles": ("/thermo_run", ("driven", 500, 1, 1.0, 0.2, 0.8, 10, 0, False, 0)),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB), from /proc."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(k) for k in kids] + [g for k in kids for g in _children(int(k))]


def start_app(port: int) -> subprocess.Popen:
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited: {proc.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start within 120 s")


def session(url: str, until: float, seed: int, results: list, lock: threading.Lock) -> None:
    from gradio_client import Client, handle_file

    rng = random.Random(seed)
    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # a session that cannot even connect is a failure too
        with lock:
            results.append(("connect", 0.0, f"{type(exc).__name__}: {exc}", 0))
        return
    mix = requests_for(handle_file(str(SHAPES)))
    names = list(mix)
    while time.time() < until:
        name = rng.choice(names)
        api_name, args = mix[name]
        t0, max_rank, error = time.perf_counter(), 0, None
        try:
            job = client.submit(*args, api_name=api_name)
            while not job.done():
                rank = job.status().rank
                max_rank = max(max_rank, rank or 0)
                time.sleep(0.1)
            job.result()
        except Exception as exc:
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
        with lock:
            results.append((name, time.perf_counter() - t0, error, max_rank))


def run(sessions: int = 20, seconds: float = 60.0, url: str | None = None) -> dict:
    """Start the app (unless ``url``), load it, and return the figures as a dict."""
    proc = None
    if url is None:
        port = free_port()
        proc = start_app(port)
        url = f"http://127.0.0.1:{port}/"
    pid = proc.pid if proc else None
    samples: list[float] = []
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.is_set():
            samples.append(rss_mb(pid))
            time.sleep(0.25)

    sampler = threading.Thread(target=sample_rss, daemon=True) if pid else None
    results: list = []
    lock = threading.Lock()
    try:
        rss_start = rss_mb(pid) if pid else None
        if sampler:
            sampler.start()
        until = time.time() + seconds
        threads = [threading.Thread(target=session, args=(url, until, i, results, lock)) for i in range(sessions)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        stop.set()
        # the app still answers after the load
        from gradio_client import Client

        after = Client(url, verbose=False).predict(SEED_MATRIX, "Sunny", 10, 10, 0, api_name="/markov_simulate")
    finally:
        stop.set()
        if proc:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    per: dict[str, list] = defaultdict(list)
    for name, latency, error, rank in results:
        per[name].append((latency, error, rank))
    report = {"sessions": sessions, "seconds": seconds, "endpoints": {}, "served_after": after is not None}
    for name, rows in sorted(per.items()):
        ok = sorted(lat for lat, err, _ in rows if err is None)
        report["endpoints"][name] = {
            "completed": len(ok),
            "failed": len(rows) - len(ok),
            "errors": sorted({err for _, err, _ in rows if err})[:5],
            "p50_s": round(ok[len(ok) // 2], 3) if ok else None,
            "p95_s": round(ok[min(int(len(ok) * 0.95), len(ok) - 1)], 3) if ok else None,
            "max_queue_rank": max(r for _, _, r in rows),
        }
    report["completed"] = sum(e["completed"] for e in report["endpoints"].values())
    report["failed"] = sum(e["failed"] for e in report["endpoints"].values())
    if samples:
        report["rss_mb"] = {"start": round(rss_start, 1), "peak": round(max(samples), 1), "end": round(samples[-1], 1)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", default=None, help="load a running app instead of starting one")
    parser.add_argument("--json", default=None, help="also write the report here")
    args = parser.parse_args()
    report = run(args.sessions, args.seconds, args.url)
    print(
        f"{report['sessions']} sessions for {report['seconds']:.0f} s: {report['completed']} requests completed, "
        f"{report['failed']} failed"
    )
    print(f"{'endpoint':<10} {'done':>6} {'failed':>6} {'p50 s':>7} {'p95 s':>7} {'max queue':>9}")
    for name, e in report["endpoints"].items():
        print(
            f"{name:<10} {e['completed']:>6} {e['failed']:>6} {e['p50_s'] or 0:>7.2f} {e['p95_s'] or 0:>7.2f} "
            f"{e['max_queue_rank']:>9}"
        )
        for err in e["errors"]:
            print("   ", err)
    if "rss_mb" in report:
        r = report["rss_mb"]
        print(f"app RSS: {r['start']:.0f} MB at start, {r['peak']:.0f} MB peak, {r['end']:.0f} MB at the end")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
