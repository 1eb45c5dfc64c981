"""Generating digits and the metrics: seed noise, nearest neighbours against brute force, distances."""

from __future__ import annotations

import pytest
import torch

from diffusion import digit_eval, hub
from diffusion.recipes import DIGITS_TINY
from diffusion.unet import UNet


def test_seed_noise_rows_depend_only_on_their_own_seed() -> None:
    a = digit_eval.seed_noise([5, 6, 7], (1, 4, 4))
    b = digit_eval.seed_noise([7], (1, 4, 4))
    torch.testing.assert_close(a[2], b[0], rtol=0, atol=0)
    torch.testing.assert_close(a[0], torch.randn((1, 4, 4), generator=torch.Generator().manual_seed(5)))


def test_nearest_matches_brute_force() -> None:
    gen = torch.Generator().manual_seed(0)
    ref = torch.rand((50, 1, 8, 8), generator=gen) * 2 - 1
    x = torch.rand((7, 1, 8, 8), generator=gen) * 2 - 1
    dist, idx = digit_eval.nearest(x, ref)
    brute = torch.stack([((xi - ref) ** 2).mean(dim=(1, 2, 3)).sqrt() for xi in x])  # (7, 50)
    assert torch.equal(idx, brute.argmin(1))
    torch.testing.assert_close(dist, brute.min(1).values, rtol=1e-5, atol=1e-6)
    d_self, i_self = digit_eval.nearest(ref[:5], ref)
    assert torch.equal(i_self, torch.arange(5)) and d_self.max() < 1e-3
    d_ex, i_ex = digit_eval.nearest(ref[:5], ref, exclude_self=True)
    assert (i_ex != torch.arange(5)).all() and d_ex.min() > 0


def test_mean_pairwise_distance() -> None:
    x = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2), -torch.ones(1, 2, 2)])
    # pairs: (0,1) 1, (0,2) 1, (1,2) 2 -> mean 4/3
    assert digit_eval.mean_pairwise_distance(x) == pytest.approx(4 / 3)


def test_generate_checks_the_model_and_labels() -> None:
    model = UNet(DIGITS_TINY.model).eval()
    out = digit_eval.generate(model, torch.tensor([1, 2]), 1.0, 2, [0, 1])
    assert out.shape == (2, 1, 32, 32) and out.abs().max() <= 1
    with pytest.raises(ValueError, match="between 0 and 9"):
        digit_eval.generate(model, torch.tensor([10, 2]), 1.0, 2, [0, 1])
    one_image = UNet(DIGITS_TINY.model.__class__(channels=(8, 16), bottleneck=16, groups=4, image_size=32))
    with pytest.raises(ValueError, match="no label embedding"):
        digit_eval.generate(one_image, None, 0.0, 2, [0])


def test_an_unconditional_folder_is_refused_as_a_digits_model(tmp_path) -> None:
    UNet(DIGITS_TINY.model.__class__(channels=(8, 16), bottleneck=16, groups=4)).save_pretrained(tmp_path / "u")
    with pytest.raises(hub.WeightsError, match="no label embedding"):
        hub.load_conditional(tmp_path / "u")
    UNet(DIGITS_TINY.model).save_pretrained(tmp_path / "c")
    assert hub.load_conditional(tmp_path / "c").config.num_classes == 10
