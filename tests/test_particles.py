"""Particle physics, the Fokker-Planck solver and the pygame renderer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from diffusion import fokker_planck
from diffusion.particles import ParticleParams, ParticleSystem, coarse_entropy, density_profile, reflect

Z = 5.0


def quiet(**kwargs) -> ParticleParams:
    """The post's box without any noise, to see the deterministic part."""
    return ParticleParams(diffusion_base=0.0, y_gauss_sigma=0.0, **kwargs)


def test_drift_direction_and_magnitude() -> None:
    system = ParticleSystem(quiet(), 5, np.random.default_rng(0))
    x = np.array([0.0, 100.0, 235.6, 300.0, 700.0])
    system.pos = np.stack([x, np.full(5, 300.0)], 1)
    system.step()
    expected = 0.8 * (1 + np.sin(x / 50))
    np.testing.assert_allclose(system.pos[:, 0] - x, expected, atol=1e-12)
    assert np.all(expected >= 0) and expected[2] < 1e-3  # rightward, vanishing where sin(x/50) = -1


def test_reinjection_rule() -> None:
    p = quiet()
    system = ParticleSystem(p, 4, np.random.default_rng(1))
    system.pos = np.array([[759.5, 10.0], [761.0, 20.0], [799.0, 30.0], [100.0, 40.0]])
    system.step()
    # 759.5 + 0.8 (1 + sin(15.19)) = 760.85 > 760: all but the last cross 95% of the width.
    assert system.reinjected == 3
    assert np.all(system.pos[:3, 0] <= 0.2 * 800) and system.pos[3, 0] > 100
    trails = system.trails()
    np.testing.assert_array_equal(trails[:, 0], np.repeat(system.pos[None, 0].astype(np.float32), 5, 0))


def test_walls() -> None:
    np.testing.assert_allclose(reflect(np.array([-3.0, 5.0, 12.0, 25.0]), 10.0), [3.0, 5.0, 8.0, 5.0])
    p = ParticleParams(scenario="ink", ink_x=2.0, ink_y=2.0, ink_radius=1.0, width=50, height=40)
    system = ParticleSystem(p, 2000, np.random.default_rng(2))
    for _ in range(50):
        system.step()
        assert np.all((system.pos >= 0) & (system.pos <= [[50, 40]]))
    driven = ParticleSystem(ParticleParams(), 2000, np.random.default_rng(3))
    for _ in range(50):
        driven.step()
        assert np.all((driven.pos >= 0) & (driven.pos <= [[800, 600]]))  # the post clamps


def test_free_diffusion_variance_is_a_squared_over_three_per_step() -> None:
    a, steps, n = 10.0, 10, 200_000
    p = ParticleParams(scenario="ink", width=1e6, height=1e6, ink_x=5e5, ink_y=5e5, ink_radius=0.0, ink_temp=1.0)
    system = ParticleSystem(p, n, np.random.default_rng(4))
    for _ in range(steps):
        system.step()
    var_x = steps * a**2 / 3
    var_y = steps * ((a * 0.5) ** 2 / 3 + 0.5**2)
    for got, want in ((system.pos[:, 0].var(), var_x), (system.pos[:, 1].var(), var_y)):
        # Sample variance: standard error ~ sigma^2 sqrt(2 / n) for a near-Gaussian sum of 10 uniforms.
        assert abs(got - want) < Z * want * math.sqrt(2 / n)


def test_same_seed_same_state() -> None:
    runs = []
    for seed in (7, 7, 8):
        system = ParticleSystem(ParticleParams(), 500, np.random.default_rng(seed))
        for _ in range(20):
            system.step()
        runs.append(system.trails())
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])


def total_variation(p: ParticleParams, x: np.ndarray, frame: int, bins: int) -> float:
    """TV distance between the particles' x histogram and the Fokker-Planck density, on `bins` bins."""
    sol = fokker_planck.solve(p, [frame], cells=bins * 5)
    length = sol.edges[-1]
    edges, hist = density_profile(x, length, bins)
    fp = sol.densities[0].reshape(bins, 5).mean(axis=1)
    return 0.5 * float(np.abs(hist - fp).sum() * (edges[1] - edges[0]))


def test_histogram_agrees_with_fokker_planck_driven_steady_state() -> None:
    """Metric: total variation between histogram and PDE on 38 bins of 20 px.

    With N = 20,000 particles, sampling noise alone gives TV ~ sqrt(bins / (2 pi N)) = 0.017; the diffusion
    approximation of 10-px jumps adds ~0.01 (measured 0.017 in total at N = 50,000). A wrong drift sign, a
    missing re-injection or a wrong diffusion coefficient gives TV > 0.2.
    """
    p = ParticleParams()
    system = ParticleSystem(p, 20_000, np.random.default_rng(5))
    for _ in range(1500):
        system.step()
    assert total_variation(p, system.pos[:, 0], 1500, 38) < 0.04


def test_histogram_agrees_with_fokker_planck_ink_drop() -> None:
    p = ParticleParams(scenario="ink", width=400, height=300, ink_x=100, ink_y=150)
    system = ParticleSystem(p, 20_000, np.random.default_rng(6))
    for _ in range(300):
        system.step()
    assert total_variation(p, system.pos[:, 0], 300, 40) < 0.04


def test_ink_drop_entropy_rises_to_its_maximum() -> None:
    p = ParticleParams(scenario="ink", width=200, height=150, ink_x=100, ink_y=75)
    system = ParticleSystem(p, 20_000, np.random.default_rng(7))
    entropies = [coarse_entropy(system.pos, 200, 150)]
    for frame in range(2000):
        system.step()
        if frame % 100 == 99:
            entropies.append(coarse_entropy(system.pos, 200, 150))
    assert entropies[0] < 0.3 * math.log(1200)
    assert entropies[-1] > 0.97 * math.log(1200)  # 40 x 30 cells, evenly filled
    assert entropies[5] > entropies[1] > entropies[0]


def test_fokker_planck_conserves_mass() -> None:
    for p in (ParticleParams(), ParticleParams(scenario="ink")):
        sol = fokker_planck.solve(p, [0, 10, 500], cells=100)
        h = sol.edges[1] - sol.edges[0]
        np.testing.assert_allclose(sol.densities.sum(axis=1) * h, 1.0, atol=1e-9)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="Unknown scenario"):
        ParticleParams(scenario="boiling")
    with pytest.raises(ValueError, match="inject_width < reinject_at"):
        ParticleParams(inject_width=0.99)
