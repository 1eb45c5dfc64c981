"""The reverse panel's plot: how good the predicted clean image is along the sampling path."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from panels.common import draws_labels, plot_text

ZH = {
    "predicted x₀ vs training image": "预测的 x₀ 对比训练图像",
    "no training image known for this model": "不知道这个模型的训练图像",
    "timestep t (noisy → clean)": "时间步 t(噪声 → 清晰)",
    "The sampling path: predicted x₀ at each step": "采样路径:每一步预测的 x₀",
}
_ = plot_text(ZH)


@draws_labels
def psnr_path_figure(frames: list, has_image: bool) -> Figure:
    """PSNR of the predicted x_0 against the training image, along t (decreasing to the right)."""
    fig = Figure(figsize=(6, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ts = np.array([f.t for f in frames])
    if has_image:
        ax.plot(ts, [f.psnr_x0 for f in frames], "o-", ms=3, color="#1f77b4", label=_("predicted x₀ vs training image"))
        ax.set(ylabel="PSNR (dB)")
    else:
        ax.text(0.5, 0.5, _("no training image known for this model"), ha="center", va="center", transform=ax.transAxes)
    ax.set(xlabel=_("timestep t (noisy → clean)"), title=_("The sampling path: predicted x₀ at each step"))
    ax.set_xlim(max(ts.max(), 1), 0)
    ax.grid(alpha=0.3)
    if has_image:
        ax.legend(fontsize=7)
    return fig
