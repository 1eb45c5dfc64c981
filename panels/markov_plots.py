"""Figures and HTML for the Markov panel (matplotlib object API: handlers run in threads).

Text is in the reader's language (``_``: Chinese where a CJK font is installed, else English).
"""

from __future__ import annotations

import html
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from panels.common import draws_labels, plot_text

ZH = {
    "Sunny": "晴",
    "Rainy": "雨",
    "Cloudy": "阴",
    "Snowy": "雪",
    "day {day}: {state}": "第 {day} 天:{state}",
    "days 0–{last} of {total} (chain 1)": "第 0–{last} 天,共 {total} 天(第 1 条链)",
    "Transition diagram (arrow width ∝ probability)": "转移图(箭头宽度 ∝ 概率)",
    "days n (log scale)": "天数 n(对数刻度)",
    "fraction of days so far": "迄今各状态的天数比例",
    "One chain: time averages → π (dashed)": "一条链:时间平均 → π(虚线)",
    "step n": "步数 n",
    "fraction of chains": "链的比例",
    "{n:,} chains (dots) vs p0 Pⁿ (±2 s.e.)": "{n:,} 条链(点)对比 p0 Pⁿ(±2 标准误)",
    "start: {state}": "起点:{state}",
    "law after n steps": "n 步后的分布",
    "density": "密度",
    "Law of x_t slides to N(0, 1)": "x_t 的分布滑向 N(0, 1)",
    "simulated mean": "模拟均值",
    "closed-form mean": "闭式均值",
    "simulated variance": "模拟方差",
    "closed-form variance": "闭式方差",
    "step t": "步数 t",
    "Moments (β from {lo:.3g} to {hi:.3g})": "矩(β 从 {lo:.3g} 到 {hi:.3g})",
}
_ = plot_text(ZH)


def state_name(i: int) -> str:
    """State ``i``'s name in the reader's language (the API and the table keep the English names)."""
    return _(STATE_NAMES[i])


STATE_NAMES = ("Sunny", "Rainy", "Cloudy", "Snowy")
STATE_ICONS = ("☀️", "🌧️", "☁️", "❄️")
STATE_COLORS = ("#f5b700", "#2f6fdf", "#8a8f98", "#5fc4d9")


def path_strip_html(path: np.ndarray, total_steps: int, max_cells: int = 60) -> str:
    """A row of coloured day cells with weather icons for the first ``max_cells`` states of a path."""
    cells = []
    for day, s in enumerate(path[:max_cells]):
        cells.append(
            f'<div title="{html.escape(_("day {day}: {state}").format(day=day, state=state_name(s)))}" '
            f'style="background:{STATE_COLORS[s]};'
            "width:2.1em;height:2.6em;border-radius:4px;display:flex;flex-direction:column;"
            'align-items:center;justify-content:center;font-size:0.9em;color:#111">'
            f"<span>{STATE_ICONS[s]}</span><span style='font-size:0.65em'>{day}</span></div>"
        )
    shown = min(max_cells, path.size)
    note = _("days 0–{last} of {total} (chain 1)").format(last=shown - 1, total=total_steps + 1)
    return (
        '<div class="markov-path" style="display:flex;flex-wrap:wrap;gap:3px">'
        + "".join(cells)
        + f'</div><div style="font-size:0.8em;opacity:0.7;margin-top:4px">{html.escape(note)}</div>'
    )


def _node_positions(k: int) -> np.ndarray:
    """(k, 2) node centres on a circle; two states sit side by side."""
    angles = np.pi - 2 * np.pi * np.arange(k) / k + (np.pi / 4 if k == 4 else 0.0)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1) * (1.0 if k > 2 else 0.9)


@draws_labels
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
        ax.text(*pos[i], state_name(i), ha="center", va="center", fontsize=9, weight="bold", zorder=5)
    ax.set_title(_("Transition diagram (arrow width ∝ probability)"), fontsize=9)
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


@draws_labels
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
        ax1.plot(days, time_avg[:, s], color=c, lw=1.5, label=state_name(s))
        ax2.plot(steps, ensemble[:, s], "o", ms=2.5, color=c, alpha=0.7)
        ax2.plot(steps, laws[:, s], "-", color=c, lw=1.2, label=f"{state_name(s)}: p0 Pⁿ")
        band = 2 * np.sqrt(laws[:, s] * (1 - laws[:, s]) / n_chains)
        ax2.fill_between(steps, laws[:, s] - band, laws[:, s] + band, color=c, alpha=0.15, lw=0)
        if pi is not None:
            for ax in (ax1, ax2):
                ax.axhline(pi[s], color=c, ls="--", lw=0.8)
    ax1.set_xscale("log")
    ax1.set(
        xlabel=_("days n (log scale)"),
        ylabel=_("fraction of days so far"),
        ylim=(-0.02, 1.02),
        title=_("One chain: time averages → π (dashed)"),
    )
    ax2.set(
        xlabel=_("step n"),
        ylabel=_("fraction of chains"),
        ylim=(-0.02, 1.02),
        title=_("{n:,} chains (dots) vs p0 Pⁿ (±2 s.e.)").format(n=n_chains),
    )
    ax1.legend(fontsize=7, loc="best")
    ax2.legend(fontsize=7, loc="best")
    return fig


@draws_labels
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
        ax.set(
            title=_("start: {state}").format(state=state_name(i)),
            xlabel=_("step n"),
            xlim=(0, horizon - 1),
            ylim=(0, 1),
        )
    axes[0].set_ylabel(_("law after n steps"))
    fig.legend([state_name(i) for i in range(k)], loc="outside right center", fontsize=7)
    return fig


@draws_labels
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
    ax1.set(xlabel="x", ylabel=_("density"), xlim=(-5, 5), ylim=(0, 1.0), title=_("Law of x_t slides to N(0, 1)"))
    ax1.legend(fontsize=7)
    t = np.arange(xs.shape[0])
    ax2.plot(t, xs.mean(axis=1), color="#1f77b4", lw=1.5, label=_("simulated mean"))
    ax2.plot(t, means, "k--", lw=1, label=_("closed-form mean"))
    ax2.plot(t, xs.var(axis=1), color="#d62728", lw=1.5, label=_("simulated variance"))
    ax2.plot(t, variances, "k:", lw=1, label=_("closed-form variance"))
    ax2.axhline(0, color="#999", lw=0.5)
    ax2.axhline(1, color="#999", lw=0.5)
    ax2.set(xlabel=_("step t"), title=_("Moments (β from {lo:.3g} to {hi:.3g})").format(lo=betas.min(), hi=betas.max()))
    ax2.legend(fontsize=7)
    return fig
