"""DDIM inversion as a lesson: round trips, edits from mixed noise, and what a memorising model does."""

from __future__ import annotations

import math

import torch

from diffusion import imaging, inversion
from tests.test_sampling import SCHED, one_image_denoiser


def test_mix_noise_is_a_variance_preserving_rotation() -> None:
    gen = torch.Generator().manual_seed(0)
    z, w = torch.randn((2, 200_000), generator=gen)
    torch.testing.assert_close(inversion.mix_noise(z, w, 0.0), z)
    torch.testing.assert_close(inversion.mix_noise(z, w, 1.0), w, atol=1e-6, rtol=0)
    for amount in (0.3, 0.5, 0.8):
        # 200,000 draws: the sample variance of a standard normal has sd sqrt(2 / n) = 0.0032
        assert abs(inversion.mix_noise(z, w, amount).var().item() - 1.0) < 0.02


def _images(seed: int, n: int = 1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand((n, 1, 8, 8), generator=gen, dtype=torch.float64) * 1.6 - 0.8


def test_a_model_of_one_image_round_trips_it_and_maps_every_noise_back_to_it() -> None:
    image, other = (
        _images(0),
        torch.randn((1, 1, 8, 8), dtype=torch.float64, generator=torch.Generator().manual_seed(1)),
    )
    model = one_image_denoiser(image, "v")
    inv = inversion.invert_and_edit(model, SCHED, "v", image.clone(), 10, other=other, mix=0.5)
    assert inv.psnr[0] > 100  # exact up to float64 rounding
    torch.testing.assert_close(inv.edited, image, rtol=0, atol=1e-9)  # the mixed noise leads to the image too


def test_an_image_the_model_never_learned_comes_back_as_the_one_it_did() -> None:
    """What the reverse panel shows for an uploaded image: the memorising model's 'noise' for another image B is
    B's offset from the learned image A, blown up by 1 / sqrt(1 - abar_0), not a Gaussian draw; DDIM maps it to A."""
    learned, unseen = _images(2), _images(3)
    model = one_image_denoiser(learned, "x0")
    inv = inversion.invert_and_edit(model, SCHED, "x0", unseen.clone(), 10)
    a0, s0 = math.sqrt(SCHED.alpha_bars[0]), math.sqrt(1 - SCHED.alpha_bars[0])
    aT, sT = math.sqrt(SCHED.alpha_bars[999]), math.sqrt(1 - SCHED.alpha_bars[999])
    e = (unseen - a0 * learned) / s0  # the first inversion step's noise, kept by every later step
    torch.testing.assert_close(inv.noise, aT * learned + sT * e, rtol=1e-9, atol=1e-9)
    assert inv.noise.std() > 10
    torch.testing.assert_close(inv.round_trip, learned, rtol=0, atol=1e-9)
    assert inv.psnr[0] == imaging.psnr(learned[0], unseen[0])


def test_without_an_edit_the_re_generation_is_the_round_trip() -> None:
    image = _images(4, n=2)
    inv = inversion.invert_and_edit(one_image_denoiser(image[:1], "eps"), SCHED, "eps", image, 5)
    assert inv.edited is inv.round_trip and len(inv.psnr) == 2
