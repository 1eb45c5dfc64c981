"""Schedules against closed forms, in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest

from diffusion.schedules import SCHEDULES, custom_schedule, make_schedule


def cos2(t: np.ndarray, T: int, s: float = 0.008) -> np.ndarray:
    """Nichol & Dhariwal's f(t) / f(0), written independently of the module."""
    f = [math.cos(((ti / T) + s) / (1 + s) * math.pi / 2) ** 2 for ti in t]
    return np.array(f) / math.cos(s / (1 + s) * math.pi / 2) ** 2


def test_linear_endpoints_are_exact() -> None:
    s = make_schedule("linear", 1000)
    assert s.betas[0] == 1e-4 and s.betas[-1] == 0.02 and s.betas.dtype == np.float64
    np.testing.assert_allclose(np.diff(s.betas), (0.02 - 1e-4) / 999, rtol=1e-9)


@pytest.mark.parametrize("T", [10, 1000, 4000])
def test_cosine_alpha_bar_is_the_cos2_formula_where_not_clipped(T: int) -> None:
    s = make_schedule("cosine", T)
    expected = cos2(np.arange(1, T + 1), T)
    unclipped = s.betas < 0.999
    assert unclipped.sum() >= T - 1  # only the very last beta can hit the clip
    np.testing.assert_allclose(s.alpha_bars[unclipped], expected[unclipped], rtol=1e-10, atol=1e-300)


def test_terminal_values_quoted_in_the_panel() -> None:
    seed = make_schedule("seed-cosine", 1000)
    assert f"{seed.alpha_bars[-1]:.4e}" == "3.1948e-03"
    assert round(math.sqrt(seed.alpha_bars[-1]), 3) == 0.057  # 5.7% of the image survives at t = T
    assert round(seed.log_snr[-1], 1) == -5.7
    assert f"{make_schedule('cosine', 1000).alpha_bars[-1]:.1e}" == "2.4e-09"
    assert np.all((seed.betas >= 1e-4) & (seed.betas <= 0.02))


@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("T", [2, 50, 1000])
def test_monotone_and_in_range(name: str, T: int) -> None:
    s = make_schedule(name, T)
    assert s.T == T and np.all((s.betas > 0) & (s.betas < 1))
    assert np.all(np.diff(s.alpha_bars) < 0) and np.all(np.diff(s.log_snr) < 0)
    np.testing.assert_allclose(s.snr, s.alpha_bars / (1 - s.alpha_bars), rtol=1e-12)
    np.testing.assert_allclose(np.exp(s.log_snr), s.snr, rtol=1e-9)
    np.testing.assert_allclose(s.sqrt_alpha_bars**2 + s.sqrt_one_minus_alpha_bars**2, 1.0, rtol=1e-14)


def test_posterior_variance_against_a_loop() -> None:
    s = make_schedule("linear", 100)
    prod, expected = 1.0, []
    for beta in s.betas:
        prev = prod
        prod *= 1 - beta
        expected.append(beta * (1 - prev) / (1 - prod))
    np.testing.assert_allclose(s.posterior_variance, expected, rtol=1e-12)
    assert s.posterior_variance[0] == 0.0  # the first step has no uncertainty about x_0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", 10), "Unknown schedule"),
        (("linear", 1), "between 2 and"),
        (("linear", 10**6), "between 2 and"),
        (("linear", 2.5), "whole number"),
        (("linear", True), "whole number"),
    ],
)
def test_bad_arguments(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_schedule(*args)


def test_custom_schedule_checks_betas() -> None:
    assert custom_schedule([0.1, 0.2]).T == 2
    for bad in ([], [0.0, 0.1], [1.0], [float("nan")], [[0.1]]):
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            custom_schedule(bad)
