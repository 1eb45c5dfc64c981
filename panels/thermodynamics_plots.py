"""Figures of the thermodynamics panel: density against the Fokker-Planck solution, entropy and flux."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from diffusion.fokker_planck import FPSolution
from diffusion.particles import ParticleParams, density_profile
from panels.common import draws_labels, plot_text

ZH = {
    "x (pixels)": "x(像素)",
    "density": "密度",
    "Density along x, last frame": "沿 x 的密度(最后一帧)",
    "re-injection strip": "重新注入带",
    "entropy S (nats)": "熵 S(奈特)",
    "time (s)": "时间(秒)",
    "coarse-grained entropy": "粗粒化熵",
    "re-injection flux": "重新注入通量",
    "flux, Fokker-Planck": "通量(Fokker-Planck)",
    "temperature T(x)": "温度 T(x)",
    "particles per frame": "每帧粒子数",
    "particles (N = {n:,})": "粒子(N = {n:,})",
    "Entropy rises towards its maximum as the drop spreads": "墨滴散开,熵升向最大值",
    "The drop is mixed: entropy at its maximum": "墨滴已混匀:熵达到最大值",
    "Entropy rises; the re-injection flux holds it below the maximum": "熵上升;重新注入的通量让它保持在最大值之下",
    "Steady state: entropy stays {gap:.2f} below its maximum, held by the flux": (
        "稳态:在通量维持下,熵比最大值低 {gap:.2f}"
    ),
    "maximum log {cells}": "最大值 log {cells}",
}
_ = plot_text(ZH)


@draws_labels
def density_figure(x: np.ndarray, sol: FPSolution, params: ParticleParams) -> Figure:
    """Histogram of the particles' x at the last frame, the PDE's density over it, and the temperature."""
    fig = Figure(figsize=(6.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    length = sol.edges[-1]
    edges, hist = density_profile(x, length, 38)
    ax.stairs(hist, edges, fill=True, color="#9ecae1", label=_("particles (N = {n:,})").format(n=x.size))
    centres = (sol.edges[:-1] + sol.edges[1:]) / 2
    ax.plot(centres, sol.densities[-1], color="#d62728", lw=1.8, label="Fokker-Planck")
    ax.set(xlabel=_("x (pixels)"), ylabel=_("density"), xlim=(0, params.width), title=_("Density along x, last frame"))
    if params.scenario == "driven":
        ax.axvline(params.width * params.reinject_at, color="#555", ls=":", lw=1)
        ax.axvspan(
            0, params.width * params.inject_width, color="#fdd0a2", alpha=0.3, lw=0, label=_("re-injection strip")
        )
    twin = ax.twinx()
    grid = np.linspace(0, params.width, 200)
    twin.plot(grid, params.temperature(grid), color="#ff7f0e", ls="--", lw=1, label="T(x)")
    twin.set_ylabel(_("temperature T(x)"), color="#ff7f0e")
    twin.set_ylim(0, max(1.05 * float(np.max(params.temperature(grid))), 0.1))
    ax.legend(fontsize=7, loc="upper right")
    return fig


def entropy_title(entropies: np.ndarray, maximum: float, scenario: str) -> str:
    """What the entropy curve shows: rising or flat, and why (the ink drop has no flux; the driven box does)."""
    rise = float(entropies[-1] - entropies[0]) if len(entropies) > 1 else 0.0
    if scenario == "ink":
        return (
            _("Entropy rises towards its maximum as the drop spreads")
            if rise > 0.05
            else _("The drop is mixed: entropy at its maximum")
        )
    if rise > 0.05:
        return _("Entropy rises; the re-injection flux holds it below the maximum")
    gap = maximum - float(entropies[-1])
    return _("Steady state: entropy stays {gap:.2f} below its maximum, held by the flux").format(gap=gap)


@draws_labels
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
    ax.plot(seconds, entropies, color="#2ca02c", lw=1.5, label=_("entropy S (nats)"))
    ax.axhline(
        math.log(cells[0] * cells[1]),
        color="#2ca02c",
        ls="--",
        lw=0.8,
        label=_("maximum log {cells}").format(cells=cells[0] * cells[1]),
    )
    maximum = math.log(cells[0] * cells[1])
    title = entropy_title(np.asarray(entropies), maximum, scenario)
    ax.set(xlabel=_("time (s)"), ylabel=_("coarse-grained entropy"), title=title)
    if np.any(fluxes):
        twin = ax.twinx()
        window = max(1, len(fluxes) // 50)
        smooth = np.convolve(fluxes, np.ones(window) / window, mode="same")
        twin.plot(seconds, smooth, color="#9467bd", lw=1, label=_("re-injection flux"))
        twin.plot(
            sol.frames[1:] / fps, sol.outflow[1:] * n, color="#9467bd", ls=":", lw=1.2, label=_("flux, Fokker-Planck")
        )
        twin.set_ylabel(_("particles per frame"), color="#9467bd")
        # legends below the axes, off the curves
        twin.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.0, -0.18), ncols=2, frameon=False)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.18), ncols=2, frameon=False)
    return fig
