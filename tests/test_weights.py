"""The shipped weights load and reproduce their training image (the model card's claim, minus 1 dB)."""

from __future__ import annotations

import re

import pytest
import torch

from diffusion import hub, imaging
from diffusion.sampling import sample
from diffusion.schedules import make_schedule


@pytest.mark.slow
def test_shipped_weights_reproduce_their_image() -> None:
    card = (hub.BUNDLED / "README.md").read_text(encoding="utf-8")
    claimed = float(re.search(r"DDIM-50 sample PSNR: ([0-9.]+) dB", card).group(1))
    loaded = hub.load_model()
    model, cfg = loaded.model, loaded.model.config
    assert loaded.source == "bundled" and cfg.image_size == 128
    image = imaging.load_image(imaging.sample_image_path(), size=cfg.image_size)
    gen = torch.Generator().manual_seed(0)
    x_T = torch.randn((1, *image.shape), generator=gen)
    with torch.inference_mode():
        out = sample(model, make_schedule(cfg.schedule, cfg.T), cfg.prediction, x_T, 50, generator=gen)
    psnr = imaging.psnr(out[0], image)
    assert psnr >= claimed - 1.0, f"{psnr:.2f} dB < {claimed} - 1 dB"
    assert claimed >= 35.0


def test_raw_weights_are_shipped_beside_the_ema() -> None:
    raw = hub.load_folder(hub.BUNDLED / "raw")
    ema = hub.load_model().model
    assert raw.config == ema.config
    differs = [not torch.equal(a, b) for a, b in zip(raw.state_dict().values(), ema.state_dict().values(), strict=True)]
    assert any(differs)


@pytest.mark.slow
def test_ddim_inversion_round_trip_of_the_one_image_model() -> None:
    """DDIM-10 up from the training image and back down: 51.7 dB measured (the model memorised the image, so any
    noise leads back to it; the digits model's inversion is the one that must keep an image's identity)."""
    loaded = hub.load_model()
    model, cfg = loaded.model, loaded.model.config
    image = imaging.load_image(imaging.sample_image_path(), size=cfg.image_size)[None]
    schedule = make_schedule(cfg.schedule, cfg.T)
    from diffusion.sampling import invert

    with torch.inference_mode():
        x_T = invert(model, schedule, cfg.prediction, image, 10)
        back = sample(model, schedule, cfg.prediction, x_T, 10)
    assert imaging.psnr(back[0], image[0]) >= 45.0
    assert 0.5 < x_T.std().item() < 1.2  # a noise-like latent, not the image
