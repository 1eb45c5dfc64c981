"""DDIM and DDPM sampling over any sub-grid of timesteps, one step at a time.

Legend (DDIM paper, Song et al. 2021, https://arxiv.org/abs/2010.02502; variables -> symbols):
    ab_t      alpha_bar_t          (the paper writes alpha_t for the cumulative product)
    ab_prev   alpha_bar_{t_prev}   (1.0 after the last step)
    x0_hat    f_theta(x_t)         predicted clean image, eq. (9)
    eps_hat   epsilon_theta(x_t)   predicted noise
    sigma     sigma_t(eta)         eq. (16)

The model is any callable (x_t, t) -> output, where output is what ``prediction`` names (eps, x0 or v):
the math is testable with an analytic denoiser, and the UNet is just one such callable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from diffusion.forward import split_prediction
from diffusion.schedules import NoiseSchedule

Denoiser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def timestep_grid(n_steps: int, T: int, kind: str = "uniform") -> np.ndarray:
    """Timesteps visited by the sampler, in decreasing order.

    ``uniform``: n_steps values spread evenly over [0, T-1], starting at T-1 and ending at 0 (a single step
    starts at T-1). ``post``: the source post's ``generate(steps=N)``, which walks N-1, ..., 0: right only for
    N = T; with fewer steps it starts from a timestep that is far less noisy than the N(0, I) it is given.
    """
    if not 1 <= n_steps <= T:
        raise ValueError(f"The number of sampling steps must be between 1 and T = {T}, got {n_steps}.")
    if kind == "post":
        return np.arange(n_steps - 1, -1, -1)
    if kind != "uniform":
        raise ValueError(f"Unknown timestep grid {kind!r}: use uniform or post.")
    if n_steps == 1:
        return np.array([T - 1])
    return np.round(np.linspace(T - 1, 0, n_steps)).astype(np.int64)  # spacing >= 1, so no repeats


@dataclass(frozen=True)
class StepOutput:
    """One reverse step: x at the next (less noisy) timestep and the clean image predicted on the way."""

    prev_sample: torch.Tensor  # (B, C, H, W)
    pred_x0: torch.Tensor  # (B, C, H, W)
    pred_eps: torch.Tensor | None = None  # (B, C, H, W)


@dataclass(frozen=True)
class Progress:
    """What the sampler yields after each step (i counts from 0 to n_steps - 1)."""

    i: int
    t: int  # the timestep this step started from
    x: torch.Tensor  # the sample after this step, at timestep t_prev
    pred_x0: torch.Tensor
    t_prev: int = -1  # the timestep it moved to (-1: x_0, after the last step)
    pred_eps: torch.Tensor | None = None  # the noise the network saw in x_t (consistent with pred_x0)


def _predict(schedule, prediction, x, t, output, clip):
    """(x0_hat, eps_hat) from the network output; eps is re-derived after clipping x0 so they agree."""
    t_batch = torch.full((x.shape[0],), t, dtype=torch.long)
    x0, eps = split_prediction(prediction, schedule, x, t_batch, output)
    if clip:
        x0 = x0.clamp(-1.0, 1.0)
        eps = (x - math.sqrt(schedule.alpha_bar_at(t)) * x0) / math.sqrt(1.0 - schedule.alpha_bar_at(t))
    return x0, eps


def ddim_coefficients(schedule: NoiseSchedule, t: int, t_prev: int, eta: float) -> tuple[float, float, float]:
    """(c_x0, c_eps, sigma) of x_{t_prev} = c_x0 x0_hat + c_eps eps_hat + sigma z (DDIM eqs. 12 and 16).

    c_x0 = sqrt(ab_prev), sigma = eta sqrt((1 - ab_prev) / (1 - ab_t)) sqrt(1 - ab_t / ab_prev),
    c_eps = sqrt(1 - ab_prev - sigma^2) ("the direction pointing to x_t").
    """
    ab_t, ab_prev = schedule.alpha_bar_at(t), schedule.alpha_bar_at(t_prev)
    sigma = eta * math.sqrt((1.0 - ab_prev) / (1.0 - ab_t)) * math.sqrt(1.0 - ab_t / ab_prev)
    return math.sqrt(ab_prev), math.sqrt(max(1.0 - ab_prev - sigma**2, 0.0)), sigma


def ddim_step(
    schedule: NoiseSchedule,
    prediction: str,
    output: torch.Tensor,
    t: int,
    t_prev: int,
    x: torch.Tensor,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    clip: bool = True,
) -> StepOutput:
    """One DDIM update from timestep t to t_prev (t_prev = -1 means "to x_0")."""
    # 1. predicted x_0 and eps from the network output (eq. 9), x_0 clipped to the data range
    x0_hat, eps_hat = _predict(schedule, prediction, x, t, output, clip)
    # 2. the coefficients: sqrt(ab_prev), the "direction pointing to x_t" sqrt(1 - ab_prev - sigma^2), sigma (eq. 16)
    c_x0, c_eps, sigma = ddim_coefficients(schedule, t, t_prev, eta)
    # 3. x_{t_prev} = sqrt(ab_prev) * x0_hat + sqrt(1 - ab_prev - sigma^2) * eps_hat + sigma * z   (eq. 12)
    prev = c_x0 * x0_hat + c_eps * eps_hat
    if sigma > 0:
        prev = prev + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return StepOutput(prev, x0_hat, eps_hat)


def ddpm_posterior(schedule: NoiseSchedule, t: int, t_prev: int) -> tuple[float, float, float]:
    """Coefficients of q(x_{t_prev} | x_t, x_0) = N(c0 x_0 + ct x_t, var) (DDPM eqs. 6-7).

    For a sub-grid, the one-step quantities become their jump versions: alpha = ab_t / ab_prev, beta = 1 - alpha.

    Returns:
        (c0, ct, var): c0 = sqrt(ab_prev) beta / (1 - ab_t), ct = sqrt(alpha) (1 - ab_prev) / (1 - ab_t),
        var = beta (1 - ab_prev) / (1 - ab_t) (0 at the last step).
    """
    ab_t, ab_prev = schedule.alpha_bar_at(t), schedule.alpha_bar_at(t_prev)
    alpha = ab_t / ab_prev
    beta = 1.0 - alpha
    c0 = math.sqrt(ab_prev) * beta / (1.0 - ab_t)
    ct = math.sqrt(alpha) * (1.0 - ab_prev) / (1.0 - ab_t)
    return c0, ct, beta * (1.0 - ab_prev) / (1.0 - ab_t)


def ddpm_step(
    schedule: NoiseSchedule,
    prediction: str,
    output: torch.Tensor,
    t: int,
    t_prev: int,
    x: torch.Tensor,
    generator: torch.Generator | None = None,
    clip: bool = True,
) -> StepOutput:
    """One ancestral step: sample the Gaussian posterior q(x_{t_prev} | x_t, x0_hat)."""
    x0_hat, eps_hat = _predict(schedule, prediction, x, t, output, clip)
    c0, ct, variance = ddpm_posterior(schedule, t, t_prev)
    mean = c0 * x0_hat + ct * x
    if variance > 0:
        mean = mean + math.sqrt(variance) * torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return StepOutput(mean, x0_hat, eps_hat)


def classifier_free_guidance(
    model: Callable[..., torch.Tensor], labels: torch.Tensor | None, scale: float, null_label: int
) -> Denoiser:
    """A denoiser that steers a class-conditional model towards ``labels`` (Ho & Salimans 2022).

    Convention: output = (1 + w) cond - w uncond = cond + w (cond - uncond), with w = ``scale``: w = 0 is the plain
    conditional model, w = -1 the unconditional one, w > 0 pushes further from "any digit" towards "this digit".
    (Papers that write the scale as s = 1 + w mean the same thing.) The combination is affine with weights summing
    to 1, so applying it to v, eps or x0 outputs gives the same (x0, eps) after ``split_prediction``.

    Args:
        model: (x (B, ...), t (B,), labels (B,)) -> output (B, ...).
        labels: (B,) class labels (``null_label`` rows stay unconditional); None: unconditional sampling.
        scale: w >= 0 for guidance (any float is allowed here; the UI limits it).
        null_label: the label the model was trained with for "no label".

    Returns:
        (x, t) -> output. With w != 0 each call runs ONE batched forward of 2B rows (cond and uncond together).
    """

    def denoise(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if labels is None:
            return model(x, t, torch.full_like(t, null_label))
        y = labels.to(device=x.device, dtype=torch.long)
        if scale == 0:
            return model(x, t, y)
        out = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, torch.full_like(y, null_label)]))
        cond, uncond = out.chunk(2)
        return cond + scale * (cond - uncond)

    return denoise


def sample_progressive(
    model: Denoiser,
    schedule: NoiseSchedule,
    prediction: str,
    x_T: torch.Tensor,
    n_steps: int,
    method: str = "ddim",
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    grid: str = "uniform",
    clip: bool = True,
) -> Iterator[Progress]:
    """Run the reverse process from x_T, yielding after every step.

    Args:
        model: (x_t (B, C, H, W), t (B,)) -> output (B, C, H, W).
        schedule, prediction: what the model was trained with.
        x_T: (B, C, H, W) starting noise (one sample per batch row: several seeds at once).
        n_steps: number of network evaluations, 1..T.
        method: "ddim" (eta = 0 is deterministic) or "ddpm" (ancestral; eta is ignored).
        generator: randomness for the stochastic steps (DDPM, DDIM with eta > 0).
        grid: "uniform" sub-grid from T-1 to 0, or "post" for the source post's grid (see timestep_grid).
        clip: clip predicted x_0 to [-1, 1] (the post only clips the final image).
    """
    if method not in ("ddim", "ddpm"):
        raise ValueError(f"Unknown sampler {method!r}: use ddim or ddpm.")
    if not (0.0 <= eta <= 1.0):
        raise ValueError(f"eta must be between 0 and 1, got {eta}.")
    steps = timestep_grid(n_steps, schedule.T, grid)
    x = x_T
    for i, t in enumerate(steps.tolist()):
        t_prev = int(steps[i + 1]) if i + 1 < len(steps) else -1
        output = model(x, torch.full((x.shape[0],), t, dtype=torch.long, device=x.device)).to(x.dtype)
        if method == "ddim":
            out = ddim_step(schedule, prediction, output, t, t_prev, x, eta, generator, clip)
        else:
            out = ddpm_step(schedule, prediction, output, t, t_prev, x, generator, clip)
        x = out.prev_sample
        yield Progress(i, t, x, out.pred_x0, t_prev, out.pred_eps)


def invert_progressive(
    model: Denoiser, schedule: NoiseSchedule, prediction: str, x_0: torch.Tensor, n_steps: int
) -> Iterator[Progress]:
    """DDIM inversion: run the deterministic (eta = 0) DDIM map backwards, from a clean x_0 up to x_T.

    It visits the sampler's grid in increasing order (x_0 -> t = 0 -> ... -> T - 1). Each step re-uses the noise
    the network sees at the current, less noisy point: x_next = sqrt(ab_next) x0_hat + sqrt(1 - ab_next) eps_hat,
    the DDIM update with its roles swapped (Song et al. 2021, sec. 4.3). Exact for the optimal denoiser of one
    image; for a trained network the error of that one approximation (the noise estimate at t instead of t_next)
    shrinks with more steps. ``sample_progressive`` with the same n_steps and eta = 0 maps the result back.

    Yields:
        ``Progress`` after each step: ``t`` the timestep it started from (-1 for x_0), ``t_prev`` the one it
        reached (the name keeps the sampler's meaning: "where x now is"), ``x`` the latent there.
    """
    grid = timestep_grid(n_steps, schedule.T).tolist()[::-1]  # 0, ..., T - 1
    x, here = x_0, -1
    for i, there in enumerate(grid):
        t_eval = max(here, 0)  # from x_0 the network is asked at t = 0, where x_0 and x_t are nearly the same
        output = model(x, torch.full((x.shape[0],), t_eval, dtype=torch.long, device=x.device)).to(x.dtype)
        x0_hat, eps_hat = _predict(schedule, prediction, x, t_eval, output, clip=False)
        ab_next = schedule.alpha_bar_at(there)
        x = math.sqrt(ab_next) * x0_hat + math.sqrt(1.0 - ab_next) * eps_hat
        yield Progress(i, here, x, x0_hat, there, eps_hat)
        here = there


def invert(model: Denoiser, schedule: NoiseSchedule, prediction: str, x_0: torch.Tensor, n_steps: int):
    """The x_T that DDIM-``n_steps`` (eta = 0) maps back to about x_0; shape of x_0."""
    x = x_0
    for progress in invert_progressive(model, schedule, prediction, x_0, n_steps):
        x = progress.x
    return x


def sample(model: Denoiser, schedule: NoiseSchedule, prediction: str, x_T: torch.Tensor, n_steps: int, **kwargs):
    """The final sample of ``sample_progressive``, clamped to [-1, 1]; shape of x_T."""
    x = x_T
    for progress in sample_progressive(model, schedule, prediction, x_T, n_steps, **kwargs):
        x = progress.x
    return x.clamp(-1.0, 1.0)
