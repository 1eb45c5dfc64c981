"""Benchmark: the 2-D lab. Flow matching against denoising, ODE samplers, densities, guidance.

Run: python bench/flow2d.py [--budget 15] [--seeds 3]

1. Flow matching on moons, trained for ``--budget`` seconds of wall time (the lab's recipe: batch 512, LR 1e-2,
   3,000 planned steps): the sliced Wasserstein distance (SWD) of 2,000 Heun-20 samples to the data, against the
   fresh-sample floor (the mean SWD of 2,000 new points of the same distribution; target: at most 1.5x).
2. Same model class, same noise: Heun-20 against DDIM-50 (the denoising model's probability-flow ODE) and against
   Euler-50 (the flow model), mean over ``--seeds`` noise seeds (target: Heun-20 at least as close as DDIM-50).
3. Densities: the mass of the model's density over the view for each number of ODE steps (1 = exact).
4. Guidance on the labelled shapes: class accuracy and distance off the shape against w.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from diffusion import toy2d, training


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def train_for(
    objective: str, data: np.ndarray, steps: int, budget_s: float | None = None
) -> tuple[toy2d.ToyMLP, float, int]:
    """(EMA model, seconds, steps done): the recipe's run of ``steps``, stopped early at ``budget_s``."""
    state = toy2d.new_toy_state(toy2d.default_train_config(steps, 0, objective), toy2d.ToyConfig(objective=objective))
    t0 = time.perf_counter()
    for _ in training.train(state, torch.from_numpy(data)):
        if budget_s is not None and time.perf_counter() - t0 > budget_s:
            break
    return state.ema.model, time.perf_counter() - t0, state.step


def swd(model: toy2d.ToyMLP, data: np.ndarray, sampler: str, steps: int, seeds: int, n: int = 2000) -> float:
    return float(
        np.mean(
            [
                toy2d.sliced_wasserstein(toy2d.sample_points(model, n, sampler, steps, s), data)
                for s in range(1, seeds + 1)
            ]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=15.0, help="seconds of training for the flow model")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads")
    data = toy2d.make_dataset("moons", 5000, 0)
    floor = float(
        np.mean([toy2d.sliced_wasserstein(toy2d.make_dataset("moons", 2000, 100 + i), data) for i in range(5)])
    )

    print("\n1. flow matching on moons within the budget")
    flow_model, seconds, steps = train_for("flow", data, 3000, args.budget)
    for sampler, n in (("heun", 20), ("heun", 50), ("euler", 50)):
        d = swd(flow_model, data, sampler, n, args.seeds)
        print(
            f"   {steps} steps in {seconds:.1f} s: {sampler}-{n} SWD {d:.4f} = {d / floor:.2f}x the floor {floor:.4f}"
        )

    print("\n2. same model class, same noise (mean over seeds)")
    denoise_model, seconds, _ = train_for("denoise", data, 3000)
    print(f"   denoising model: 3000 steps in {seconds:.1f} s")
    rows = [("denoise", denoise_model, s, n) for s, n in (("ddim", 50), ("ddpm", 50), ("heun", 20), ("ddim", 20))]
    rows += [("flow", flow_model, s, n) for s, n in (("euler", 50), ("heun", 20), ("euler", 20))]
    for objective, model, sampler, n in rows:
        d = swd(model, data, sampler, n, args.seeds)
        nfe = toy2d.evaluations(model.config, sampler, n)
        print(f"   {objective:<8} {sampler:>5}-{n:<3} NFE {nfe:>3}: SWD {d:.4f} ({d / floor:.2f}x floor)")

    print("\n3. density mass over [-2.5, 2.5]^2 (64 x 64) against ODE steps, at s = 0")
    g = np.linspace(-2.5, 2.5, 64)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    for objective, model in (("flow", flow_model), ("denoise", denoise_model)):
        for n in (10, 20, 30, 40, 80, 160):
            t0 = time.perf_counter()
            mass = np.exp(toy2d.density(model, 0.0, grid, n)).sum() * (g[1] - g[0]) ** 2
            print(f"   {objective:<8} {n:>3} steps: mass {mass:.3f} in {time.perf_counter() - t0:.2f} s")

    print("\n4. guidance on the labelled shapes (flow, 2,500 steps, Heun-10, 900 samples)")
    pts, labels = toy2d.labelled_shapes(6000, 0)
    config = toy2d.ToyConfig(objective="flow", num_classes=3)
    state = toy2d.new_toy_state(toy2d.default_train_config(2500, 0, "flow"), config)
    t0 = time.perf_counter()
    for _ in training.train(state, toy2d.LabelledPoints(pts, labels, 512)):
        pass
    print(f"   trained in {time.perf_counter() - t0:.1f} s")
    asked = torch.arange(3).repeat_interleave(300)
    for w in (-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 15.0):
        x = toy2d.sample_points(state.ema.model, 900, "heun", 10, 1, labels=asked, guidance=w)
        s = toy2d.guidance_scores(x, asked.numpy(), pts, labels)
        print(f"   w = {w:>5}: {s['class_accuracy']:.1%} in class, median {s['median_off_shape']:.4f} off the shape")


if __name__ == "__main__":
    main()
