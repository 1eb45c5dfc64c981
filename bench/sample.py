"""Benchmark: sampling speed of the post's UNet against the machine's fp32 matmul rate, measured in one process.

Run: python bench/sample.py [--compile]

Prints the matmul rate (GFLOP/s), the network's FLOPs per forward (128 x 128, batch 1), the forward time in
eager mode (contiguous and channels_last) and, with --compile, after torch.compile (and how long compiling
took), then DDIM-20 and DDIM-50 wall times with the fastest variant.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from diffusion.process import Diffusion
from diffusion.unet import UNet, UNetConfig


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / min(times) / 1e9


def forward_flops(model: torch.nn.Module, x: torch.Tensor, t: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(x, t)
    return counter.get_total_flops()


def time_forward(model, x, t, repeats: int = 10) -> float:
    with torch.inference_mode():
        for _ in range(2):
            model(x, t)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(x, t)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_ddim(model, cfg: UNetConfig, steps: int, channels_last: bool) -> float:
    gen = torch.Generator().manual_seed(0)
    x_T = torch.randn((1, cfg.in_channels, 128, 128), generator=gen)
    if channels_last:
        x_T = x_T.contiguous(memory_format=torch.channels_last)
    process = Diffusion.of(cfg)
    t0 = time.perf_counter()
    with torch.inference_mode():
        process.sample(model, x_T, steps, generator=gen)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads")
    peak = matmul_gflops()
    print(f"fp32 matmul (2048^3): {peak:.0f} GFLOP/s")
    cfg = UNetConfig()
    model = UNet(cfg).eval()
    x, t = torch.randn(1, 1, 128, 128), torch.tensor([500])
    flops = forward_flops(model, x, t)
    print(f"post UNet forward, 128x128, batch 1: {flops / 1e9:.1f} GFLOP")
    variants = {"eager": (model, x)}
    cl_model = UNet(cfg).eval().to(memory_format=torch.channels_last)
    variants["eager channels_last"] = (cl_model, x.contiguous(memory_format=torch.channels_last))
    if args.compile:
        t0 = time.perf_counter()
        compiled = torch.compile(cl_model)
        with torch.inference_mode():
            compiled(variants["eager channels_last"][1], t)
        print(f"torch.compile: {time.perf_counter() - t0:.1f} s to compile")
        variants["compiled channels_last"] = (compiled, variants["eager channels_last"][1])
    best = None
    for name, (m, xi) in variants.items():
        sec = time_forward(m, xi, t)
        eff = flops / sec / 1e9 / peak
        print(f"  {name:<24} {sec * 1e3:7.1f} ms/forward  {flops / sec / 1e9:6.0f} GFLOP/s  {eff:5.0%} of matmul")
        if best is None or sec < best[1]:
            best = (name, sec, m)
    name, _, m = best
    for steps in (20, 50):
        print(f"DDIM-{steps} ({name}): {time_ddim(m, cfg, steps, 'channels_last' in name):.2f} s")


if __name__ == "__main__":
    main()
