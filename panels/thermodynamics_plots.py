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


def entropy_figure(
    entropies, fluxes, sol: FPSolution, n: int, cells: tuple[int, int], fps: int, start: int = 0
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
    ax.set(xlabel="time (s)", ylabel="coarse-grained entropy", title="Entropy rises; the flux keeps it driven")
    if np.any(fluxes):
        twin = ax.twinx()
        window = max(1, len(fluxes) // 50)
        smooth = np.convolve(fluxes, np.ones(window) / window, mode="same")
        twin.plot(seconds, smooth, color="#9467bd", lw=1, label="re-injection flux")
        twin.plot(
            sol.frames[1:] / fps, sol.outflow[1:] * n, color="#9467bd", ls=":", lw=1.2, label="flux, Fokker-Planck"
        )
        twin.set_ylabel("particles per frame", color="#9467bd")
        twin.legend(fontsize=7, loc="lower right")
    ax.legend(fontsize=7, loc="center right")
    return fig
