"""Beta schedules of the forward process, computed in float64.

Index convention (as in DDPM code): ``betas[t]`` for t = 0..T-1 is the noise added by step t + 1, so
``alpha_bars[t] = prod_{s <= t} (1 - betas[s])`` is the signal fraction of x_{t+1} in the paper's
notation, and the noisiest training timestep is t = T - 1. This is the convention of the source post
and of diffusers.

Named schedules:
- ``linear``: betas evenly spaced from 1e-4 to 0.02 (Ho et al. 2020, https://arxiv.org/abs/2006.11239).
- ``cosine``: alpha_bar(t) = cos^2(((t/T + s) / (1 + s)) * pi/2) / (same at t = 0), s = 0.008, betas clipped
  at 0.999 (Nichol & Dhariwal 2021, https://arxiv.org/abs/2102.09672).
- ``seed-cosine``: the source post's variant, the same cosine betas clamped to [1e-4, 0.02]. The clamp
  leaves alpha_bar_T = 3.19e-3: x_T still holds 5.7% of the image (see docs/architecture.md, quirk 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

SCHEDULES = ("linear", "cosine", "seed-cosine")
MAX_T = 10_000  # longer chains are allowed by the maths but nobody needs them


def alpha_bars_from_start(betas: np.ndarray) -> np.ndarray:
    """(n + 1,) alpha_bar after 0, 1, ..., n steps of ``betas`` (n,): 1.0 first (the clean image), then the
    cumulative products of 1 - beta. Every "how much signal is left after k steps" in the project is this."""
    return np.concatenate([[1.0], np.cumprod(1.0 - np.asarray(betas, dtype=np.float64))])


def linear_betas(T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> np.ndarray:
    """(T,) betas evenly spaced from ``beta_start`` to ``beta_end`` (both included)."""
    return np.linspace(beta_start, beta_end, T, dtype=np.float64)


def cosine_alpha_bar(t: np.ndarray, T: int, s: float = 0.008) -> np.ndarray:
    """The cosine schedule's alpha_bar at (possibly fractional) times t in [0, T], normalised to 1 at 0."""
    f = np.cos((np.asarray(t, dtype=np.float64) / T + s) / (1 + s) * math.pi / 2) ** 2
    return f / math.cos(s / (1 + s) * math.pi / 2) ** 2


def cosine_betas(T: int, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    """(T,) betas whose cumulative product follows ``cosine_alpha_bar``, clipped at ``max_beta``.

    The clip only bites at the very end, where alpha_bar(T) = 0 would give beta = 1.
    """
    abar = cosine_alpha_bar(np.arange(T + 1), T, s)
    return np.minimum(1.0 - abar[1:] / abar[:-1], max_beta)


def seed_cosine_betas(T: int, s: float = 0.008) -> np.ndarray:
    """The source post's schedule: cosine betas clamped to [1e-4, 0.02]."""
    return np.clip(cosine_betas(T, s, max_beta=1.0), 1e-4, 0.02)


@dataclass(frozen=True)
class NoiseSchedule:
    """A beta schedule and everything derived from it, as float64 (T,) arrays.

    Attributes:
        name: one of ``SCHEDULES`` (or "custom").
        betas: (T,) noise added at each step, in (0, 1).
    """

    name: str
    betas: np.ndarray

    @property
    def T(self) -> int:
        return self.betas.shape[0]

    @cached_property
    def alphas(self) -> np.ndarray:
        return 1.0 - self.betas

    @cached_property
    def alpha_bars(self) -> np.ndarray:
        """(T,) signal fraction after step t: prod_{s <= t} alpha_s."""
        return np.cumprod(self.alphas)

    def alpha_bar_at(self, t: int) -> float:
        """alpha_bar_t, with 1.0 "before the first step" (t = -1: x_0 itself, where a sampler ends)."""
        return 1.0 if t < 0 else float(self.alpha_bars[t])

    @cached_property
    def alpha_bars_from_start(self) -> np.ndarray:
        """(T + 1,) alpha_bar after 0, 1, ..., T steps: 1.0 first (the clean image), then ``alpha_bars``."""
        return alpha_bars_from_start(self.betas)

    @cached_property
    def alpha_bars_prev(self) -> np.ndarray:
        """(T,) alpha_bar of the previous step, with 1.0 before the first."""
        return np.concatenate([[1.0], self.alpha_bars[:-1]])

    @cached_property
    def sqrt_alpha_bars(self) -> np.ndarray:
        return np.sqrt(self.alpha_bars)

    @cached_property
    def sqrt_one_minus_alpha_bars(self) -> np.ndarray:
        return np.sqrt(1.0 - self.alpha_bars)

    @cached_property
    def snr(self) -> np.ndarray:
        """(T,) signal-to-noise ratio alpha_bar / (1 - alpha_bar)."""
        return self.alpha_bars / (1.0 - self.alpha_bars)

    @cached_property
    def log_snr(self) -> np.ndarray:
        """(T,) natural log of the SNR (computed without forming the ratio, for precision)."""
        return np.log(self.alpha_bars) - np.log1p(-self.alpha_bars)

    @cached_property
    def posterior_variance(self) -> np.ndarray:
        """(T,) variance of q(x_{t-1} | x_t, x_0): beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)."""
        return self.betas * (1.0 - self.alpha_bars_prev) / (1.0 - self.alpha_bars)


def make_schedule(name: str, T: int = 1000) -> NoiseSchedule:
    """Build a named schedule with T steps.

    Raises:
        ValueError: for an unknown name or a T outside [2, MAX_T].
    """
    if isinstance(T, bool) or not isinstance(T, int | np.integer) or not 2 <= T <= MAX_T:
        raise ValueError(f"T must be a whole number between 2 and {MAX_T}, got {T!r}.")
    builders = {"linear": linear_betas, "cosine": cosine_betas, "seed-cosine": seed_cosine_betas}
    if name not in builders:
        raise ValueError(f"Unknown schedule {name!r}: choose one of {', '.join(SCHEDULES)}.")
    return NoiseSchedule(name, builders[name](int(T)))


def custom_schedule(betas: np.ndarray) -> NoiseSchedule:
    """A schedule from explicit betas, each strictly between 0 and 1."""
    b = np.asarray(betas, dtype=np.float64)
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)) or np.any((b <= 0) | (b >= 1)):
        raise ValueError("Betas must be a non-empty list of numbers strictly between 0 and 1.")
    return NoiseSchedule("custom", b)
