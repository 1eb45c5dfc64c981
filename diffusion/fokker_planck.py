"""The density of the particles along x, from a 1-D finite-volume Fokker-Planck solver.

Per frame a particle moves by dx = a(x) + U(-b(x), b(x)) with a the drift and b = D T(x) the noise half-width.
A uniform jump of half-width b has variance b^2 / 3, so in the continuum limit (Ito convention: the noise is set
by the position before the jump) the density n(x, t) obeys

    dn/dt = -d/dx [ a n - d/dx (K n) ] + S(x),    K(x) = b(x)^2 / 6    (since Var = 2 K per frame),

with a zero-flux (reflecting) left wall and, in the driven scenario, an absorbing boundary at the re-injection
line whose outflow is fed back uniformly into the injection strip (the source S). The ink drop has reflecting
walls on both sides and no drift.

The finite-volume scheme conserves mass exactly: upwind advection (a >= 0 here), central differences for
d(K n)/dx, explicit time steps below the stability limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diffusion.particles import ParticleParams


@dataclass(frozen=True)
class FPSolution:
    """Densities along x at requested frames.

    Attributes:
        edges: (M + 1,) cell edges in pixels, spanning the region particles can occupy.
        densities: (len(frames), M) densities (each integrates to 1 over the cells).
        frames: the frames at which densities were recorded.
        outflow: (len(frames),) particles per frame leaving through the absorbing boundary (per particle).
    """

    edges: np.ndarray
    densities: np.ndarray
    frames: np.ndarray
    outflow: np.ndarray


def _initial_density(p: ParticleParams, centres: np.ndarray, h: float) -> np.ndarray:
    if p.scenario == "driven":
        n = (centres < p.width * p.inject_width).astype(np.float64)
    else:
        n = np.exp(-0.5 * ((centres - p.ink_x) / max(p.ink_radius / 2, h)) ** 2)
    return n / (n.sum() * h)


def solve(p: ParticleParams, frames: list[int] | np.ndarray, cells: int = 200, safety: float = 0.4) -> FPSolution:
    """Integrate the Fokker-Planck equation from the particles' initial state to each requested frame.

    Args:
        p: the simulation's parameters (scenario, temperatures, drift, box).
        frames: increasing frame numbers at which to record the density.
        cells: number of finite volumes.
        safety: fraction of the explicit stability limit used as the time step.
    """
    frames = np.asarray(sorted(frames), dtype=np.int64)
    length = p.width * p.reinject_at if p.scenario == "driven" else p.width
    edges = np.linspace(0.0, length, cells + 1)
    h = edges[1] - edges[0]
    centres = (edges[:-1] + edges[1:]) / 2
    a_face = p.drift(edges[1:-1])  # drift at interior faces
    k_cell = (p.diffusion_base * p.temperature(centres)) ** 2 / 6.0
    inject = (centres < p.width * p.inject_width).astype(np.float64)
    inject /= inject.sum() * h
    dt = min(1.0, safety * h * h / (2 * k_cell.max() + h * max(float(np.max(a_face, initial=0.0)), 1e-12)))
    n = _initial_density(p, centres, h)
    out_dens, out_flow, t = [], [], 0.0
    for target in frames:
        while t < target - 1e-9:
            step = min(dt, target - t)
            n, lost = _step(n, a_face, k_cell, inject, h, step, p, centres)
            t += step
        out_dens.append(n.copy())
        out_flow.append(lost / step if frames.size and t > 0 else 0.0)
    return FPSolution(edges, np.array(out_dens), frames, np.array(out_flow))


def _step(n, a_face, k_cell, inject, h, dt, p: ParticleParams, centres) -> tuple[np.ndarray, float]:
    """One explicit finite-volume step; returns the new density and the mass that left (driven only)."""
    kn = k_cell * n
    flux = a_face * n[:-1] - (kn[1:] - kn[:-1]) / h  # interior faces: upwind drift, diffusive flux
    left = np.zeros(1)  # reflecting wall: no flux
    if p.scenario == "driven":
        # Absorbing boundary (n = 0 half a cell beyond the last centre): drift out plus diffusion down to 0.
        right = np.array([p.drift(np.array([centres[-1]]))[0] * n[-1] + kn[-1] / (h / 2)])
    else:
        right = np.zeros(1)
    faces = np.concatenate([left, flux, right])
    n = n - dt / h * (faces[1:] - faces[:-1])
    lost = float(faces[-1] * dt)
    if p.scenario == "driven":
        n = n + lost * inject  # re-injection: the mass that left comes back in the injection strip
    return n, lost
