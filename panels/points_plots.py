"""Plots of the point-cloud panel: forward statistics against theory, training, score fields, sampler paths."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from diffusion import toy2d
from panels.common import draws_labels, plot_text
from panels.training_plots import smooth

ZH = {
    "mean": "均值",
    "Mean → 0": "均值 → 0",
    "variance": "方差",
    "Variance → 1 (equilibrium N(0, I))": "方差 → 1(平衡态 N(0, I))",
    "step": "步数",
    "Loss": "损失",
    "data": "数据",
    "samples": "样本",
    "pure noise": "纯噪声",
    "a fresh sample of the data": "数据的一份新样本",
    "sampling steps": "采样步数",
    "sliced Wasserstein to the data": "到数据的切片 Wasserstein 距离",
    "Fewer steps, worse samples": "步数越少,样本越差",
    "closed form ({name})": "闭式解({name})",
    "particles ({name})": "粒子({name})",
    "MSE on {target}": "{target} 上的 MSE",
    "Samples ({run})": "样本({run})",
}
_ = plot_text(ZH)

LIM = 3.0


def _cloud_axes(ax, title: str) -> None:
    ax.set(xlim=(-LIM, LIM), ylim=(-LIM, LIM), title=title, aspect="equal", xticks=[], yticks=[])


@draws_labels
def forward_stats_figure(ts: list[int], clouds: list[np.ndarray], config: toy2d.ToyConfig) -> Figure:
    """Mean and variance of the simulated cloud along t, against the closed form
    E[x_t] = sqrt(abar_t) E[x_0], Var[x_t] = abar_t Var[x_0] + 1 - abar_t (per axis)."""
    abar = toy2d.noise_levels(config)  # index t = steps taken
    x0 = clouds[0]
    ts_all = np.arange(config.T + 1)
    fig = Figure(figsize=(7.5, 3), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    for axis, color, name in ((0, "#d62728", "x"), (1, "#1f77b4", "y")):
        ax.plot(
            ts_all,
            np.sqrt(abar) * x0[:, axis].mean(),
            color=color,
            lw=1,
            label=_("closed form ({name})").format(name=name),
        )
        ax.plot(
            ts,
            [c[:, axis].mean() for c in clouds],
            "o",
            ms=3,
            color=color,
            label=_("particles ({name})").format(name=name),
        )
        bx.plot(ts_all, abar * x0[:, axis].var() + 1 - abar, color=color, lw=1)
        bx.plot(ts, [c[:, axis].var() for c in clouds], "o", ms=3, color=color)
    bx.axhline(1, color="#777", ls=":", lw=1)
    ax.set(xlabel="t", ylabel=_("mean"), title=_("Mean → 0"))
    bx.set(xlabel="t", ylabel=_("variance"), title=_("Variance → 1 (equilibrium N(0, I))"))
    ax.legend(fontsize=6)
    for a in (ax, bx):
        a.grid(alpha=0.3)
    return fig


@draws_labels
def training_figure(
    losses: list[float], samples: np.ndarray | None, data: np.ndarray, total: int, objective: str = "denoise"
) -> Figure:
    """Loss per step, and the current samples (DDIM-50, or Heun-10 for a flow model) over the data."""
    fig = Figure(figsize=(7.5, 3.2), layout="constrained")
    ax, bx = fig.subplots(1, 2, width_ratios=[1.4, 1])
    if losses:
        y = np.asarray(losses, dtype=float)
        steps = np.arange(1, len(y) + 1)
        ax.plot(steps, y, lw=0.5, alpha=0.3, color="#1f77b4")
        ax.plot(steps, smooth(y, max(len(y) // 50, 1)), color="#1f77b4")
    target = "v" if objective == "flow" else "ε"
    ax.set(xlabel=_("step"), ylabel=_("MSE on {target}").format(target=target), title=_("Loss"), xlim=(0, total))
    ax.grid(alpha=0.3)
    bx.scatter(data[:, 0], data[:, 1], s=1, color="#bbbbbb", label=_("data"))
    if samples is not None:
        bx.scatter(samples[:, 0], samples[:, 1], s=1, color="#d62728", label=_("samples"))
    bx.legend(fontsize=6, markerscale=4, loc="lower right")
    _cloud_axes(bx, _("Samples ({run})").format(run="Heun-10" if objective == "flow" else "DDIM-50"))
    bx.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6))
    return fig


@draws_labels
def score_figure(model: toy2d.ToyMLP, path: list[tuple[float, np.ndarray]]) -> Figure:
    """The field the particles follow (arrows, normalised: the score of a denoising model, -v of a flow model) at
    a few times of a reverse path [(s, x_s)], with x_s on top.

    The times are spread towards the end for a denoising model (t near 0.6 T, 0.25 T, 0.08 T and the last step):
    with the linear schedule the shape only appears in the last few hundred steps; evenly for a flow model."""
    ss = np.array([s_ for s_, _ in path[:-1]])
    targets = (0.75, 0.5, 0.25, 0.0) if model.config.objective == "flow" else (0.6, 0.25, 0.08, 0)
    idx = sorted({int(np.abs(ss - target).argmin()) for target in targets})
    fig = Figure(figsize=(3 * len(idx), 3.2), layout="constrained")
    g = np.linspace(-2, 2, 17)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    for ax, i in zip(np.atleast_1d(fig.subplots(1, len(idx))), idx, strict=True):
        s_next = max(path[i + 1][0], 1 / model.config.T)  # the field the sampler uses to leave x_s (t >= 0)
        f = toy2d.drift_field(model, s_next, grid)
        f = f / (np.linalg.norm(f, axis=1, keepdims=True).max() + 1e-12)
        ax.quiver(grid[:, 0], grid[:, 1], f[:, 0], f[:, 1], color="#888", angles="xy", scale=8, width=0.004)
        pts = path[i][1]
        ax.scatter(pts[:, 0], pts[:, 1], s=0.6, color="#d62728")
        label = (
            f"s = {s_next:.2f}"
            if model.config.objective == "flow"
            else f"t = {toy2d.timestep_at(model.config, s_next)}"
        )
        _cloud_axes(ax, label)
        ax.set(xlim=(-2, 2), ylim=(-2, 2))
    return fig


@draws_labels
def paths_figure(paths: dict[str, list[tuple[int, np.ndarray]]], data: np.ndarray, k: int = 25) -> Figure:
    """The trajectories of k particles under each sampler, from the same starting noise."""
    fig = Figure(figsize=(3.4 * len(paths), 3.4), layout="constrained")
    for ax, (name, path) in zip(np.atleast_1d(fig.subplots(1, len(paths))), paths.items(), strict=True):
        xs = np.stack([x for _, x in path])[:, :k]  # (steps + 1, k, 2)
        ax.scatter(data[:, 0], data[:, 1], s=0.5, color="#cccccc")
        for j in range(xs.shape[1]):
            ax.plot(xs[:, j, 0], xs[:, j, 1], lw=0.7, alpha=0.8)
        ax.scatter(xs[-1, :, 0], xs[-1, :, 1], s=8, color="k", zorder=3)
        _cloud_axes(ax, name)
    return fig


@draws_labels
def steps_figure(results: dict[str, list[tuple[int, float]]], floor: float, noise: float) -> Figure:
    """Sliced Wasserstein distance to the data against the number of sampling steps, per sampler."""
    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.add_subplot()
    for name, pts in results.items():
        s, d = np.asarray(pts).T
        ax.plot(s, d, "o-", ms=4, label=name)
    ax.axhline(noise, color="#d62728", ls=":", lw=1, label=_("pure noise"))
    ax.axhline(floor, color="#2ca02c", ls=":", lw=1, label=_("a fresh sample of the data"))
    ax.set(xscale="log", yscale="log", xlabel=_("sampling steps"), ylabel=_("sliced Wasserstein to the data"))
    ax.set_title(_("Fewer steps, worse samples"), fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    return fig
