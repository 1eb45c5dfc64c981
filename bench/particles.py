"""Benchmark: the source post's per-particle simulation against ours, and a full 10-second MP4.

Run: python bench/particles.py [--quick]

The post's approach (one Python object per particle, random.uniform per coordinate, pygame.draw.circle for each
trail point and head) is re-implemented here only as the baseline; frames are rendered to arrays in both cases.
"""

from __future__ import annotations

import math
import os
import platform
import random
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import numpy as np
import pygame

from diffusion.particles import ParticleParams, ParticleSystem
from diffusion.render import Renderer, write_mp4

W, H, LEFT, RIGHT, DRIFT, DIFF = 800, 600, 1.0, 0.2, 0.8, 10


class PostParticle:
    """The post's ThermodynamicParticle, re-implemented for timing only."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.x, self.y = random.uniform(0, W * 0.2), random.uniform(0, H)
        self.history = [(self.x, self.y)] * 5

    def temperature(self) -> float:
        return LEFT - (LEFT - RIGHT) * (self.x / W)

    def update(self) -> None:
        temp = self.temperature()
        drift, diffusion = DRIFT * (1 + math.sin(self.x / 50)), DIFF * temp
        self.x += drift + random.uniform(-diffusion, diffusion)
        self.y += random.uniform(-diffusion, diffusion) * 0.5 + random.gauss(0, 0.5)
        if self.x > W * 0.95:
            self.reset()
        self.x, self.y = max(0, min(self.x, W)), max(0, min(self.y, H))
        self.history.pop(0)
        self.history.append((self.x, self.y))

    def draw(self, surface: pygame.Surface) -> None:
        for i, pos in enumerate(self.history):
            pygame.draw.circle(surface, (255, 255, 255, 50 + 40 * i), pos, i // 2)
        t = self.temperature()
        pygame.draw.circle(surface, (int(255 * t), 150, int(255 * (1 - t))), (int(self.x), int(self.y)), 3)


def post_rate(n: int, seconds: float) -> float:
    """Particle-frames per second of the post's loop (background lines, update, draw, frame to array)."""
    surface = pygame.Surface((W, H))
    colors = [
        (int(255 * (LEFT - (LEFT - RIGHT) * x / W)), 0, int(255 * (1 - (LEFT - (LEFT - RIGHT) * x / W))))
        for x in range(W)
    ]
    random.seed(0)
    particles = [PostParticle() for _ in range(n)]
    frames, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for x in range(W):
            pygame.draw.line(surface, colors[x], (x, 0), (x, H))
        for p in particles:
            p.update()
            p.draw(surface)
        pygame.surfarray.array3d(surface)
        frames += 1
    return n * frames / (time.perf_counter() - t0)


def our_rate(n: int, seconds: float) -> float:
    params = ParticleParams()
    system, renderer = ParticleSystem(params, n, np.random.default_rng(0)), Renderer(params)
    frames, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        system.step()
        renderer.draw(system)
        frames += 1
    return n * frames / (time.perf_counter() - t0)


def mp4_seconds(n: int = 10_000, n_frames: int = 600) -> float:
    """Wall time to simulate, render and encode a 10 s, 60 fps H.264 video."""
    params = ParticleParams()
    system, renderer = ParticleSystem(params, n, np.random.default_rng(0)), Renderer(params)

    def frames():
        for _ in range(n_frames):
            system.step()
            yield renderer.draw(system)

    t0 = time.perf_counter()
    write_mp4(frames(), "/tmp/bench_particles.mp4", fps=60)
    return time.perf_counter() - t0


def main() -> None:
    quick = "--quick" in sys.argv
    seconds = 1.0 if quick else 4.0
    pygame.display.init()
    print(f"{platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}, pygame {pygame.version.ver}")
    print(f"{'particles':>10} {'post (M pf/s)':>14} {'post fps':>9} {'ours (M pf/s)':>14} {'ours fps':>9} {'ratio':>7}")
    for n in (300, 3_000, 30_000):
        post, ours = post_rate(n, seconds), our_rate(n, seconds)
        print(
            f"{n:>10,} {post / 1e6:>14.3f} {post / n:>9.1f} {ours / 1e6:>14.2f} {ours / n:>9.1f} {ours / post:>6.0f}x"
        )
    for n in (50_000,):
        ours = our_rate(n, seconds)
        print(f"{n:>10,} {'':>14} {'':>9} {ours / 1e6:>14.2f} {ours / n:>9.1f}")
    if not quick:
        print(f"10 s, 60 fps, 10,000 particles -> MP4: {mp4_seconds():.1f} s (simulate + render + encode)")


if __name__ == "__main__":
    main()
