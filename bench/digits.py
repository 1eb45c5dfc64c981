"""Benchmark: the digits model's quality (judged by our classifier) and speed.

Run: python bench/digits.py [--weights weights/digits] [--per-class 20] [--out results.json]

Quality, for every setting: conditional accuracy (samples the classifier reads as the digit asked for), the
fraction of unconditional samples classified with confidence >= 0.9, diversity (mean pairwise distance of one
digit's samples / the same for real digits of that digit) and novelty (median distance of a sample to its nearest
of 8,192 training examples, beside the same for fresh real digits). Rows: guidance w at DDIM-20, then steps at the
default guidance. Speed: 16 samples by DDIM-20 with guidance (one batched forward of 32 rows per step), the first
streamed step, and the classifier's accuracy on fresh digits.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import torch

from diffusion import classifier, digit_eval, hub
from diffusion.recipes import DEFAULT_GUIDANCE


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def timing(model, guidance: float, repeats: int = 5) -> dict[str, float]:
    labels = torch.arange(16) % 10
    totals, firsts = [], []
    for r in range(repeats + 1):
        t0 = time.perf_counter()
        first = None
        with torch.inference_mode():
            for _ in digit_eval.generate_progressive(model, labels, guidance, 20, range(16 * r, 16 * r + 16)):
                if first is None:
                    first = time.perf_counter() - t0
        if r:  # the first run warms up the allocator and oneDNN kernels
            totals.append(time.perf_counter() - t0)
            firsts.append(first)
    totals.sort()
    return {"ddim20_16_samples_s_median": round(totals[len(totals) // 2], 3), "first_step_s": round(min(firsts), 3)}


def through_the_app(repeats: int = 5) -> dict[str, float]:
    """Click to first streamed grid and to the final grid, through gradio_client against the app in-process."""
    from gradio_client import Client

    import app

    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, **app.launch_kwargs())
    client = Client(url, verbose=False)
    firsts, finals = [], []
    try:
        for r in range(repeats + 1):
            t0 = time.perf_counter()
            job = client.submit("3", DEFAULT_GUIDANCE, 20, "DDIM", 0.0, 16 * r, api_name="/digits_generate")
            first = None
            while not job.done():
                if first is None and job.outputs():
                    first = time.perf_counter() - t0
                time.sleep(0.005)
            job.result()
            if r:
                firsts.append(first if first is not None else time.perf_counter() - t0)
                finals.append(time.perf_counter() - t0)
    finally:
        app.demo.close()
    return {
        "app_first_grid_s_median": round(sorted(firsts)[len(firsts) // 2], 3),
        "app_final_s_median": round(sorted(finals)[len(finals) // 2], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default=str(hub.BUNDLED / "digits"))
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--guidances", default="0,0.5,1,2,3,5,7")
    parser.add_argument("--steps", default="5,10,20,50")
    parser.add_argument("--out", default="")
    parser.add_argument("--app", action="store_true", help="also time /digits_generate through gradio_client")
    args = parser.parse_args()
    model = hub.load_conditional(args.weights).to(memory_format=torch.channels_last)
    judge = classifier.load(hub.BUNDLED / "digits" / "classifier")
    result: dict = {"machine": f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}", "rows": []}
    print(result["machine"], flush=True)
    result["classifier_accuracy_fresh"] = round(classifier.accuracy_on_fresh_digits(judge, 5000), 4)
    print("classifier accuracy on 5,000 fresh digits:", result["classifier_accuracy_fresh"], flush=True)
    result["speed"] = timing(model, DEFAULT_GUIDANCE)
    if args.app:
        result["speed"].update(through_the_app())
    print(result["speed"], flush=True)
    settings = [(float(w), 20) for w in args.guidances.split(",")]
    settings += [(DEFAULT_GUIDANCE, int(n)) for n in args.steps.split(",") if int(n) != 20]
    for w, n in settings:
        t0 = time.perf_counter()
        row = digit_eval.report(model, judge, w, n, per_class=args.per_class).as_dict()
        row["seconds"] = round(time.perf_counter() - t0, 1)
        result["rows"].append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
