"""Tests for diffusion.markov: validation, simulation statistics, stationary laws, Gaussian chain."""

from __future__ import annotations

import math

import numpy as np
import pytest

from diffusion import markov

SEED_CHAIN = np.array([[0.8, 0.2], [0.6, 0.4]])  # the source post's sunny/rainy chain
Z = 5.0  # a 5-sigma band: a correct implementation fails it with probability < 1e-6


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[0.5, 0.6], [0.5, 0.5]], "Row 1 sums to 1.1"),
        ([[0.5, 0.5], [0.7, 0.2]], "Row 2 sums to 0.9"),
        ([[1.2, -0.2], [0.5, 0.5]], "Row 1 contains a negative"),
        ([[0.5, 0.5], [float("nan"), 0.5]], "Row 2 contains a NaN"),
        ([[0.5, 0.5], [float("inf"), 0.5]], "Row 2 contains a NaN or infinite"),
        ([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]], "must be square"),
        ([], "non-empty square"),
        ([0.5, 0.5], "non-empty square"),
        ([["a", "b"], ["c", "d"]], "only numbers"),
    ],
)
def test_validation_names_the_problem(matrix: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        markov.validate_transition_matrix(matrix)


def test_validation_tolerance_and_renormalisation() -> None:
    p = markov.validate_transition_matrix([[0.33, 0.33, 0.34], [0.1, 0.9, 0.0], [0, 0, 1]])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-15)
    ok = markov.validate_transition_matrix([[0.5, 0.5 + 5e-7], [1.0, 0.0]])
    assert ok.dtype == np.float64
    with pytest.raises(ValueError, match="Row 1"):
        markov.validate_transition_matrix([[0.5, 0.5 + 5e-6], [1.0, 0.0]])


def test_seed_chain_stationary_law_is_three_quarters() -> None:
    result = markov.stationary_law(markov.validate_transition_matrix(SEED_CHAIN))
    assert result.unique and result.converges
    # Closed form for two states: pi = (b, a) / (a + b) with a = 0.2, b = 0.6.
    np.testing.assert_allclose(result.law, [0.75, 0.25], rtol=0, atol=1e-15)


@pytest.mark.parametrize("k", [2, 3, 4, 7, 20])
def test_stationary_law_solves_pi_p_equals_pi(k: int) -> None:
    rng = np.random.default_rng(k)
    for _ in range(20):
        raw = rng.random((k, k)) + 1e-3  # strictly positive: irreducible and aperiodic
        p = markov.validate_transition_matrix(raw / raw.sum(axis=1, keepdims=True))
        pi = markov.stationary_law(p).law
        np.testing.assert_allclose(pi @ p, pi, atol=1e-10, rtol=0)
        assert abs(pi.sum() - 1) < 1e-12 and np.all(pi > 0)


def test_periodic_chain_is_reported() -> None:
    flip = markov.validate_transition_matrix([[0, 1], [1, 0]])
    result = markov.stationary_law(flip)
    assert result.unique and not result.converges and result.periods == (2,)
    np.testing.assert_allclose(result.law, [0.5, 0.5])
    laws = markov.n_step_laws(flip, np.array([1.0, 0.0]), 5)  # oscillates, never converges
    np.testing.assert_array_equal(laws[:, 0], [1, 0, 1, 0, 1, 0])
    cycle3 = markov.validate_transition_matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert markov.stationary_law(cycle3).periods == (3,)


def test_reducible_chain_has_one_law_per_closed_class() -> None:
    # States 0 and 1 are absorbing; state 2 is transient and leaks into both.
    p = markov.validate_transition_matrix([[1, 0, 0], [0, 1, 0], [0.3, 0.3, 0.4]])
    result = markov.stationary_law(p)
    assert not result.unique
    assert result.closed_classes == ((0,), (1,)) and result.transient == (2,)
    np.testing.assert_allclose(result.laws, [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="several stationary laws"):
        _ = result.law


def test_transient_states_get_zero_mass() -> None:
    p = markov.validate_transition_matrix([[0.5, 0.5, 0], [0.2, 0.8, 0], [0.1, 0.1, 0.8]])
    result = markov.stationary_law(p)
    assert result.unique and result.transient == (2,)
    np.testing.assert_allclose(result.law, [2 / 7, 5 / 7, 0], atol=1e-14)


def test_simulation_is_seeded_and_shaped() -> None:
    a = markov.simulate(SEED_CHAIN, 0, 50, np.random.default_rng(1))
    b = markov.simulate(SEED_CHAIN, np.zeros(1, dtype=int), 50, np.random.default_rng(1))
    c = markov.simulate(SEED_CHAIN, 0, 50, np.random.default_rng(2))
    assert a.shape == (1, 51) and a[0, 0] == 0
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("k", [2, 4])
def test_ensemble_frequencies_track_n_step_laws(k: int) -> None:
    rng = np.random.default_rng(7)
    raw = rng.random((k, k))
    p = markov.validate_transition_matrix(raw / raw.sum(axis=1, keepdims=True))
    n_chains, n_steps = 20_000, 30
    starts = np.zeros(n_chains, dtype=int)  # every chain starts in state 0: p0 = e_0
    paths = markov.simulate(p, starts, n_steps, rng)
    freq = markov.ensemble_frequencies(paths, k)
    laws = markov.n_step_laws(p, np.eye(k)[0], n_steps)
    # Each entry is a binomial proportion: standard error sqrt(p (1 - p) / N).
    se = np.sqrt(laws * (1 - laws) / n_chains) + 1e-12
    assert np.all(np.abs(freq - laws) <= Z * se + 1e-12)


def test_time_average_converges_at_the_markov_clt_rate() -> None:
    # For a 2-state chain, the time average of 1{X = rainy} has asymptotic variance
    # pi (1 - pi) (1 + lam) / (1 - lam) / n, with lam = 1 - a - b the second eigenvalue.
    a, b = 0.2, 0.6
    lam, pi_rainy, n = 1 - a - b, a / (a + b), 100_000
    path = markov.simulate(SEED_CHAIN, 0, n, np.random.default_rng(3))[0]
    freq = markov.time_average_frequencies(path, 2)
    assert freq.shape == (n + 1, 2)
    np.testing.assert_allclose(freq.sum(axis=1), 1.0)
    sd = math.sqrt(pi_rainy * (1 - pi_rainy) * (1 + lam) / (1 - lam) / n)
    assert abs(freq[-1, 1] - pi_rainy) < Z * sd


def test_simulation_with_many_states_matches_the_law() -> None:
    p = markov.validate_transition_matrix([[0.1, 0.2, 0.3, 0.4]] * 4)  # i.i.d. draws
    paths = markov.simulate(p, 0, 1, np.random.default_rng(0).spawn(1)[0])
    assert paths.shape == (1, 2)
    many = markov.simulate(p, np.zeros(40_000, dtype=int), 1, np.random.default_rng(5))
    freq = markov.ensemble_frequencies(many, 4)[1]
    expected = np.array([0.1, 0.2, 0.3, 0.4])
    assert np.all(np.abs(freq - expected) < Z * np.sqrt(expected * (1 - expected) / 40_000))


def test_simulate_rejects_bad_start() -> None:
    with pytest.raises(ValueError, match="Start states"):
        markov.simulate(SEED_CHAIN, 2, 3, np.random.default_rng(0))


def test_gaussian_chain_matches_closed_form() -> None:
    rng = np.random.default_rng(11)
    m, betas = 50_000, np.full(40, 0.05)
    x0 = np.concatenate([np.full(m // 2, 3.0), np.full(m // 2, -1.0)])
    xs = markov.gaussian_chain(x0, betas, rng)
    means, variances = markov.gaussian_chain_moments(x0, betas)
    for t in (1, 10, 40):
        abar = 0.95**t
        np.testing.assert_allclose(variances[t], 1 - abar, rtol=1e-12)
        for start in (3.0, -1.0):
            group = xs[t][x0 == start]
            n = group.size
            assert abs(group.mean() - math.sqrt(abar) * start) < Z * math.sqrt((1 - abar) / n)
            # Sample variance of n normals has standard error sigma^2 sqrt(2 / (n - 1)).
            assert abs(group.var(ddof=1) - (1 - abar)) < Z * (1 - abar) * math.sqrt(2 / (n - 1))
        np.testing.assert_allclose(means[t][x0 == start], math.sqrt(abar) * start)


def test_gaussian_chain_forgets_its_start() -> None:
    betas = np.full(300, 0.05)
    xs = markov.gaussian_chain(np.full(20_000, 5.0), betas, np.random.default_rng(2))
    _, variances = markov.gaussian_chain_moments(np.zeros(1), betas)
    assert variances[-1] > 1 - 1e-6  # 0.95^300 = 2e-7
    assert abs(xs[-1].mean()) < Z / math.sqrt(20_000) + 5 * math.sqrt(0.95**300)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        markov.gaussian_chain(np.zeros(3), np.array([0.5, 1.0]), np.random.default_rng(0))
