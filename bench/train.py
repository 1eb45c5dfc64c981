"""Benchmark: DDIM-50 PSNR against the training image over wall-clock time, for each recipe, side by side.

Run: python bench/train.py [--minutes 5] [--recipes post,ours] [--size 128]

Each recipe trains on Grace Hopper (128 x 128 grayscale) for the same wall time; every ``--eval-every`` seconds
of training (evaluation time excluded) it samples DDIM-50 from the EMA and the raw weights (seed 0) and prints
the PSNR. The number of steps that fits the budget is estimated from the first steps, so the cosine learning-rate
decay ends with the budget.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import torch

from diffusion import imaging, training
from diffusion.process import psnr_from_seed as evaluate
from diffusion.recipes import IMAGE_RECIPES
from diffusion.unet import UNet, UNetConfig

RECIPES: dict[str, tuple[UNetConfig, training.TrainConfig]] = {
    # The source post: eps-prediction, its clamped cosine, batch 1, AdamW 2e-4, CosineAnnealingLR(T_max=1000).
    "post": (UNetConfig(), IMAGE_RECIPES["post"].train),
    # Ours: x0-prediction, coordinate channels, cosine schedule, batch 1, 5e-4 with warm-up and cosine decay.
    "ours": (
        UNetConfig(coord_channels=True, prediction="x0", schedule="cosine"),
        replace(IMAGE_RECIPES["default"].train, batch_size=1),
    ),
    "ours-batch2": (
        UNetConfig(coord_channels=True, prediction="x0", schedule="cosine"),
        replace(IMAGE_RECIPES["default"].train, batch_size=2),
    ),
    "ours-fourier": (
        UNetConfig(coord_channels=True, coord_octaves=5, prediction="x0", schedule="cosine"),
        replace(IMAGE_RECIPES["default"].train, batch_size=2),
    ),
    "ours-fourier-lr1e-3": (
        UNetConfig(coord_channels=True, coord_octaves=5, prediction="x0", schedule="cosine"),
        replace(IMAGE_RECIPES["default"].train, batch_size=2, lr=1e-3),
    ),
    "ours-eps": (
        UNetConfig(coord_channels=True, prediction="eps", schedule="cosine"),
        replace(IMAGE_RECIPES["default"].train, batch_size=1),
    ),
}


def steps_for(budget_s: float, model_cfg: UNetConfig, cfg: training.TrainConfig, image: torch.Tensor) -> int:
    """Estimate how many steps fit in the budget from 6 timed steps (after 2 warm-up steps)."""
    state = training.new_state(UNet(model_cfg), replace(cfg, steps=8), torch.device("cpu"))
    it = training.train(state, image)
    next(it), next(it)
    t0 = time.perf_counter()
    for _ in it:
        pass
    # Steps slow down a little once the whole machine is warm: plan 10% fewer so the LR decay ends in time.
    return max(20, int(0.9 * budget_s / ((time.perf_counter() - t0) / 6)))


def run(name: str, budget_s: float, eval_every: float, image: torch.Tensor) -> list[tuple]:
    model_cfg, cfg = RECIPES[name]
    model_cfg = replace(model_cfg, image_size=image.shape[-1])
    steps = steps_for(budget_s, model_cfg, cfg, image)
    if cfg.lr_schedule != "post":  # the post's schedule is periodic; ours decays over the whole budget
        cfg = replace(cfg, steps=steps)
    else:
        cfg = replace(cfg, steps=10**9)
    torch.manual_seed(0)
    state = training.new_state(UNet(model_cfg), cfg, torch.device("cpu"))
    rows, trained, next_eval = [], 0.0, eval_every
    it = training.train(state, image)
    while trained < budget_s:
        t0 = time.perf_counter()
        finished = next(it, None) is None  # the planned steps ran out before the budget
        trained += time.perf_counter() - t0
        if finished or trained >= next_eval or trained >= budget_s:
            ema, raw = evaluate(state.ema.model, image[0]), evaluate(state.model.eval(), image[0])
            state.model.train()
            rows.append((trained, state.step, ema, raw))
            print(
                f"{name:<12} {trained:6.0f} s  step {state.step:5d}  EMA {ema:5.1f} dB  raw {raw:5.1f} dB", flush=True
            )
            next_eval += eval_every
        if finished:
            break
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--eval-every", type=float, default=60.0, help="seconds of training between evaluations")
    parser.add_argument("--recipes", default="post,ours-fourier")
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    image = imaging.load_image(imaging.sample_image_path(), size=args.size)[None]
    print(f"{os.cpu_count()} cores, torch {torch.__version__}, {args.size}x{args.size}, {args.minutes} min per recipe")
    for name in args.recipes.split(","):
        run(name, args.minutes * 60, args.eval_every, image)


if __name__ == "__main__":
    main()
