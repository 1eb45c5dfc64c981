"""Compare's time to its first and last gallery image, per kind, with the bundled one-image model.

Run: python bench/compare.py [--kinds steps,eta,ddpm-vs-ddim,post-grid] [--seed 0]

Calls the panel's handler in-process (no Gradio): a first request for each kind (computed, each variant streamed
as it finishes), then the same request again (the shared model's galleries are kept). Prints network evaluations,
seconds to the first image, seconds to the whole gallery.
"""

from __future__ import annotations

import argparse
import time

from panels import common, reverse


def timed(kind: str, seed: int) -> tuple[float, float]:
    """(seconds to the first streamed gallery, seconds to the last) for one request."""
    t0, first = time.perf_counter(), None
    for _ in reverse.compare(kind, seed, "ema", None, progress=common.no_progress):
        first = first or time.perf_counter() - t0
    return first or 0.0, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default=",".join(reverse.COMPARISONS))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    reverse.startup_models()
    timed("steps", 99)  # warm-up: allocator, kernels
    print(f"{'kind':<14} {'NFE':>5} {'first s':>8} {'whole s':>8} {'again s':>8}")
    for kind in args.kinds.split(","):
        nfe = sum(steps for _, steps, _, _ in reverse.COMPARISONS[kind])
        first, whole = timed(kind, args.seed)
        _, again = timed(kind, args.seed)
        print(f"{kind:<14} {nfe:>5} {first:>8.2f} {whole:>8.2f} {again:>8.3f}")


if __name__ == "__main__":
    main()
