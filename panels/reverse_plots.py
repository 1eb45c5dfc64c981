"""The reverse panel's plot: how good the predicted clean image is along the sampling path."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def psnr_path_figure(frames: list, has_image: bool) -> Figure:
    """PSNR of the predicted x_0 against the training image, along t (decreasing to the right)."""
    fig = Figure(figsize=(6, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ts = np.array([f.t for f in frames])
    if has_image:
        ax.plot(ts, [f.psnr_x0 for f in frames], "o-", ms=3, color="#1f77b4", label="predicted x₀ vs training image")
        ax.set(ylabel="PSNR (dB)")
    else:
        ax.text(0.5, 0.5, "no training image known for this model", ha="center", va="center", transform=ax.transAxes)
    ax.set(xlabel="timestep t (noisy → clean)", title="The sampling path: predicted x₀ at each step")
    ax.set_xlim(max(ts.max(), 1), 0)
    ax.grid(alpha=0.3)
    if has_image:
        ax.legend(fontsize=7)
    return fig
