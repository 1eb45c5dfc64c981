"""The words-to-pictures model's autoencoder: shapes, the KL term against an independent computation, a Hub-format
round trip, and that a few steps of training lower its reconstruction error."""

from __future__ import annotations

import math

import torch

from diffusion import autoencoder, scenes
from diffusion.autoencoder import KLAutoencoder, KLConfig


def test_a_scene_becomes_a_4_x_12_x_12_latent_and_back() -> None:
    model = KLAutoencoder(KLConfig())
    x, _ = scenes.batch(range(2))
    mean, logvar = model.encode(x)
    assert mean.shape == logvar.shape == (2, 4, 12, 12) == (2, 4, model.config.latent_size, model.config.latent_size)
    assert model.decode(mean).shape == x.shape
    recon, *_ = model(x, torch.Generator().manual_seed(0))
    assert recon.shape == x.shape


def test_the_kl_term_matches_the_closed_form_of_two_gaussians() -> None:
    """KL(N(m, s^2) || N(0, 1)) = log(1 / s) + (s^2 + m^2) / 2 - 1/2, per dimension, summed (float64 by hand)."""
    mean = torch.tensor([[0.3, -1.2], [0.0, 2.0]], dtype=torch.float64)
    std = torch.tensor([[0.5, 1.0], [2.0, 0.1]], dtype=torch.float64)
    expected = (
        sum(
            math.log(1 / s) + (s * s + m * m) / 2 - 0.5
            for row_m, row_s in zip(mean.tolist(), std.tolist(), strict=True)
            for m, s in zip(row_m, row_s, strict=True)
        )
        / 2
    )
    got = autoencoder.kl_to_standard_normal(mean, (std**2).log())
    assert abs(float(got) - expected) < 1e-12


def test_weights_round_trip_in_hub_format(tmp_path) -> None:
    model = KLAutoencoder(KLConfig(channels=(8, 16, 16), groups=4))
    model.save_pretrained(tmp_path)
    assert (tmp_path / "config.json").is_file() and (tmp_path / "model.safetensors").is_file()
    again = KLAutoencoder.from_pretrained(str(tmp_path))
    x, _ = scenes.batch(range(1))
    with torch.no_grad():
        assert torch.equal(model.encode(x)[0], again.encode(x)[0])


def test_a_few_steps_lower_the_reconstruction_error() -> None:
    torch.manual_seed(0)
    model = KLAutoencoder(KLConfig(channels=(16, 32, 32), groups=4))
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    x, _ = scenes.batch(range(8))
    gen = torch.Generator().manual_seed(0)
    first = None
    for _ in range(30):
        total, rec, _kl = autoencoder.loss(model, x, gen)
        optimiser.zero_grad()
        total.backward()
        optimiser.step()
        first = first or float(rec.detach())
    assert float(rec.detach()) < 0.6 * first
