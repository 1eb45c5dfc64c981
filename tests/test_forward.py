"""The forward process: closed-form statistics, the post's iterative chain, prediction conversions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from diffusion import forward
from diffusion.schedules import make_schedule

Z = 5.0


@pytest.mark.parametrize("t", [0, 100, 500, 999])
def test_q_sample_moments_match_the_closed_form(t: int) -> None:
    s = make_schedule("cosine", 1000)
    gen = torch.Generator().manual_seed(t)
    x0 = torch.full((1, 1, 256, 256), 0.6, dtype=torch.float64)  # 65,536 independent pixels
    xt = forward.q_sample(s, x0, torch.tensor([t]), torch.randn(x0.shape, generator=gen, dtype=torch.float64))
    n, mean, var = xt.numel(), math.sqrt(s.alpha_bars[t]) * 0.6, 1 - s.alpha_bars[t]
    assert abs(xt.mean().item() - mean) < Z * math.sqrt(var / n)
    assert abs(xt.var().item() - var) < Z * var * math.sqrt(2 / (n - 1))


def test_iterative_chain_and_closed_form_have_the_same_law() -> None:
    betas = forward.post_betas(6, 0.01, 0.5)
    x0 = np.full(200_000, 0.7)
    xs = forward.iterative_noising(x0, betas, np.random.default_rng(0))
    assert len(xs) == 7
    abar = np.prod(1 - betas)
    n = x0.size
    assert abs(xs[-1].mean() - math.sqrt(abar) * 0.7) < Z * math.sqrt((1 - abar) / n)
    assert abs(xs[-1].var() - (1 - abar)) < Z * (1 - abar) * math.sqrt(2 / (n - 1))
    # On [0, 1] the chain drags the mean pixel from 0.7 towards 0: the post's demo darkens the image.
    assert xs[-1].mean() < 0.3


@pytest.mark.parametrize("prediction", ["eps", "x0", "v"])
def test_prediction_targets_convert_back(prediction: str) -> None:
    s = make_schedule("cosine", 1000)
    gen = torch.Generator().manual_seed(1)
    x0 = torch.rand((3, 1, 8, 8), generator=gen, dtype=torch.float64) * 2 - 1
    noise = torch.randn(x0.shape, generator=gen, dtype=torch.float64)
    t = torch.tensor([0, 400, 998])
    xt = forward.q_sample(s, x0, t, noise)
    target = forward.target_for(prediction, s, x0, t, noise)
    x0_hat, eps_hat = forward.split_prediction(prediction, s, xt, t, target)
    torch.testing.assert_close(x0_hat, x0, rtol=0, atol=1e-7)
    torch.testing.assert_close(eps_hat, noise, rtol=0, atol=1e-7)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="Unknown prediction"):
        forward.target_for(
            "score", make_schedule("linear", 10), torch.zeros(1), torch.zeros(1, dtype=torch.long), torch.zeros(1)
        )
    with pytest.raises(ValueError, match="Steps must be between 1 and 20"):  # the panel's slider, one limit
        forward.post_betas(0)
    with pytest.raises(ValueError, match=r"beta_start must be between 0\.001 and 0\.9"):
        forward.post_betas(5, 0.0, 0.5)
