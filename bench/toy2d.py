"""Benchmark: the 2-D point-cloud model, training time and fit per dataset.

Run: python bench/toy2d.py [--steps 3000] [--points 5000]

For each dataset: wall time of ``--steps`` training steps (batch 512, the panel's default run), then the sliced
Wasserstein distance to the data of 5,000 samples (DDIM-100 and DDPM-1000), against pure noise and against a
fresh sample of the same dataset (the floor: two finite samples of one distribution are never at distance 0).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from diffusion import toy2d, training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--points", type=int, default=5000)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.steps} steps, {args.points} points")
    print(f"{'dataset':<8} {'train s':>8} {'DDIM-100':>9} {'DDPM-1000':>10} {'noise':>7} {'floor':>7} {'sample s':>9}")
    for name in ("spiral", "moons", "smiley", "text"):
        data = toy2d.make_dataset(name, args.points, seed=0, word="Hi")
        state = toy2d.new_toy_state(toy2d.default_train_config(args.steps))
        t0 = time.perf_counter()
        for _ in training.train(state, torch.from_numpy(data)):
            pass
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ddim = toy2d.sliced_wasserstein(toy2d.sample_points(state.ema.model, args.points, "ddim", 100, 1), data)
        sample_s = time.perf_counter() - t0
        ddpm = toy2d.sliced_wasserstein(toy2d.sample_points(state.ema.model, args.points, "ddpm", 1000, 1), data)
        noise = toy2d.sliced_wasserstein(np.random.default_rng(1).standard_normal(data.shape), data)
        floor = toy2d.sliced_wasserstein(toy2d.make_dataset(name, args.points, seed=1, word="Hi"), data)
        print(
            f"{name:<8} {train_s:>8.1f} {ddim:>9.3f} {ddpm:>10.3f} {noise:>7.3f} {floor:>7.3f} {sample_s:>9.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
