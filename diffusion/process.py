"""One object for a trained model's diffusion: its noise schedule and what its network predicts.

A network is only half of a diffusion model: the same weights mean different things under another schedule or
another prediction target. ``Diffusion`` keeps the two together, so that noising, training targets and the
sampler's steps all read them from one place instead of rebuilding the schedule from a model config at every
call site. It is a thin, frozen holder: every method is one of the tested free functions of ``forward``,
``schedules`` and ``sampling`` (which stay usable on their own, e.g. with an exact denoiser in tests).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from diffusion import forward, sampling
from diffusion.schedules import NoiseSchedule, make_schedule

PREDICTIONS = ("eps", "x0", "v")


class HasSchedule(Protocol):
    """What ``Diffusion.of`` reads off a model config (``UNetConfig``, ``ToyConfig``)."""

    schedule: str
    T: int
    prediction: str


@dataclass(frozen=True)
class StepCoefficients:
    """The numbers of one reverse step from t to t_prev.

    DDIM: x_{t_prev} = c_x0 x0_hat + c_eps eps_hat + sigma z (eq. 12). DDPM: the posterior mean
    c_x0 x0_hat + c_xt x_t, and sigma its standard deviation. Unused terms are 0.
    """

    method: str
    t: int
    t_prev: int
    c_x0: float
    c_eps: float = 0.0
    c_xt: float = 0.0
    sigma: float = 0.0


@dataclass(frozen=True)
class Diffusion:
    """A schedule and a prediction target ("eps", "x0" or "v")."""

    schedule: NoiseSchedule
    prediction: str = "eps"

    def __post_init__(self) -> None:
        if self.prediction not in PREDICTIONS:
            raise ValueError(f"Unknown prediction target {self.prediction!r}: use eps, x0 or v.")

    @classmethod
    def of(cls, config: HasSchedule) -> Diffusion:
        """The diffusion a model was trained with (one shared object per schedule, T and prediction)."""
        return _cached(config.schedule, int(config.T), config.prediction)

    @property
    def T(self) -> int:
        return self.schedule.T

    def alpha_bar(self, t: int) -> float:
        """alpha_bar_t, with 1.0 "before the first step" (t = -1, i.e. x_0)."""
        return self.schedule.alpha_bar_at(t)

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t from x_0 (B, C, H, W) in one jump (``forward.q_sample``)."""
        return forward.q_sample(self.schedule, x0, t, noise)

    def target(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """What the network is trained to output for (x_0, t, eps); shape of x0."""
        return forward.target_for(self.prediction, self.schedule, x0, t, noise)

    def split(self, x_t: torch.Tensor, t: torch.Tensor, output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(predicted x_0, predicted eps) from a network output, both shaped like x_t."""
        return forward.split_prediction(self.prediction, self.schedule, x_t, t, output)

    def coefficients(self, method: str, t: int, t_prev: int, eta: float = 0.0) -> StepCoefficients:
        """The coefficients of the step from t to t_prev that ``method`` ("ddim" or "ddpm") applies."""
        if method == "ddpm":
            c0, ct, variance = sampling.ddpm_posterior(self.schedule, t, t_prev)
            return StepCoefficients(method, t, t_prev, c0, c_xt=ct, sigma=variance**0.5)
        if method == "ddim":
            c_x0, c_eps, sigma = sampling.ddim_coefficients(self.schedule, t, t_prev, eta)
            return StepCoefficients(method, t, t_prev, c_x0, c_eps=c_eps, sigma=sigma)
        raise ValueError(f"Unknown sampler {method!r}: use ddim or ddpm.")

    def sample_progressive(
        self, model: sampling.Denoiser, x_T: torch.Tensor, n_steps: int, **kwargs: Any
    ) -> Iterator[sampling.Progress]:
        """``sampling.sample_progressive`` under this schedule and prediction (each step reports t, t_prev)."""
        return sampling.sample_progressive(model, self.schedule, self.prediction, x_T, n_steps, **kwargs)

    def sample(self, model: sampling.Denoiser, x_T: torch.Tensor, n_steps: int, **kwargs: Any) -> torch.Tensor:
        """The final sample, clamped to [-1, 1]; shape of x_T."""
        return sampling.sample(model, self.schedule, self.prediction, x_T, n_steps, **kwargs)


@functools.lru_cache(maxsize=32)
def _cached(schedule: str, T: int, prediction: str) -> Diffusion:
    return Diffusion(make_schedule(schedule, T), prediction)


def sample_from_seed(model: Any, seed: int, steps: int) -> torch.Tensor:
    """One deterministic DDIM sample (eta = 0) of ``model`` from the noise of ``seed``: (1, C, H, W) in [-1, 1],
    on the model's device. The same seed gives the same image, so samples of a model in training compare."""
    cfg = model.config
    device = next(model.parameters()).device
    x_T = torch.randn(
        (1, cfg.in_channels, cfg.image_size, cfg.image_size), generator=torch.Generator().manual_seed(seed)
    )
    with torch.inference_mode():
        return Diffusion.of(cfg).sample(model, x_T.to(device), steps)


def psnr_from_seed(model: Any, image: torch.Tensor, steps: int = 50, seed: int = 0) -> float:
    """PSNR (dB, 3 decimals) of ``sample_from_seed`` against the training image (C, H, W): how well a one-image
    model has learned its image (the CLI's log and the training benchmarks)."""
    from diffusion.imaging import psnr

    return round(psnr(sample_from_seed(model, seed, steps)[0].cpu(), image), 3)
