"""DDIM inversion: run the deterministic sampler backwards from a real image to the noise it came from.

With eta = 0 DDIM is a deterministic map from x_T to x_0; ``sampling.invert`` runs it the other way. This module
packages the lesson around it: the noise an image maps to, the round trip back (and how close it lands, in
PSNR), and a re-generation from an edited noise (rotated towards a second seed's noise, optionally under other
conditioning), which shows that the sampler really is an invertible map from noise to images.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from diffusion.imaging import psnr
from diffusion.sampling import Denoiser, invert, sample
from diffusion.schedules import NoiseSchedule


def mix_noise(z: torch.Tensor, other: torch.Tensor, amount: float) -> torch.Tensor:
    """cos(θ) z + sin(θ) other with θ = amount · π/2: 0 keeps z, 1 gives other, and for independent standard normal
    inputs every mix is standard normal again (a rotation, unlike a plain average, which shrinks the variance)."""
    theta = amount * torch.pi / 2
    return math.cos(theta) * z + math.sin(theta) * other


@dataclass(frozen=True)
class Inversion:
    """An image, the noise DDIM inversion finds for it, and what that noise gives back. Tensors are (B, C, H, W)."""

    original: torch.Tensor
    noise: torch.Tensor  # x_T found by inverting the original
    round_trip: torch.Tensor  # DDIM back from that noise with the same denoiser
    edited: torch.Tensor  # DDIM from the (optionally mixed) noise with the steering denoiser
    psnr: list[float]  # round trip vs original, per image (dB)


@torch.inference_mode()
def invert_and_edit(
    own: Denoiser,
    schedule: NoiseSchedule,
    prediction: str,
    x_0: torch.Tensor,
    steps: int,
    steer: Denoiser | None = None,
    other: torch.Tensor | None = None,
    mix: float = 0.0,
) -> Inversion:
    """Invert x_0 (B, C, H, W) with DDIM-``steps`` under ``own``, come back, then re-generate.

    Args:
        own: the denoiser the image is inverted and brought back with (for a conditional model: its own label).
        steer: the denoiser of the re-generation (another label, guidance); None re-uses ``own``.
        other: (B, C, H, W) a second noise to rotate towards by ``mix`` in [0, 1] (see ``mix_noise``).

    The re-generation is skipped (``edited`` is the round trip) when it would repeat the round trip exactly:
    no other denoiser and no mixing. That halves the cost of a plain round trip.
    """
    noise = invert(own, schedule, prediction, x_0, steps)
    back = sample(own, schedule, prediction, noise, steps)
    start = mix_noise(noise, other, mix) if other is not None and mix else noise
    if steer is None and start is noise:
        edited = back
    else:
        edited = sample(steer or own, schedule, prediction, start, steps)
    return Inversion(x_0, noise, back, edited, [psnr(b, a) for a, b in zip(x_0, back, strict=True)])
