"""Flow matching and the ODE samplers against closed forms on a Gaussian-to-Gaussian problem (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from diffusion import flow, sampling
from diffusion.schedules import make_schedule

MU, STD = np.array([1.5, -0.5]), 0.3  # the data: N(MU, STD^2 I)
SCHED = make_schedule("linear", 1000)


def exact_map(x1: torch.Tensor, s: float) -> torch.Tensor:
    """Where the exact ODE carries x_1 (noise) by time s: the marginals are N((1-s) MU, ((1-s)^2 STD^2 + s^2) I) and
    the deterministic map between two Gaussians matches their quantiles: x_s = m(s) + std(s) x_1."""
    std_s = math.sqrt((1 - s) ** 2 * STD**2 + s**2)
    return torch.as_tensor((1 - s) * MU) + std_s * x1


def gaussian_eps(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The optimal eps-prediction E[eps | x_t] for the data N(MU, STD^2 I) under the VP schedule."""
    ab = torch.as_tensor(SCHED.alpha_bars, dtype=torch.float64)[t][:, None]
    a, b = ab.sqrt(), (1 - ab).sqrt()
    return b / (a**2 * STD**2 + b**2) * (x.to(torch.float64) - a * torch.as_tensor(MU))


def test_the_path_runs_from_the_data_to_the_noise_and_the_target_is_its_velocity() -> None:
    gen = torch.Generator().manual_seed(0)
    x0, noise = torch.randn((64, 2), generator=gen, dtype=torch.float64), torch.randn((64, 2), generator=gen)
    noise = noise.double()
    zeros, ones = torch.zeros(64, dtype=torch.float64), torch.ones(64, dtype=torch.float64)
    assert torch.equal(flow.interpolate(x0, noise, zeros), x0) and torch.equal(flow.interpolate(x0, noise, ones), noise)
    s, h = torch.full((64,), 0.37, dtype=torch.float64), 1e-6
    finite_difference = (flow.interpolate(x0, noise, s + h) - flow.interpolate(x0, noise, s - h)) / (2 * h)
    assert torch.allclose(finite_difference, flow.velocity_target(x0, noise), atol=1e-8)


def test_the_gaussian_velocity_is_the_conditional_mean_of_the_target() -> None:
    """Independent check of the closed form: regress the flow-matching target eps - x_0 on x_s by least squares over
    many samples (the conditional mean is affine in x_s for Gaussians) and compare with gaussian_velocity."""
    rng = np.random.default_rng(1)
    n, s = 400_000, 0.6
    x0 = MU + STD * rng.standard_normal((n, 2))
    eps = rng.standard_normal((n, 2))
    x_s = (1 - s) * x0 + s * eps
    design = np.concatenate([x_s, np.ones((n, 1))], 1)
    coef, *_ = np.linalg.lstsq(design, eps - x0, rcond=None)
    probe = np.array([[0.0, 0.0], [1.0, -1.0], [-2.0, 0.5]])
    fitted = np.concatenate([probe, np.ones((3, 1))], 1) @ coef
    exact = flow.gaussian_velocity(MU, STD)(torch.as_tensor(probe), torch.full((3,), s, dtype=torch.float64))
    assert np.allclose(fitted, exact.numpy(), atol=0.01)


def test_flow_loss_is_the_mean_squared_velocity_error_and_zero_only_for_no_randomness() -> None:
    x0 = torch.randn((256, 2), generator=torch.Generator().manual_seed(2))
    calls = []

    def model(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        calls.append(s.clone())
        return torch.zeros_like(x)

    loss = flow.flow_loss(model, x0, torch.Generator().manual_seed(3))
    # with v = 0 the loss is E||eps - x_0||^2 / 2 per coordinate = (1 + E[x_0^2]) on average
    assert loss.item() == pytest.approx(1 + x0.pow(2).mean().item(), rel=0.15)
    assert calls[0].min() >= 0 and calls[0].max() <= 1 and calls[0].std() > 0.2  # s ~ U(0, 1) per row


@pytest.mark.parametrize("method", flow.ODE_METHODS)
def test_solvers_converge_to_the_exact_map_at_their_order(method: str) -> None:
    x1 = torch.randn((500, 2), generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    velocity = flow.gaussian_velocity(MU, STD)
    errors = []
    for n in (10, 20, 40):
        *_, x0 = flow.solve(flow.flow_field(velocity, flow.uniform_s(n)), x1, method)
        errors.append((x0 - exact_map(x1, 0.0)).abs().max().item())
    ratios = [errors[i] / errors[i + 1] for i in range(2)]
    order = {"euler": 2.0, "heun": 4.0}[method]  # halving h divides a p-th order global error by 2^p
    assert all(order * 0.8 < r < order * 1.25 for r in ratios), (errors, ratios)
    assert errors[-1] < (0.06 if method == "euler" else 1e-3)


def test_euler_on_the_probability_flow_ode_is_ddim() -> None:
    """Euler in (y = x / sqrt(abar), sigma) is exactly DDIM with eta = 0, for any denoiser."""
    weight = torch.tensor([[0.3, -0.2], [0.1, 0.5]], dtype=torch.float64)

    def model(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:  # an arbitrary (non-optimal) eps-prediction
        return torch.tanh(x @ weight) + 0.001 * t[:, None].double()

    x_T = torch.randn((50, 2), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    for steps in (1, 7, 50):
        grid = np.append(sampling.timestep_grid(steps, SCHED.T), -1)
        ode_path = list(flow.solve(flow.pf_ode_field(model, SCHED, grid), x_T, "euler"))
        ddim = list(sampling.sample_progressive(model, SCHED, "eps", x_T, steps, "ddim", clip=False))
        assert len(ode_path) == steps
        for a, b in zip(ode_path, ddim, strict=True):
            assert torch.allclose(a, b.x, atol=1e-9, rtol=1e-9)


def test_heun_on_the_probability_flow_ode_beats_ddim_on_the_exact_model() -> None:
    x_T = torch.randn((400, 2), generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    ab_T = float(SCHED.alpha_bars[-1])
    std_T = math.sqrt(ab_T * STD**2 + 1 - ab_T)
    exact = torch.as_tensor(MU) + STD / std_T * (x_T - math.sqrt(ab_T) * torch.as_tensor(MU))
    for steps in (10, 20):
        grid = np.append(sampling.timestep_grid(steps, SCHED.T), -1)
        ode = flow.pf_ode_field(gaussian_eps, SCHED, grid)
        *_, heun = flow.solve(ode, x_T, "heun")
        *_, euler = flow.solve(ode, x_T, "euler")
        heun_error, euler_error = (heun - exact).abs().max().item(), (euler - exact).abs().max().item()
        assert heun_error < euler_error / 2, (steps, heun_error, euler_error)
        assert flow.evaluations(ode, "heun") == 2 * steps - 1 and flow.evaluations(ode, "euler") == steps


def test_evaluations_count_the_network_calls() -> None:
    calls = []

    def velocity(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        return -x

    for method in flow.ODE_METHODS:
        calls.clear()
        ode = flow.flow_field(velocity, flow.uniform_s(8))
        list(flow.solve(ode, torch.zeros((3, 2)), method))
        assert len(calls) == flow.evaluations(ode, method)


def test_log_density_by_the_change_of_variables_matches_the_gaussian_marginal() -> None:
    velocity = flow.gaussian_velocity(MU, STD)
    x = torch.as_tensor(np.array([[1.5, -0.5], [1.0, 0.0], [2.0, -1.0], [1.2, -0.1]]))
    for s in (0.0, 0.5):
        ode = flow.flow_field(velocity, np.linspace(s, 1.0, 401))
        got = flow.log_density(ode, x, flow.standard_normal_log_prob)
        var = (1 - s) ** 2 * STD**2 + s**2
        exact = -((x - torch.as_tensor((1 - s) * MU)) ** 2).sum(1) / (2 * var) - math.log(2 * math.pi * var)
        assert torch.allclose(got, exact, atol=0.02), (s, got, exact)


def test_log_density_of_the_probability_flow_ode_matches_the_vp_marginal() -> None:
    t = 300
    ab = float(SCHED.alpha_bars[t])
    ts = np.unique(np.round(np.linspace(t, SCHED.T - 1, 400))).astype(int)
    ode = flow.pf_ode_field(gaussian_eps, SCHED, ts)
    x = torch.as_tensor(np.array([[0.5, -0.2], [0.9, -0.3], [0.0, 0.0]]))
    got = flow.log_density(ode, x, flow.standard_normal_log_prob)
    var = ab * STD**2 + 1 - ab
    exact = -((x - math.sqrt(ab) * torch.as_tensor(MU)) ** 2).sum(1) / (2 * var) - math.log(2 * math.pi * var)
    assert torch.allclose(got, exact, atol=0.03), (got, exact)


def test_bad_solver_and_step_counts_say_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="euler or heun"):
        list(flow.solve(flow.flow_field(lambda x, s: x, flow.uniform_s(2)), torch.zeros((1, 2)), "rk4"))
    with pytest.raises(ValueError, match="at least 1"):
        flow.uniform_s(0)
