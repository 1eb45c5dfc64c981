"""Samplers: exact grids, analytic denoisers, one step against float64, posterior variance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from diffusion import sampling
from diffusion.forward import q_sample
from diffusion.schedules import make_schedule

SCHED = make_schedule("cosine", 1000)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, [999]), (2, [999, 0]), (5, [999, 749, 500, 250, 0]), (4, [999, 666, 333, 0])],
)
def test_uniform_grids_start_at_t_minus_1_and_end_at_0(n: int, expected: list[int]) -> None:
    assert sampling.timestep_grid(n, 1000).tolist() == expected


def test_full_and_post_grids() -> None:
    full = sampling.timestep_grid(1000, 1000)
    assert full.tolist() == list(range(999, -1, -1))
    grid = sampling.timestep_grid(50, 1000)
    assert len(set(grid.tolist())) == 50 and np.all(np.diff(grid) < 0)
    assert sampling.timestep_grid(10, 1000, "post").tolist() == list(range(9, -1, -1))
    for bad in (0, 1001):
        with pytest.raises(ValueError, match="between 1 and T = 1000"):
            sampling.timestep_grid(bad, 1000)


def one_image_denoiser(image: torch.Tensor, prediction: str):
    """The optimal denoiser when the data set is one image: E[x_0 | x_t] = image, for every x_t."""

    def model(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        a = torch.as_tensor(SCHED.sqrt_alpha_bars[t.numpy()], dtype=x.dtype).view(-1, 1, 1, 1)
        s = torch.as_tensor(SCHED.sqrt_one_minus_alpha_bars[t.numpy()], dtype=x.dtype).view(-1, 1, 1, 1)
        x0 = image.expand_as(x)
        if prediction == "x0":
            return x0
        eps = (x - a * x0) / s
        return eps if prediction == "eps" else a * eps - s * x0

    return model


@pytest.mark.parametrize("prediction", ["x0", "eps", "v"])
@pytest.mark.parametrize(
    ("method", "steps", "eta"),
    [("ddim", 1, 0.0), ("ddim", 7, 0.0), ("ddim", 20, 0.5), ("ddim", 50, 1.0), ("ddpm", 10, 0.0), ("ddpm", 100, 0.0)],
)
def test_optimal_denoiser_returns_the_image(prediction: str, method: str, steps: int, eta: float) -> None:
    gen = torch.Generator().manual_seed(0)
    image = torch.rand((1, 1, 8, 8), generator=gen, dtype=torch.float64) * 1.8 - 0.9
    x_T = torch.randn((3, 1, 8, 8), generator=gen, dtype=torch.float64)
    model = one_image_denoiser(image, prediction)
    out = sampling.sample(model, SCHED, prediction, x_T, steps, method=method, eta=eta, generator=gen)
    torch.testing.assert_close(out, image.expand(3, -1, -1, -1), rtol=0, atol=1e-6)


def test_ddim_eta_zero_is_deterministic_and_eta_one_is_not() -> None:
    torch.manual_seed(0)
    model = torch.nn.Conv2d(1, 1, 3, padding=1).double()
    wrapped = lambda x, t: model(x)  # noqa: E731
    x_T = torch.randn(2, 1, 8, 8, dtype=torch.float64)
    with torch.no_grad():
        a = sampling.sample(wrapped, SCHED, "eps", x_T, 10, generator=torch.Generator().manual_seed(1))
        b = sampling.sample(wrapped, SCHED, "eps", x_T, 10, generator=torch.Generator().manual_seed(2))
        c = sampling.sample(wrapped, SCHED, "eps", x_T, 10, eta=1.0, generator=torch.Generator().manual_seed(1))
        d = sampling.sample(wrapped, SCHED, "eps", x_T, 10, eta=1.0, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(c, d)


def test_one_ddim_step_against_float64_reference() -> None:
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(1, 1, 4, 4, generator=gen, dtype=torch.float64)
    eps = torch.randn(1, 1, 4, 4, generator=gen, dtype=torch.float64) * 0.3
    t, t_prev, eta = 600, 400, 0.7
    z_gen = torch.Generator().manual_seed(9)
    out = sampling.ddim_step(SCHED, "eps", eps, t, t_prev, x, eta, z_gen, clip=False)
    # Independent computation in numpy, with DDIM eqs. 12 and 16 written out.
    ab, abp = SCHED.alpha_bars[t], SCHED.alpha_bars[t_prev]
    xn, en = x.numpy(), eps.numpy()
    x0 = (xn - np.sqrt(1 - ab) * en) / np.sqrt(ab)
    sigma = eta * np.sqrt((1 - abp) / (1 - ab) * (1 - ab / abp))
    z = torch.randn(x.shape, generator=torch.Generator().manual_seed(9), dtype=torch.float64).numpy()
    expected = np.sqrt(abp) * x0 + np.sqrt(1 - abp - sigma**2) * en + sigma * z
    np.testing.assert_allclose(out.prev_sample.numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.pred_x0.numpy(), x0, rtol=1e-12)


def test_ddpm_posterior_matches_the_closed_form() -> None:
    for t in (1, 10, 500, 999):
        c0, ct, var = sampling.ddpm_posterior(SCHED, t, t - 1)
        assert math.isclose(var, SCHED.posterior_variance[t], rel_tol=1e-12)
        beta, ab, abp = SCHED.betas[t], SCHED.alpha_bars[t], SCHED.alpha_bars[t - 1]
        assert math.isclose(c0, math.sqrt(abp) * beta / (1 - ab), rel_tol=1e-12)
        assert math.isclose(ct, math.sqrt(1 - beta) * (1 - abp) / (1 - ab), rel_tol=1e-12)
    assert sampling.ddpm_posterior(SCHED, 0, -1)[2] == 0.0  # the last step adds no noise


def test_ddpm_step_has_the_posterior_law() -> None:
    """Empirical mean and variance of many ancestral steps from a fixed (x_t, x_0)."""
    t, t_prev = 300, 200
    x0 = torch.full((1, 1, 200, 200), 0.5, dtype=torch.float64)
    x_t = q_sample(
        SCHED,
        x0,
        torch.tensor([t]),
        torch.randn(x0.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64),
    )
    out = sampling.ddpm_step(SCHED, "x0", x0, t, t_prev, x_t, torch.Generator().manual_seed(1))
    c0, ct, var = sampling.ddpm_posterior(SCHED, t, t_prev)
    resid = (out.prev_sample - (c0 * x0 + ct * x_t)).flatten()
    n = resid.numel()
    assert abs(resid.mean().item()) < 5 * math.sqrt(var / n)
    assert abs(resid.var().item() - var) < 5 * var * math.sqrt(2 / (n - 1))


def test_bad_sampler_arguments() -> None:
    model = lambda x, t: x  # noqa: E731
    x = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="Unknown sampler"):
        sampling.sample(model, SCHED, "eps", x, 5, method="euler")
    with pytest.raises(ValueError, match="eta must be between 0 and 1"):
        sampling.sample(model, SCHED, "eps", x, 5, eta=1.5)


def two_image_model(images: torch.Tensor, null_label: int):
    """The exact denoiser of a data set of two images, one per class, as a v-predicting conditional model.

    Conditional on label k, E[x_0 | x_t] = images[k]; without a label, the posterior mean over both images.
    """

    def model(x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        a = torch.as_tensor(SCHED.sqrt_alpha_bars[t.numpy()], dtype=x.dtype).view(-1, 1, 1, 1)
        s = torch.as_tensor(SCHED.sqrt_one_minus_alpha_bars[t.numpy()], dtype=x.dtype).view(-1, 1, 1, 1)
        d2 = ((x[:, None] - a[:, None] * images[None]) ** 2).flatten(2).sum(-1)  # (B, 2)
        w = torch.softmax(-d2 / (2 * s.view(-1, 1) ** 2), dim=1)
        mean = torch.einsum("bk,kchw->bchw", w, images)
        x0 = torch.where((labels == null_label).view(-1, 1, 1, 1), mean, images[labels.clamp(max=1)])
        eps = (x - a * x0) / s
        return a * eps - s * x0

    return model


@pytest.mark.parametrize("w", [0.0, 1.0, 3.0])
def test_classifier_free_guidance_against_a_hand_computed_ddim_step(w: float) -> None:
    """One guided DDIM step of a v-model equals the step computed by hand from the guided noise estimate
    eps = (1 + w) eps_cond - w eps_uncond (the convention stated in classifier_free_guidance)."""
    gen = torch.Generator().manual_seed(3)
    images = torch.rand((2, 1, 6, 6), generator=gen, dtype=torch.float64) * 1.6 - 0.8
    model = two_image_model(images, null_label=2)
    x = torch.randn((4, 1, 6, 6), generator=gen, dtype=torch.float64)
    labels = torch.tensor([0, 1, 1, 0])
    t, t_prev = 600, 400
    tb = torch.full((4,), t)
    guided = sampling.classifier_free_guidance(model, labels, w, null_label=2)
    step = sampling.ddim_step(SCHED, "v", guided(x, tb), t, t_prev, x, clip=False)
    # by hand, in float64, from the closed forms
    a, s = math.sqrt(SCHED.alpha_bars[t]), math.sqrt(1 - SCHED.alpha_bars[t])
    eps_of = lambda v: s * x + a * v  # noqa: E731  (v = a eps - s x0 and x = a x0 + s eps)
    eps = (1 + w) * eps_of(model(x, tb, labels)) - w * eps_of(model(x, tb, torch.full((4,), 2)))
    x0 = (x - s * eps) / a
    ab_prev = SCHED.alpha_bars[t_prev]
    expected = math.sqrt(ab_prev) * x0 + math.sqrt(1 - ab_prev) * eps
    torch.testing.assert_close(step.prev_sample, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(step.pred_x0, x0, rtol=1e-10, atol=1e-10)


def test_guidance_scale_zero_is_conditional_minus_one_unconditional_and_one_batched_call() -> None:
    images = torch.stack([torch.full((1, 4, 4), -0.5), torch.full((1, 4, 4), 0.5)]).double()
    calls: list[int] = []
    exact = two_image_model(images, null_label=2)

    def model(x, t, labels):
        calls.append(x.shape[0])
        return exact(x, t, labels)

    x = torch.randn((3, 1, 4, 4), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    t, labels = torch.full((3,), 500), torch.tensor([0, 1, 0])
    torch.testing.assert_close(sampling.classifier_free_guidance(model, labels, 0.0, 2)(x, t), exact(x, t, labels))
    null = torch.full((3,), 2)
    torch.testing.assert_close(sampling.classifier_free_guidance(model, labels, -1.0, 2)(x, t), exact(x, t, null))
    torch.testing.assert_close(sampling.classifier_free_guidance(model, None, 5.0, 2)(x, t), exact(x, t, null))
    calls.clear()
    sampling.classifier_free_guidance(model, labels, 2.0, 2)(x, t)
    assert calls == [6]  # cond and uncond rows in one forward


def test_guided_sampling_of_the_exact_model_draws_the_requested_image() -> None:
    gen = torch.Generator().manual_seed(1)
    images = torch.rand((2, 1, 6, 6), generator=gen, dtype=torch.float64) * 1.6 - 0.8
    model = two_image_model(images, null_label=2)
    labels = torch.tensor([1, 0, 1])
    x_T = torch.randn((3, 1, 6, 6), generator=gen, dtype=torch.float64)
    out = sampling.sample(sampling.classifier_free_guidance(model, labels, 1.0, 2), SCHED, "v", x_T, 20)
    torch.testing.assert_close(out, images[labels].clamp(-1, 1), atol=1e-6, rtol=0)


def test_ddim_coefficients_against_closed_forms() -> None:
    t, t_prev = 700, 350
    ab_prev = SCHED.alpha_bars[t_prev]
    c_x0, c_eps, sigma = sampling.ddim_coefficients(SCHED, t, t_prev, 0.0)
    assert (c_x0, c_eps, sigma) == pytest.approx((math.sqrt(ab_prev), math.sqrt(1 - ab_prev), 0.0), rel=1e-12)
    # eta = 1: sigma^2 is the DDPM posterior variance of the same jump (DDIM paper, eq. 16)
    _, _, sigma1 = sampling.ddim_coefficients(SCHED, t, t_prev, 1.0)
    assert sigma1**2 == pytest.approx(sampling.ddpm_posterior(SCHED, t, t_prev)[2], rel=1e-10)
    # to x_0 (t_prev = -1): the whole image, no noise left
    assert sampling.ddim_coefficients(SCHED, t, -1, 0.5) == pytest.approx((1.0, 0.0, 0.0))


def test_progress_reports_where_each_step_goes_and_the_noise_it_saw() -> None:
    gen = torch.Generator().manual_seed(2)
    image = torch.rand((1, 1, 8, 8), generator=gen, dtype=torch.float64) * 1.6 - 0.8
    x_T = torch.randn((2, 1, 8, 8), generator=gen, dtype=torch.float64)
    steps = list(sampling.sample_progressive(one_image_denoiser(image, "v"), SCHED, "v", x_T, 5))
    grid = sampling.timestep_grid(5, 1000).tolist()
    assert [p.t for p in steps] == grid and [p.t_prev for p in steps] == [*grid[1:], -1]
    # the first step saw x_T = a x0 + s eps: its eps estimate is exactly that eps (the denoiser is optimal)
    a, s = math.sqrt(SCHED.alpha_bars[999]), math.sqrt(1 - SCHED.alpha_bars[999])
    torch.testing.assert_close(steps[0].pred_eps, (x_T - a * image) / s, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("prediction", ["x0", "eps", "v"])
def test_ddim_inversion_of_the_optimal_denoiser_is_exact_and_round_trips(prediction: str) -> None:
    gen = torch.Generator().manual_seed(4)
    image = torch.rand((1, 1, 8, 8), generator=gen, dtype=torch.float64) * 1.6 - 0.8
    model = one_image_denoiser(image, prediction)
    x_T = sampling.invert(model, SCHED, prediction, image.expand(2, -1, -1, -1).clone(), 10)
    # by hand: every step keeps the first step's noise e = (x_0 - a_0 x_0) / s_0, so x_T = a_T x_0 + s_T e
    a0, s0 = math.sqrt(SCHED.alpha_bars[0]), math.sqrt(1 - SCHED.alpha_bars[0])
    e = (image - a0 * image) / s0
    aT, sT = math.sqrt(SCHED.alpha_bars[999]), math.sqrt(1 - SCHED.alpha_bars[999])
    torch.testing.assert_close(x_T, (aT * image + sT * e).expand_as(x_T), rtol=1e-9, atol=1e-9)
    back = sampling.sample(model, SCHED, prediction, x_T, 10, clip=False)
    torch.testing.assert_close(back, image.expand_as(back), rtol=0, atol=1e-9)
    visited = [(p.t, p.t_prev) for p in sampling.invert_progressive(model, SCHED, prediction, image, 4)]
    assert visited == [(-1, 0), (0, 333), (333, 666), (666, 999)]
