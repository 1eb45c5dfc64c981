"""The training panel's plot: the loss, and the preview samples' PSNR, over the steps of a run."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (same length; the first values average what there is)."""
    csum = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(idx - window, 0)
    return (csum[idx] - csum[lo]) / (idx - lo)


def training_figure(losses: list[float], previews: list[tuple[int, float, float]], total_steps: int) -> Figure:
    """Left: loss per step (log scale) with its moving average. Right: PSNR of the EMA and raw previews.

    ``previews`` holds (step, PSNR of the EMA sample, PSNR of the raw sample) in dB.
    """
    fig = Figure(figsize=(8, 3), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    steps = np.arange(1, len(losses) + 1)
    if len(losses):
        y = np.asarray(losses, dtype=float)
        ax.plot(steps, y, lw=0.6, alpha=0.35, color="#1f77b4")
        ax.plot(steps, smooth(y, max(len(y) // 30, 5)), lw=1.6, color="#1f77b4", label="moving average")
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    ax.set(xlabel="step", ylabel="MSE loss", title="Loss", xlim=(0, max(total_steps, 1)))
    ax.grid(alpha=0.3, which="both")
    if previews:
        s, e, r = np.asarray(previews, dtype=float).T
        bx.plot(s, e, "o-", ms=3, color="#d62728", label="EMA weights")
        bx.plot(s, r, "s--", ms=3, color="#7f7f7f", label="raw weights")
        bx.legend(fontsize=7)
    else:
        bx.text(0.5, 0.5, "previews appear here", ha="center", va="center", transform=bx.transAxes, color="#777")
    bx.set(xlabel="step", ylabel="PSNR vs your image (dB)", title="Preview samples", xlim=(0, max(total_steps, 1)))
    bx.grid(alpha=0.3)
    return fig
