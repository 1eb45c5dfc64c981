"""Figures and animations for the forward-process panel (matplotlib object API, PIL frames)."""

from __future__ import annotations

import math

import numpy as np
import torch
from matplotlib.figure import Figure

from diffusion.schedules import SCHEDULES, alpha_bars_from_start, make_schedule
from panels.common import draws_labels, plot_text

ZH = {
    "ᾱ_t = ∏(1 − β)  (log scale)": "ᾱ_t = ∏(1 − β)(对数刻度)",
    "pixels of x_t": "x_t 的像素",
    "exact law given x₀": "给定 x₀ 的精确分布",
    "pixel value": "像素值",
    "density": "密度",
    "original": "原图",
    "step {c}\nβ={beta:.3g}, ᾱ={abar:.3f}": "第 {c} 步\nβ={beta:.3g}, ᾱ={abar:.3f}",
    "post: chain on [0, 1]": "原文:[0, 1] 上的链",
    "DDPM: chain on [−1, 1]": "DDPM:[−1, 1] 上的链",
    "step": "步数",
    "mean pixel (display scale 0..1)": "像素均值(显示刻度 0..1)",
    "Where the mean goes": "均值去了哪里",
}
_ = plot_text(ZH)

SCHEDULE_COLORS = {"linear": "#1f77b4", "cosine": "#2ca02c", "seed-cosine": "#d62728"}


@draws_labels
def schedules_figure(T: int) -> Figure:
    """beta_t, alpha_bar_t and log-SNR of the three named schedules, side by side."""
    fig = Figure(figsize=(11, 3.3), layout="constrained")
    axes = fig.subplots(1, 3)
    t = np.arange(1, T + 1)
    for name in SCHEDULES:
        s = make_schedule(name, T)
        kw = {"color": SCHEDULE_COLORS[name], "lw": 1.6, "label": name}
        axes[0].plot(t, s.betas, **kw)
        axes[1].plot(t, s.alpha_bars, **kw)
        axes[2].plot(t, s.log_snr, **kw)
    axes[0].set(xlabel="t", title="β_t", yscale="log")
    axes[1].set(xlabel="t", title=_("ᾱ_t = ∏(1 − β)  (log scale)"), yscale="log", ylim=(1e-10, 2))
    axes[2].set(xlabel="t", title="log SNR = log(ᾱ_t / (1 − ᾱ_t))")
    axes[2].axhline(0, color="#999", lw=0.6)
    for ax in axes:
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    return fig


@draws_labels
def histogram_figure(x_t: torch.Tensor, alpha_bar: float, x0: torch.Tensor) -> Figure:
    """Histogram of x_t's pixels against N(0, 1) and against the exact law of x_t given this x_0.

    Args:
        x_t: (C, H, W) noisy image.
        alpha_bar: signal fraction at t.
        x0: (C, H, W) clean image, for the exact mixture density.
    """
    fig = Figure(figsize=(5.2, 3.2), layout="constrained")
    ax = fig.add_subplot()
    values = x_t.flatten().double().numpy()
    ax.hist(values, bins=80, range=(-4, 4), density=True, color="#8da0cb", alpha=0.8, label=_("pixels of x_t"))
    grid = np.linspace(-4, 4, 400)
    ax.plot(grid, np.exp(-(grid**2) / 2) / math.sqrt(2 * math.pi), "k--", lw=1.2, label="N(0, 1)")
    # Exact law of one pixel of x_t: a mixture over pixels of N(sqrt(ab) x0, 1 - ab).
    var = max(1.0 - alpha_bar, 1e-6)
    means = math.sqrt(alpha_bar) * x0.flatten().double().numpy()[:: max(1, x0.numel() // 2000)]
    density = np.exp(-((grid[:, None] - means[None]) ** 2) / (2 * var)).mean(axis=1) / math.sqrt(2 * math.pi * var)
    ax.plot(grid, density, color="#d95f02", lw=1.2, label=_("exact law given x₀"))
    ax.set(xlim=(-4, 4), xlabel=_("pixel value"), ylabel=_("density"), ylim=(0, min(ax.get_ylim()[1], 3)))
    ax.legend(fontsize=7)
    return fig


@draws_labels
def post_demo_figure(rows: dict[str, list[np.ndarray]], betas: np.ndarray) -> Figure:
    """A grid: one row per convention, one column per step; images already mapped to [0, 1] for display."""
    n_rows, n_cols = len(rows), len(betas) + 1
    fig = Figure(figsize=(1.5 * n_cols + 1.2, 1.65 * n_rows + 0.3), layout="constrained")
    axes = np.atleast_2d(fig.subplots(n_rows, n_cols))
    abar = alpha_bars_from_start(betas)
    for r, (label, images) in enumerate(rows.items()):
        for c, img in enumerate(images):
            ax = axes[r, c]
            ax.imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                step = _("step {c}\nβ={beta:.3g}, ᾱ={abar:.3f}")
                ax.set_title(_("original") if c == 0 else step.format(c=c, beta=betas[c - 1], abar=abar[c]), fontsize=7)
        axes[r, 0].set_ylabel(label, fontsize=7)
    return fig


@draws_labels
def mean_brightness_figure(means_01: list[float], means_pm1: list[float]) -> Figure:
    """Mean pixel value per step of the post's [0, 1] chain and the [-1, 1] chain (mapped to [0, 1])."""
    fig = Figure(figsize=(4.6, 3.0), layout="constrained")
    ax = fig.add_subplot()
    steps = np.arange(len(means_01))
    ax.plot(steps, means_01, "o-", color="#d62728", label=_("post: chain on [0, 1]"))
    ax.plot(steps, means_pm1, "s-", color="#1f77b4", label=_("DDPM: chain on [−1, 1]"))
    ax.axhline(0.5, color="#999", lw=0.8, ls="--")
    ax.set(
        xlabel=_("step"),
        ylabel=_("mean pixel (display scale 0..1)"),
        ylim=(-0.05, 1.05),
        title=_("Where the mean goes"),
    )
    ax.legend(fontsize=7)
    return fig
