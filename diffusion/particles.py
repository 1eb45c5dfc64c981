"""The source post's particle simulation, vectorised over numpy arrays, and what to measure in it.

Two scenarios:
- ``driven`` (the post's): a box whose temperature falls linearly from the hot left wall to the cold right
  one. Each frame a particle moves by a thermophoretic drift c (1 + sin(x / 50)) to the right plus uniform noise
  of half-width D T(x) (half that in y, plus N(0, 0.5)); it is re-injected in the left 20% of the box when it
  passes 95% of the width. The current of re-injected particles keeps the system out of equilibrium.
- ``ink``: an ink drop: every particle starts in one spot, the temperature is uniform, there is no drift and
  the walls reflect; the drop spreads until it fills the box (equilibrium, maximal entropy).

Positions are in pixels of the post's 800 x 600 window, one step per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diffusion import limits

SCENARIOS = ("driven", "ink")


@dataclass(frozen=True)
class ParticleParams:
    """Every parameter of the post, adjustable (defaults are the post's values)."""

    width: float = 800.0
    height: float = 600.0
    left_temp: float = 1.0  # LEFT_TEMP
    right_temp: float = 0.2  # RIGHT_TEMP
    drift_coeff: float = 0.8  # DRIFT_COEFF: drift = c (1 + sin(x / drift_wavelength))
    drift_wavelength: float = 50.0
    diffusion_base: float = 10.0  # DIFFUSION_BASE: noise half-width D T(x)
    y_noise_scale: float = 0.5  # the y noise is half the x noise ...
    y_gauss_sigma: float = 0.5  # ... plus N(0, 0.5)
    reinject_at: float = 0.95  # re-inject past this fraction of the width
    inject_width: float = 0.2  # into x ~ U(0, 0.2 W)
    scenario: str = "driven"
    ink_temp: float = 1.0  # the ink drop's uniform temperature
    ink_x: float = 400.0  # where the drop is released
    ink_y: float = 300.0
    ink_radius: float = 5.0

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(f"Unknown scenario {self.scenario!r}: use driven or ink.")
        if not (self.width >= 10 and self.height >= 10):
            raise ValueError("The box must be at least 10 x 10 pixels.")
        if not 0 < self.reinject_at <= 1 or not 0 < self.inject_width < self.reinject_at:
            raise ValueError("Need 0 < inject_width < reinject_at <= 1.")
        temps = ((limits.TEMPERATURE.named(n), n.lower()) for n in ("LEFT_TEMP", "RIGHT_TEMP"))
        for limit, name in (*temps, (limits.DRIFT, "drift_coeff"), (limits.DIFFUSION_BASE, "diffusion_base")):
            object.__setattr__(self, name, limit.check(getattr(self, name)))
        object.__setattr__(self, "ink_temp", limits.TEMPERATURE.check(self.ink_temp))

    def temperature(self, x: np.ndarray) -> np.ndarray:
        """T(x): linear from left_temp at x = 0 to right_temp at x = width (uniform ink_temp for the ink drop)."""
        if self.scenario == "ink":
            return np.full_like(np.asarray(x, dtype=np.float64), self.ink_temp)
        return self.left_temp - (self.left_temp - self.right_temp) * (np.asarray(x) / self.width)

    def drift(self, x: np.ndarray) -> np.ndarray:
        """Thermophoretic drift per frame, to the right (zero for the ink drop)."""
        if self.scenario == "ink":
            return np.zeros_like(np.asarray(x, dtype=np.float64))
        return self.drift_coeff * (1.0 + np.sin(np.asarray(x) / self.drift_wavelength))


class ParticleSystem:
    """N particles with trails; ``step()`` advances one frame.

    Attributes:
        pos: (N, 2) float64 positions (x, y).
        trail: (trail_len, N, 2) float32 ring buffer of past positions, oldest first after ``trails()``.
        reinjected: number of particles re-injected at the last step (the flux).
    """

    def __init__(self, params: ParticleParams, n: int, rng: np.random.Generator, trail_len: int = 5) -> None:
        self.p, self.n, self.rng = params, n, rng
        if params.scenario == "driven":  # the post starts every particle where it re-injects them
            self.pos = np.stack(
                [rng.uniform(0, params.width * params.inject_width, n), rng.uniform(0, params.height, n)], 1
            )
        else:
            angle, r = rng.uniform(0, 2 * np.pi, n), params.ink_radius * np.sqrt(rng.uniform(0, 1, n))
            self.pos = np.stack([params.ink_x + r * np.cos(angle), params.ink_y + r * np.sin(angle)], 1)
        self.trail = np.repeat(self.pos[None].astype(np.float32), trail_len, axis=0)
        self._head = 0
        self.reinjected = 0
        self.frame = 0

    def step(self) -> None:
        """One frame of the post's update rule (vectorised), then walls, then the trail."""
        p, x, y = self.p, self.pos[:, 0], self.pos[:, 1]
        half = p.diffusion_base * p.temperature(x)
        x_new = x + p.drift(x) + self.rng.uniform(-1.0, 1.0, self.n) * half
        y_new = (
            y
            + self.rng.uniform(-1.0, 1.0, self.n) * half * p.y_noise_scale
            + self.rng.normal(0, p.y_gauss_sigma, self.n)
        )
        if p.scenario == "driven":
            out = x_new > p.width * p.reinject_at
            k = int(out.sum())
            x_new[out] = self.rng.uniform(0, p.width * p.inject_width, k)
            y_new[out] = self.rng.uniform(0, p.height, k)
            self.reinjected = k
            np.clip(x_new, 0, p.width, out=x_new)  # the post clamps to the box
            np.clip(y_new, 0, p.height, out=y_new)
            if k:  # a re-injected particle starts a fresh trail, as in the post's reset()
                self.trail[:, out] = np.stack([x_new[out], y_new[out]], 1).astype(np.float32)
        else:
            x_new, y_new = reflect(x_new, p.width), reflect(y_new, p.height)
        self.pos = np.stack([x_new, y_new], 1)
        self._head = (self._head + 1) % self.trail.shape[0]
        self.trail[self._head - 1] = self.pos  # the newest slot is the one just before the new head
        self.frame += 1

    def trails(self) -> np.ndarray:
        """(trail_len, N, 2) past positions, oldest first, the current position last."""
        return np.roll(self.trail, -self._head, axis=0)


def reflect(v: np.ndarray, upper: float) -> np.ndarray:
    """Fold values into [0, upper] by mirror reflection at both walls (any overshoot)."""
    period = 2.0 * upper
    v = np.mod(v, period)
    return np.where(v > upper, period - v, v)


def density_profile(x: np.ndarray, width: float, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised histogram of x over [0, width]: (bin edges (bins + 1,), density (bins,) integrating to 1)."""
    density, edges = np.histogram(x, bins=bins, range=(0.0, width), density=True)
    return edges, density


def coarse_entropy(pos: np.ndarray, width: float, height: float, cells: tuple[int, int] = (40, 30)) -> float:
    """Shannon entropy (nats) of the fraction of particles in each of cells[0] x cells[1] boxes.

    Its maximum, log(cells[0] * cells[1]), is reached when the particles fill the box evenly.
    """
    counts, _, _ = np.histogram2d(pos[:, 0], pos[:, 1], bins=cells, range=((0, width), (0, height)))
    prob = counts.ravel() / counts.sum()
    prob = prob[prob > 0]
    return float(-(prob * np.log(prob)).sum())
