"""The Diffusion object and the maths moved out of the panels, against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from tiny import tiny_config

from diffusion import forward, markov, sampling
from diffusion.process import Diffusion, sample_from_seed
from diffusion.schedules import alpha_bars_from_start, make_schedule
from diffusion.unet import UNet


def test_of_reads_the_config_and_shares_one_object() -> None:
    cfg = tiny_config(prediction="v")
    d = Diffusion.of(cfg)
    assert d is Diffusion.of(tiny_config(prediction="v"))  # same schedule, T and target: the same object
    assert (d.prediction, d.T, d.schedule.name) == ("v", cfg.T, cfg.schedule)
    assert Diffusion.of(tiny_config(prediction="eps")) is not d
    with pytest.raises(ValueError, match="prediction target"):
        Diffusion(d.schedule, "score")


def test_alpha_bar_is_one_before_the_first_step_and_the_product_after() -> None:
    d = Diffusion(make_schedule("cosine", 50))
    assert d.alpha_bar(-1) == 1.0
    for t in (0, 7, 49):
        assert d.alpha_bar(t) == pytest.approx(math.prod(1.0 - float(b) for b in d.schedule.betas[: t + 1]), rel=1e-12)


def test_alpha_bars_from_start_is_the_running_product() -> None:
    betas = np.array([0.1, 0.25, 0.5, 0.01])
    expected, running = [1.0], 1.0
    for b in betas:
        running *= 1.0 - b
        expected.append(running)
    np.testing.assert_allclose(alpha_bars_from_start(betas), expected, rtol=1e-15)
    s = make_schedule("linear", 20)
    np.testing.assert_allclose(s.alpha_bars_from_start[1:], s.alpha_bars, rtol=0)


def test_coefficients_match_the_papers_formulas_in_float64() -> None:
    d = Diffusion(make_schedule("linear", 1000), "eps")
    t, t_prev, eta = 600, 400, 0.7
    ab_t, ab_p = float(np.prod(1 - d.schedule.betas[: t + 1])), float(np.prod(1 - d.schedule.betas[: t_prev + 1]))
    ddim = d.coefficients("ddim", t, t_prev, eta)
    sigma = eta * math.sqrt((1 - ab_p) / (1 - ab_t) * (1 - ab_t / ab_p))  # DDIM eq. 16
    assert (ddim.c_x0, ddim.sigma) == (pytest.approx(math.sqrt(ab_p)), pytest.approx(sigma))
    assert ddim.c_eps == pytest.approx(math.sqrt(1 - ab_p - sigma**2))
    ddpm = d.coefficients("ddpm", t, t_prev)
    alpha = ab_t / ab_p  # the jump's alpha, DDPM eq. 7 with beta = 1 - alpha
    assert ddpm.c_x0 == pytest.approx(math.sqrt(ab_p) * (1 - alpha) / (1 - ab_t))
    assert ddpm.c_xt == pytest.approx(math.sqrt(alpha) * (1 - ab_p) / (1 - ab_t))
    assert ddpm.sigma == pytest.approx(math.sqrt((1 - alpha) * (1 - ab_p) / (1 - ab_t)))
    with pytest.raises(ValueError, match="sampler"):
        d.coefficients("euler", t, t_prev)


def test_target_and_split_invert_each_other() -> None:
    d = Diffusion(make_schedule("cosine", 100), "v")
    gen = torch.Generator().manual_seed(0)
    x0, eps = torch.randn((3, 1, 4, 4), generator=gen).double(), torch.randn((3, 1, 4, 4), generator=gen).double()
    t = torch.tensor([0, 50, 99])
    x_t = d.q_sample(x0, t, eps)
    x0_hat, eps_hat = d.split(x_t, t, d.target(x0, t, eps))
    torch.testing.assert_close(x0_hat, x0)
    torch.testing.assert_close(eps_hat, eps)


def test_sample_from_seed_is_the_seeded_ddim_sample() -> None:
    torch.manual_seed(0)
    model = UNet(tiny_config(prediction="x0")).eval()
    a, b = sample_from_seed(model, 3, 4), sample_from_seed(model, 3, 4)
    torch.testing.assert_close(a, b)
    cfg = model.config
    x_T = torch.randn((1, cfg.in_channels, cfg.image_size, cfg.image_size), generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        direct = sampling.sample(model, make_schedule(cfg.schedule, cfg.T), "x0", x_T, 4)
    torch.testing.assert_close(a, direct)
    assert not torch.equal(a, sample_from_seed(model, 4, 4))


def test_population_moments_follow_the_law_of_total_variance() -> None:
    x0 = np.array([-3.0, 3.0, 1.0])
    betas = np.full(30, 0.05)
    m = markov.population_moments(x0, betas)
    ab = (1 - 0.05) ** np.arange(31)
    np.testing.assert_allclose(m.means, np.sqrt(ab) * x0.mean())
    np.testing.assert_allclose(m.variances, (1 - ab) + ab * x0.var())  # E[Var] + Var[E]
    assert (m.alpha_bar, m.signal_coef, m.noise_coef) == pytest.approx((ab[-1], ab[-1] ** 0.5, (1 - ab[-1]) ** 0.5))
    # and the simulated chains agree (200,000 chains: standard error of the variance ~0.004)
    starts = np.resize(x0, 200_000)
    xs = markov.gaussian_chain(starts, betas, np.random.default_rng(1))
    p = markov.population_moments(starts, betas)
    assert abs(xs[-1].mean() - p.means[-1]) < 0.01 and abs(xs[-1].var() - p.variances[-1]) < 0.02


def test_closed_form_jumps_reach_the_chains_law() -> None:
    """One jump per step count k has the law of k steps of the chain: same mean and variance per pixel."""
    betas = forward.post_betas(5, 0.01, 0.5)
    x0 = np.linspace(-1, 1, 40_000)
    jumps = forward.closed_form_jumps(x0, betas, np.random.default_rng(0).standard_normal(x0.shape))
    steps = forward.iterative_noising(x0, betas, np.random.default_rng(1))
    np.testing.assert_array_equal(jumps[0], x0)
    ab = alpha_bars_from_start(betas)
    for k in range(1, 6):
        for got in (jumps[k], steps[k]):  # residual from the mean sqrt(ab) x0 is N(0, 1 - ab)
            residual = got - math.sqrt(ab[k]) * x0
            assert abs(residual.mean()) < 0.02 and residual.var() == pytest.approx(1 - ab[k], rel=0.03)


def test_step_numbers_are_the_schedules_values() -> None:
    s = make_schedule("seed-cosine", 1000)
    n = forward.step_numbers(s, 999)
    ab = float(np.prod(1 - s.betas))
    assert (n.t, n.beta, n.alpha_bar) == (999, pytest.approx(s.betas[-1]), pytest.approx(ab, rel=1e-12))
    assert n.signal == pytest.approx(0.0565, abs=5e-4)  # the post's schedule leaves 5.7% of the image at T
    assert n.signal**2 + n.noise**2 == pytest.approx(1.0)
    assert n.log_snr == pytest.approx(math.log(ab / (1 - ab)))
