"""Figures of the thermodynamics panel: density against the Fokker-Planck solution, entropy and flux."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from diffusion.fokker_planck import FPSolution
from diffusion.particles import ParticleParams, density_profile


def density_figure(x: np.ndarray, sol: FPSolution, params: ParticleParams) -> Figure:
    """Histogram of the particles' x at the last frame, the PDE's density over it, and the temperature."""
    fig = Figure(figsize=(6.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    length = sol.edges[-1]
    edges, hist = density_profile(x, length, 38)
    ax.stairs(hist, edges, fill=True, color="#9ecae1", label=f"particles (N = {x.size:,})")
    centres = (sol.edges[:-1] + sol.edges[1:]) / 2
    ax.plot(centres, sol.densities[-1], color="#d62728", lw=1.8, label="Fokker-Planck")
    ax.set(xlabel="x (pixels)", ylabel="density", xlim=(0, params.width), title="Density along x, last frame")
    if params.scenario == "driven":
        ax.axvline(params.width * params.reinject_at, color="#555", ls=":", lw=1)
        ax.axvspan(0, params.width * params.inject_width, color="#fdd0a2", alpha=0.3, lw=0, label="re-injection strip")
    twin = ax.twinx()
    grid = np.linspace(0, params.width, 200)
    twin.plot(grid, params.temperature(grid), color="#ff7f0e", ls="--", lw=1, label="T(x)")
    twin.set_ylabel("temperature T(x)", color="#ff7f0e")
    twin.set_ylim(0, max(1.05 * float(np.max(params.temperature(grid))), 0.1))
    ax.legend(fontsize=7, loc="upper right")
    return fig


def entropy_title(entropies: np.ndarray, maximum: float, scenario: str) -> str:
    """What the entropy curve shows: rising or flat, and why (the ink drop has no flux; the driven box does)."""
    rise = float(entropies[-1] - entropies[0]) if len(entropies) > 1 else 0.0
    if scenario == "ink":
        return (
            "Entropy rises towards its maximum as the drop spreads"
            if rise > 0.05
            else "The drop is mixed: entropy at its maximum"
        )
    if rise > 0.05:
        return "Entropy rises; the re-injection flux holds it below the maximum"
    return f"Steady state: entropy stays {maximum - float(entropies[-1]):.2f} below its maximum, held by the flux"


def entropy_figure(
    entropies,
    fluxes,
    sol: FPSolution,
    n: int,
    cells: tuple[int, int],
    fps: int,
    start: int = 0,
    scenario: str = "driven",
) -> Figure:
    """Coarse-grained entropy per frame against its maximum; re-injection flux per frame against the PDE.

    ``start`` is the number of frames simulated before filming: times are shown from the simulation's start.
    """
    fig = Figure(figsize=(6.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    seconds = (start + np.arange(1, len(entropies) + 1)) / fps
    ax.plot(seconds, entropies, color="#2ca02c", lw=1.5, label="entropy S (nats)")
    ax.axhline(
        math.log(cells[0] * cells[1]), color="#2ca02c", ls="--", lw=0.8, label=f"maximum log {cells[0] * cells[1]}"
    )
    maximum = math.log(cells[0] * cells[1])
    title = entropy_title(np.asarray(entropies), maximum, scenario)
    ax.set(xlabel="time (s)", ylabel="coarse-grained entropy", title=title)
    if np.any(fluxes):
        twin = ax.twinx()
        window = max(1, len(fluxes) // 50)
        smooth = np.convolve(fluxes, np.ones(window) / window, mode="same")
        twin.plot(seconds, smooth, color="#9467bd", lw=1, label="re-injection flux")
        twin.plot(
            sol.frames[1:] / fps, sol.outflow[1:] * n, color="#9467bd", ls=":", lw=1.2, label="flux, Fokker-Planck"
        )
        twin.set_ylabel("particles per frame", color="#9467bd")
        # legends below the axes, off the curves
        twin.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.0, -0.18), ncols=2, frameon=False)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.18), ncols=2, frameon=False)
    return fig
