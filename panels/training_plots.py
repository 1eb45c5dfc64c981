"""The training panel's plot: the loss, and the preview samples' PSNR, over the steps of a run."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from panels.common import draws_labels, plot_text

ZH = {
    "moving average": "滑动平均",
    "step": "步数",
    "MSE loss": "MSE 损失",
    "Loss": "损失",
    "EMA weights": "EMA 权重",
    "raw weights": "原始权重",
    "PSNR vs your image (dB)": "与你的图像的 PSNR(dB)",
    "Preview samples": "预览样本",
}
_ = plot_text(ZH)


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (same length; the first values average what there is)."""
    csum = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(idx - window, 0)
    return (csum[idx] - csum[lo]) / (idx - lo)


@draws_labels
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
        ax.plot(steps, smooth(y, max(len(y) // 30, 5)), lw=1.6, color="#1f77b4", label=_("moving average"))
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    ax.set(xlabel=_("step"), ylabel=_("MSE loss"), title=_("Loss"), xlim=(0, max(total_steps, 1)))
    ax.grid(alpha=0.3, which="both")
    if previews:
        s, e, r = np.asarray(previews, dtype=float).T
        bx.plot(s, e, "o-", ms=3, color="#d62728", label=_("EMA weights"))
        bx.plot(s, r, "s--", ms=3, color="#7f7f7f", label=_("raw weights"))
        bx.legend(fontsize=7)
    else:
        bx.text(0.5, 0.5, "previews appear here", ha="center", va="center", transform=bx.transAxes, color="#777")
    bx.set(
        xlabel=_("step"), ylabel=_("PSNR vs your image (dB)"), title=_("Preview samples"), xlim=(0, max(total_steps, 1))
    )
    bx.grid(alpha=0.3)
    return fig
