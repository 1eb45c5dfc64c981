"""The forward (noising) process q(x_t | x_0), and conversions between what a network may predict.

Two ways to noise an image:
- ``q_sample``: the closed form x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps, one jump, on images in
  [-1, 1] (the DDPM convention);
- ``iterative_noising``: the source post's demo, the Markov chain x <- sqrt(1 - beta) x + sqrt(beta) eps
  applied step by step with its own linear betas, on images in [0, 1] as the post does (quirk 5 in docs/architecture.md:
  on [0, 1] the chain also pulls the mean from ~0.5 towards 0, darkening the image, and the post clips the
  result to [0, 1] for display, hiding half of the noise).

Prediction targets (``UNetConfig.prediction``): "eps" (the noise), "x0" (the clean image) and
"v" = sqrt(alpha_bar) eps - sqrt(1 - alpha_bar) x_0 (Salimans & Ho 2022). All three carry the same
information given x_t; the helpers convert any of them to (x_0, eps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from diffusion import limits
from diffusion.schedules import NoiseSchedule, alpha_bars_from_start


def _coef(values: np.ndarray, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Gather float64 schedule values at timesteps t (B,), shaped (B, 1, 1, 1) in like's dtype/device."""
    out = torch.as_tensor(values, dtype=torch.float64)[t.cpu().long()]
    return out.to(device=like.device, dtype=like.dtype).view(-1, *([1] * (like.dim() - 1)))


def q_sample(schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Closed-form x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps.

    Args:
        schedule: the noise schedule (t indexes its arrays, 0..T-1).
        x0: (B, C, H, W) clean images in [-1, 1].
        t: (B,) integer timesteps.
        noise: (B, C, H, W) standard normal noise eps.

    Returns:
        (B, C, H, W) noisy images x_t.
    """
    return _coef(schedule.sqrt_alpha_bars, t, x0) * x0 + _coef(schedule.sqrt_one_minus_alpha_bars, t, x0) * noise


def target_for(prediction: str, schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor):
    """What a network predicting ``prediction`` should output for (x_0, t, eps); shape of x0."""
    if prediction == "eps":
        return noise
    if prediction == "x0":
        return x0
    if prediction == "v":
        return _coef(schedule.sqrt_alpha_bars, t, x0) * noise - _coef(schedule.sqrt_one_minus_alpha_bars, t, x0) * x0
    raise ValueError(f"Unknown prediction target {prediction!r}: use eps, x0 or v.")


def split_prediction(
    prediction: str, schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor, output: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn a network output into (predicted x_0, predicted eps), both shaped like x_t.

    Uses x_t = a x_0 + s eps with a = sqrt(alpha_bar_t), s = sqrt(1 - alpha_bar_t), a^2 + s^2 = 1,
    and v = a eps - s x_0, so x_0 = a x_t - s v and eps = s x_t + a v.
    """
    a = _coef(schedule.sqrt_alpha_bars, t, x_t)
    s = _coef(schedule.sqrt_one_minus_alpha_bars, t, x_t)
    if prediction == "eps":
        return (x_t - s * output) / a, output
    if prediction == "x0":
        return output, (x_t - a * output) / s
    if prediction == "v":
        return a * x_t - s * output, s * x_t + a * output
    raise ValueError(f"Unknown prediction target {prediction!r}: use eps, x0 or v.")


def post_betas(steps: int = 5, beta_start: float = 0.01, beta_end: float = 0.5) -> np.ndarray:
    """The post's demo betas: ``steps`` values evenly spaced from beta_start to beta_end."""
    steps = limits.POST_STEPS.check(steps)
    start, end = (
        limits.POST_BETA.named("beta_start").check(beta_start),
        limits.POST_BETA.named("beta_end").check(beta_end),
    )
    return np.linspace(start, end, steps)


def iterative_noising(image01: np.ndarray, betas: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """The post's Markov-chain noising, step by step, on an image in [0, 1].

    Args:
        image01: (H, W) or (H, W, C) float array in [0, 1].
        betas: (n,) noise levels.
        rng: source of the Gaussian noise.

    Returns:
        n + 1 float64 arrays: the start and x after each step, unclipped (clip to [0, 1] to display them
        as the post does).
    """
    xs = [np.asarray(image01, dtype=np.float64)]
    for beta in betas:
        xs.append(np.sqrt(1.0 - beta) * xs[-1] + np.sqrt(beta) * rng.standard_normal(xs[0].shape))
    return xs


def closed_form_jumps(x0: np.ndarray, betas: np.ndarray, eps: np.ndarray) -> list[np.ndarray]:
    """x_k = sqrt(abar_k) x_0 + sqrt(1 - abar_k) eps for k = 0..n, each one jump from x_0 with the same ``eps``:
    what ``iterative_noising`` reaches in law after k steps of ``betas`` (n,). Arrays shaped like x0 (float64)."""
    x0 = np.asarray(x0, dtype=np.float64)
    return [np.sqrt(a) * x0 + np.sqrt(1.0 - a) * eps for a in alpha_bars_from_start(betas)]


@dataclass(frozen=True)
class StepNumbers:
    """The closed form's numbers at one timestep t: x_t = signal x_0 + noise eps."""

    t: int
    beta: float
    alpha_bar: float
    signal: float  # sqrt(alpha_bar_t)
    noise: float  # sqrt(1 - alpha_bar_t)
    log_snr: float


def step_numbers(schedule: NoiseSchedule, t: int) -> StepNumbers:
    """``StepNumbers`` of timestep ``t`` (0..T-1) of ``schedule``."""
    ab = float(schedule.alpha_bars[t])
    return StepNumbers(t, float(schedule.betas[t]), ab, ab**0.5, (1.0 - ab) ** 0.5, float(schedule.log_snr[t]))
