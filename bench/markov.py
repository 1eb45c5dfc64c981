"""Benchmark: 10,000 Markov chains x 1,000 steps, simulated at once (target < 0.2 s on 2 cores).

Run: python bench/markov.py
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

from diffusion import markov

CHAINS, STEPS, REPEATS = 10_000, 1_000, 7
MATRICES = {
    "2 states (the post's weather chain)": [[0.8, 0.2], [0.6, 0.4]],
    "4 states": [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]],
}


def time_once(matrix: np.ndarray, seed: int) -> float:
    rng = np.random.default_rng(seed)
    starts = np.zeros(CHAINS, dtype=int)
    t0 = time.perf_counter()
    markov.simulate(matrix, starts, STEPS, rng)
    return time.perf_counter() - t0


def post_baseline(n_chains: int = 100) -> float:
    """The source post's approach (a dict of dicts and random.choices, one step at a time),
    re-implemented here only as a baseline; returns steps per second."""
    import random

    table = {"Sunny": {"Sunny": 0.8, "Rainy": 0.2}, "Rainy": {"Sunny": 0.6, "Rainy": 0.4}}
    random.seed(0)
    t0 = time.perf_counter()
    for _ in range(n_chains):
        state = "Sunny"
        for _ in range(STEPS):
            state = random.choices(list(table[state]), weights=list(table[state].values()))[0]
    return n_chains * STEPS / (time.perf_counter() - t0)


def main() -> None:
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    print(f"{CHAINS:,} chains x {STEPS:,} steps, median of {REPEATS} runs (one warm-up)")
    for name, m in MATRICES.items():
        matrix = markov.validate_transition_matrix(m)
        time_once(matrix, 0)  # warm-up
        times = [time_once(matrix, seed) for seed in range(1, REPEATS + 1)]
        med = statistics.median(times)
        rate = CHAINS * STEPS / med / 1e6
        print(f"  {name:<38} median {med * 1e3:6.1f} ms  (min {min(times) * 1e3:.1f}, {rate:.0f} M steps/s)")
    base = post_baseline()
    print(
        f"  the post's per-step Python loop: {base / 1e6:.2f} M steps/s, "
        f"so {CHAINS * STEPS / base:.1f} s for the same work"
    )


if __name__ == "__main__":
    main()
