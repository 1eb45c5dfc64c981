"""Figures and HTML for the Markov panel (matplotlib object API: handlers run in threads).

Plot labels stay in English and mathematical notation: the Space has no CJK font, and the
bilingual explanations live in the panel's Markdown.
"""

from __future__ import annotations

import html
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

STATE_NAMES = ("Sunny", "Rainy", "Cloudy", "Snowy")
STATE_ICONS = ("☀️", "🌧️", "☁️", "❄️")
STATE_COLORS = ("#f5b700", "#2f6fdf", "#8a8f98", "#5fc4d9")


def path_strip_html(path: np.ndarray, total_steps: int, max_cells: int = 60) -> str:
    """A row of coloured day cells with weather icons for the first ``max_cells`` states of a path."""
    cells = []
    for day, s in enumerate(path[:max_cells]):
        cells.append(
            f'<div title="day {day}: {STATE_NAMES[s]}" style="background:{STATE_COLORS[s]};'
            "width:2.1em;height:2.6em;border-radius:4px;display:flex;flex-direction:column;"
            'align-items:center;justify-content:center;font-size:0.9em;color:#111">'
            f"<span>{STATE_ICONS[s]}</span><span style='font-size:0.65em'>{day}</span></div>"
        )
    shown = min(max_cells, path.size)
    note = f"days 0–{shown - 1} of {total_steps + 1} (chain 1)"
    return (
        '<div class="markov-path" style="display:flex;flex-wrap:wrap;gap:3px">'
        + "".join(cells)
        + f'</div><div style="font-size:0.8em;opacity:0.7;margin-top:4px">{html.escape(note)}</div>'
    )


def _node_positions(k: int) -> np.ndarray:
    """(k, 2) node centres on a circle; two states sit side by side."""
    angles = np.pi - 2 * np.pi * np.arange(k) / k + (np.pi / 4 if k == 4 else 0.0)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1) * (1.0 if k > 2 else 0.9)


def transition_diagram(matrix: np.ndarray) -> Figure:
    """Draw states as circles and every non-zero transition as a labelled arrow."""
    k = matrix.shape[0]
    pos = _node_positions(k)
    fig = Figure(figsize=(4.6, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.7, 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
    for i in range(k):
        for j in range(k):
            if matrix[i, j] > 0:
                _draw_edge(ax, pos, i, j, matrix[i, j])
    for i in range(k):
        ax.add_patch(_circle(pos[i], STATE_COLORS[i]))
        ax.text(*pos[i], STATE_NAMES[i], ha="center", va="center", fontsize=9, weight="bold", zorder=5)
    ax.set_title("Transition diagram (arrow width ∝ probability)", fontsize=9)
    return fig


def _circle(centre: np.ndarray, color: str) -> Circle:
    return Circle(tuple(centre), 0.32, facecolor=color, edgecolor="#222", lw=1.2, zorder=4, alpha=0.9)


def _draw_edge(ax, pos: np.ndarray, i: int, j: int, p: float) -> None:
    """One arrow i -> j; self-loops go outward from the diagram's centre."""
    width = 0.6 + 3.0 * p
    if i == j:
        out = pos[i] / (np.linalg.norm(pos[i]) or 1.0)
        a, b = (
            pos[i] + 0.3 * out + 0.22 * np.array([-out[1], out[0]]),
            pos[i] + 0.3 * out - 0.22 * np.array([-out[1], out[0]]),
        )
        arrow = FancyArrowPatch(
            tuple(a),
            tuple(b),
            connectionstyle="arc3,rad=-1.6",
            arrowstyle="-|>",
            mutation_scale=12,
            lw=width,
            color="#333",
            zorder=3,
        )
        label = pos[i] + 0.78 * out
    else:
        arrow = FancyArrowPatch(
            tuple(pos[i]),
            tuple(pos[j]),
            connectionstyle="arc3,rad=0.25",
            arrowstyle="-|>",
            mutation_scale=12,
            lw=width,
            color="#333",
            shrinkA=22,
            shrinkB=22,
            zorder=3,
        )
        mid, d = (pos[i] + pos[j]) / 2, pos[j] - pos[i]
        normal = np.array([d[1], -d[0]]) / (np.linalg.norm(d) or 1.0)
        label = mid + 0.2 * normal
    ax.add_patch(arrow)
    ax.text(
        *label,
        f"{p:.2f}",
        ha="center",
        va="center",
        fontsize=8,
        zorder=6,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )


def convergence_figure(
    time_avg: np.ndarray, ensemble: np.ndarray, laws: np.ndarray, pi: np.ndarray | None, n_chains: int
) -> Figure:
    """Left: one chain's running time-average frequencies. Right: fraction of all chains per state vs p0 P^n.

    Args:
        time_avg: (n + 1, k) running frequencies of chain 1.
        ensemble: (n + 1, k) fraction of chains in each state at each step.
        laws: (n + 1, k) exact laws p0 P^n for the chains' start.
        pi: (k,) stationary law when unique, else None.
        n_chains: number of simulated chains (for the ±2 standard-error band).
    """
    k = time_avg.shape[1]
    days, steps = np.arange(1, time_avg.shape[0] + 1), np.arange(laws.shape[0])
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for s in range(k):
        c = STATE_COLORS[s]
        ax1.plot(days, time_avg[:, s], color=c, lw=1.5, label=STATE_NAMES[s])
        ax2.plot(steps, ensemble[:, s], "o", ms=2.5, color=c, alpha=0.7)
        ax2.plot(steps, laws[:, s], "-", color=c, lw=1.2, label=f"{STATE_NAMES[s]}: p0 Pⁿ")
        band = 2 * np.sqrt(laws[:, s] * (1 - laws[:, s]) / n_chains)
        ax2.fill_between(steps, laws[:, s] - band, laws[:, s] + band, color=c, alpha=0.15, lw=0)
        if pi is not None:
            for ax in (ax1, ax2):
                ax.axhline(pi[s], color=c, ls="--", lw=0.8)
    ax1.set_xscale("log")
    ax1.set(
        xlabel="days n (log scale)",
        ylabel="fraction of days so far",
        ylim=(-0.02, 1.02),
        title="One chain: time averages → π (dashed)",
    )
    ax2.set(
        xlabel="step n",
        ylabel="fraction of chains",
        ylim=(-0.02, 1.02),
        title=f"{n_chains:,} chains (dots) vs p0 Pⁿ (±2 s.e.)",
    )
    ax1.legend(fontsize=7, loc="best")
    ax2.legend(fontsize=7, loc="best")
    return fig


def n_step_figure(laws_by_start: np.ndarray) -> Figure:
    """p0 P^n from every start state, as stacked areas: one small panel per start.

    Args:
        laws_by_start: (k, n + 1, k) array; [i, n] is the law after n steps from state i.
    """
    k, horizon = laws_by_start.shape[0], laws_by_start.shape[1]
    fig = Figure(figsize=(2.6 * k + 0.6, 2.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, k, sharey=True))
    steps = np.arange(horizon)
    for i, ax in enumerate(axes):
        ax.stackplot(steps, laws_by_start[i].T, colors=STATE_COLORS[:k], alpha=0.85, step="mid")
        ax.set(title=f"start: {STATE_NAMES[i]}", xlabel="step n", xlim=(0, horizon - 1), ylim=(0, 1))
    axes[0].set_ylabel("law after n steps")
    fig.legend(STATE_NAMES[:k], loc="outside right center", fontsize=7)
    return fig


def gaussian_chain_figure(
    xs: np.ndarray, snapshot_steps: list[int], betas: np.ndarray, means: np.ndarray, variances: np.ndarray
) -> Figure:
    """Histograms of x_t at a few steps against N(0, 1), and the moments against the closed form.

    Args:
        xs: (n + 1, m) simulated chains.
        snapshot_steps: steps at which to draw histograms.
        betas: (n,) noise levels (for the title).
        means, variances: (n + 1,) closed-form mean and variance of the whole population.
    """
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    grid = np.linspace(-5, 5, 400)
    ax1.plot(grid, np.exp(-(grid**2) / 2) / math.sqrt(2 * math.pi), "k--", lw=1.2, label="N(0, 1)")
    palette = ["#d62728", "#ff7f0e", "#bcbd22", "#2ca02c", "#1f77b4", "#9467bd"]
    for color, t in zip(palette, snapshot_steps, strict=False):
        ax1.hist(xs[t], bins=80, range=(-5, 5), density=True, histtype="step", lw=1.3, color=color, label=f"t = {t}")
    # The t = 0 histogram can be a spike (all starts equal); clip it so the others stay readable.
    ax1.set(xlabel="x", ylabel="density", xlim=(-5, 5), ylim=(0, 1.0), title="Law of x_t slides to N(0, 1)")
    ax1.legend(fontsize=7)
    t = np.arange(xs.shape[0])
    ax2.plot(t, xs.mean(axis=1), color="#1f77b4", lw=1.5, label="simulated mean")
    ax2.plot(t, means, "k--", lw=1, label="closed-form mean")
    ax2.plot(t, xs.var(axis=1), color="#d62728", lw=1.5, label="simulated variance")
    ax2.plot(t, variances, "k:", lw=1, label="closed-form variance")
    ax2.axhline(0, color="#999", lw=0.5)
    ax2.axhline(1, color="#999", lw=0.5)
    ax2.set(xlabel="step t", title=f"Moments (β from {betas.min():.3g} to {betas.max():.3g})")
    ax2.legend(fontsize=7)
    return fig
