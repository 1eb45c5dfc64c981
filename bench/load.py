"""Load benchmark: start the app, run N concurrent gradio_client sessions against a mix of endpoints.

Run: python bench/load.py [--sessions 20] [--seconds 60] [--finetuners 0] [--abandoners 0] [--processes 4]
                          [--json results.json] [--cold]

Each session is its own ``gradio_client.Client`` (its own Gradio session, and its own address: the app runs as
behind the Space's proxy and each session sends its own X-Forwarded-For) and loops over a shuffled mix of
requests until the time is up: a Markov simulation, a forward-process view of an uploaded image, a short
DDIM generation (5 steps), a short particle film (500 particles, 1 s), the schedules figure and the cached
memorisation picture. ``--finetuners`` more sessions start the training panel's default fine-tune (300 steps,
64 px) again and again; ``--abandoners`` more send a training call at the largest settings every 15 s through
the REST API and never read it. It reports requests completed, failures, p50/p95 latency per endpoint, the same
for the "steady" requests (sent ``STEADY_AFTER_S`` or more after the start: every client sends its first request
in the same instant, when nothing is in memory yet), the longest queue position seen (``job.status().rank``),
and the app's resident memory (sampled every 0.25 s from /proc; peak and at the end).

The app it starts is loaded once its warm-up is done (every panel's default result and the comparisons, computed
in the background at start-up: about 2.5 minutes here), as a Space that has been up; ``--cold`` starts the clients
while it runs (visitors arriving just after a restart). Every client connects first (fetches the app's config),
then the clock starts for all of them at once: a crowd arriving in the same second is ``bench/page_burst.py``'s
case, and here it would time the clients' own parsing of the config. The clients run in ``--processes`` processes
(threads in each): one Python process for 34 clients measured its own interpreter too (on a Space the visitors'
browsers are elsewhere; here they share the server's 2 cores in any case).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

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
        "schedules": ("/forward_schedules", (1000,)),
        "cached": ("/digits_memorisation", ()),
    }


FINETUNE = ("pretrained", "full", "x0", 64, "ours", 300, 5e-4, 2, 0.99, 50)  # the panel's defaults
MAX_SIZE = ("scratch", "full", "x0", 128, "ours", 5000, 5e-4, 2, 0.99, 1000)  # the largest a CPU Space allows


STEADY_AFTER_S = 15.0  # "steady": requests sent after the first answers of the synchronized start


def _quantile(values: list[float], q: float) -> float | None:
    return round(values[min(int(len(values) * q), len(values) - 1)], 3) if values else None


def address(i: int) -> dict[str, str]:
    """The X-Forwarded-For of simulated visitor i (the proxy's entry: the app trusts one hop)."""
    return {"X-Forwarded-For": f"10.{i // 250 % 250}.{i % 250}.1"}


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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used, its waited-for children included, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, below: float = 0.1, window_s: float = 5.0, limit_s: float = 600.0) -> float:
    """Wait until the app has used under ``below`` of a core over ``window_s`` (its warm-up of every panel's
    default result, then the comparisons, is done: about 2.5 minutes on 2 cores); returns the seconds waited."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        before = cpu_seconds(pid)
        time.sleep(window_s)
        if cpu_seconds(pid) - before < below * window_s:
            break
    return time.time() - t0


def start_app(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "DIFFUSION_PROXY_HOPS": "1",  # as on a Space: each simulated visitor has its own address
    }
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


def session(
    url: str, start: Any, seconds: float, seed: int, results: list, lock: threading.Lock, role: str = "visitor"
) -> None:
    """One simulated visitor: connect, wait for ``start`` (an Event whose ``.at`` is the start time), then loop."""
    from gradio_client import Client, handle_file

    rng = random.Random(seed)
    client = None
    if role != "abandoner":
        try:
            client = Client(url, verbose=False, headers=address(seed))
        except Exception as exc:  # a session that cannot even connect is a failure too
            with lock:
                results.append(("connect", 0.0, 0.0, f"{type(exc).__name__}: {exc}", 0))
    start.connected()
    begin = start.wait()
    until = begin + seconds
    if client is None:
        return abandon(url, begin, until, seed, results, lock) if role == "abandoner" else None
    image = handle_file(str(SHAPES))
    mix = requests_for(image) if role == "visitor" else {"finetune": ("/train_start", (image, *FINETUNE))}
    names = list(mix)
    while time.time() < until:
        name = rng.choice(names)
        api_name, args = mix[name]
        at, t0, max_rank, error = time.time() - begin, time.perf_counter(), 0, None
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
            results.append((name, at, time.perf_counter() - t0, error, max_rank))


def abandon(url: str, begin: float, until: float, seed: int, results: list, lock: threading.Lock) -> None:
    """Every 15 s: upload an image and POST a max-size training call through the REST API, never reading it."""
    import httpx

    with httpx.Client(headers=address(seed), timeout=30) as h:
        while time.time() < until:
            at = time.time() - begin
            try:
                path = h.post(f"{url}gradio_api/upload", files={"files": SHAPES.open("rb")}).json()[0]
                image = {"path": path, "meta": {"_type": "gradio.FileData"}}
                code = h.post(f"{url}gradio_api/call/train_start", json={"data": [image, *MAX_SIZE, None]}).status_code
                error = None if code == 200 else f"HTTP {code}"
            except Exception as exc:  # reported, not raised
                error = f"{type(exc).__name__}: {exc}"
            with lock:
                results.append(("abandoned", at, 0.0, error, 0))
            time.sleep(15)


class _Start:
    """The common start: every client reports when it has connected; all begin when the parent says so."""

    def __init__(self, ready: Any, go: Any, at: Any) -> None:
        self.ready, self.go, self.at = ready, go, at

    def connected(self) -> None:
        self.ready.release()

    def wait(self) -> float:
        self.go.wait()
        return self.at.value


def _clients(url: str, start: _Start, seconds: float, plan: list[tuple[int, str]], out: Any) -> None:
    """A process's share of the clients (threads); its results go back through ``out``."""
    results: list = []
    lock = threading.Lock()
    threads = [threading.Thread(target=session, args=(url, start, seconds, i, results, lock, r)) for i, r in plan]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out.put(results)


def run(
    sessions: int = 20,
    seconds: float = 60.0,
    url: str | None = None,
    finetuners: int = 0,
    abandoners: int = 0,
    processes: int = 1,
    cold: bool = False,
) -> dict:
    """Start the app (unless ``url``), wait for its warm-up (unless ``cold``), load it, and return the figures as
    a dict."""
    proc = None
    if url is None:
        port = free_port()
        proc = start_app(port)
        url = f"http://127.0.0.1:{port}/"
    pid = proc.pid if proc else None
    if pid and not cold:
        wait_until_idle(pid)  # a Space that has been up: its warm-up done
    samples: list[float] = []
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.is_set():
            samples.append(rss_mb(pid))
            time.sleep(0.25)

    sampler = threading.Thread(target=sample_rss, daemon=True) if pid else None
    results: list = []
    ctx = multiprocessing.get_context("spawn")
    roles = ["visitor"] * sessions + ["finetuner"] * finetuners + ["abandoner"] * abandoners
    plans = [[(i, r) for i, r in enumerate(roles) if i % processes == k] for k in range(processes)]
    start = _Start(ctx.Semaphore(0), ctx.Event(), ctx.Value("d", 0.0))
    out = ctx.Queue()
    workers = [ctx.Process(target=_clients, args=(url, start, seconds, plan, out)) for plan in plans if plan]
    try:
        rss_start = rss_mb(pid) if pid else None
        t0 = time.time()
        for w in workers:
            w.start()
        for _ in roles:  # every client has connected (or failed to)
            start.ready.acquire()
        connect_s = time.time() - t0
        if sampler:
            sampler.start()
        start.at.value = time.time()
        start.go.set()
        for _ in workers:
            results.extend(out.get())
        for w in workers:
            w.join()
        stop.set()
        # the app still answers after the load
        from gradio_client import Client

        after = Client(url, verbose=False, headers=address(10**6)).predict(
            SEED_MATRIX, "Sunny", 10, 10, 0, api_name="/markov_simulate"
        )
    finally:
        stop.set()
        for w in workers:
            if w.is_alive():
                w.kill()
        if proc:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    per: dict[str, list] = defaultdict(list)
    for name, _, latency, error, rank in results:
        per[name].append((latency, error, rank))
    report = {
        "connect_s": round(connect_s, 1),
        "processes": len(workers),
        "sessions": sessions,
        "finetuners": finetuners,
        "abandoners": abandoners,
        "seconds": seconds,
        "endpoints": {},
        "served_after": after is not None,
    }
    for name, rows in sorted(per.items()):
        ok = sorted(lat for lat, err, _ in rows if err is None)
        steady = sorted(lat for n, at, lat, err, _ in results if n == name and err is None and at >= STEADY_AFTER_S)
        report["endpoints"][name] = {
            "completed": len(ok),
            "failed": len(rows) - len(ok),
            "errors": sorted({err for _, err, _ in rows if err})[:5],
            "p50_s": _quantile(ok, 0.5),
            "p95_s": _quantile(ok, 0.95),
            "steady_p50_s": _quantile(steady, 0.5),
            "steady_p95_s": _quantile(steady, 0.95),
            "max_queue_rank": max(r for _, _, r in rows),
        }
    report["requests"] = sorted((round(at, 2), name, round(lat, 3), err) for name, at, lat, err, _ in results)
    report["completed"] = sum(e["completed"] for e in report["endpoints"].values())
    report["failed"] = sum(e["failed"] for e in report["endpoints"].values())
    if samples:
        report["rss_mb"] = {"start": round(rss_start, 1), "peak": round(max(samples), 1), "end": round(samples[-1], 1)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--finetuners", type=int, default=0, help="sessions that fine-tune again and again")
    parser.add_argument("--abandoners", type=int, default=0, help="sessions that send training calls and leave")
    parser.add_argument("--processes", type=int, default=4, help="client processes (the sessions are shared out)")
    parser.add_argument("--url", default=None, help="load a running app instead of starting one")
    parser.add_argument("--json", default=None, help="also write the report here")
    parser.add_argument("--cold", action="store_true", help="start the clients during the app's warm-up")
    args = parser.parse_args()
    load = (args.sessions, args.seconds, args.url, args.finetuners, args.abandoners, args.processes)
    report = run(*load, cold=args.cold)
    print(
        f"{report['sessions']} sessions (+{args.finetuners} fine-tuning, +{args.abandoners} abandoning) in "
        f"{report['processes']} client processes, connected in {report['connect_s']} s, then "
        f"{report['seconds']:.0f} s: {report['completed']} requests completed, {report['failed']} failed"
    )
    print(f"(steady: the requests sent {STEADY_AFTER_S:.0f} s or more after the start)")
    head = f"{'endpoint':<10} {'done':>6} {'failed':>6} {'p50 s':>7} {'p95 s':>7} {'steady p50':>10} {'p95':>6}"
    print(f"{head} {'max queue':>9}")
    for name, e in report["endpoints"].items():
        print(
            f"{name:<10} {e['completed']:>6} {e['failed']:>6} {e['p50_s'] or 0:>7.2f} {e['p95_s'] or 0:>7.2f} "
            f"{e['steady_p50_s'] or 0:>10.2f} {e['steady_p95_s'] or 0:>6.2f} {e['max_queue_rank']:>9}"
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
