"""Figures of the digits section: what the UNet computes inside, level by level."""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from panels.common import draws_labels, plot_text

CHANNELS_SHOWN = 4
ZH = {
    " (skip →)": "(跳跃连接 →)",
    " (← skip)": "(← 跳跃连接)",
    "time (+ label) embedding at t = {t}: {n} numbers added inside every block": (
        "t = {t} 时的时间(+ 标签)嵌入:{n} 个数,加到每个模块内部"
    ),
    "input": "输入",
    "down {k}": "下采样 {k}",
    "bottleneck": "瓶颈",
    "up {k}": "上采样 {k}",
    "output": "输出",
    "time embedding": "时间嵌入",
}
_ = plot_text(ZH)


def stage_name(name: str) -> str:
    """A UNet stage's name ("down 2", as ``UNet.features`` keys it) in the reader's language."""
    level, _space, k = name.partition(" ")
    if level in ("down", "up") and k.isdigit():
        return (_("down {k}") if level == "down" else _("up {k}")).format(k=k)
    return _(name)


@draws_labels
def inside_figure(features: dict[str, torch.Tensor], t: int) -> Figure:
    """One row per stage of a forward pass (batch row 0): the 4 most active channels of every feature map, with
    its shape, and the time (+ label) embedding as a curve. The skip connections join "down k" to "up k"."""
    maps = [(k, v[0]) for k, v in features.items() if v.dim() == 4]
    fig = Figure(figsize=(6.4, 1.25 * (len(maps) + 1)), layout="constrained")
    grid = fig.add_gridspec(len(maps) + 1, CHANNELS_SHOWN)
    for row, (name, fmap) in enumerate(maps):
        order = fmap.flatten(1).var(dim=1).argsort(descending=True)[:CHANNELS_SHOWN]
        for col in range(CHANNELS_SHOWN):
            ax = fig.add_subplot(grid[row, col])
            ax.set_xticks([])
            ax.set_yticks([])
            if col < len(order):
                ax.imshow(fmap[order[col]].float().numpy(), cmap="gray", interpolation="nearest")
            else:
                ax.set_axis_off()
            if col == 0:
                c, h, w = fmap.shape
                skip = _(" (skip →)") if name.startswith("down") else _(" (← skip)") if name.startswith("up") else ""
                ax.set_title(f"{stage_name(name)}{skip}: {c} × {h} × {w}", fontsize=8, loc="left")
    emb = features["time embedding"][0].float().numpy()
    ax = fig.add_subplot(grid[len(maps), :])
    ax.plot(np.arange(emb.size), emb, lw=1, color="#4f46e5")
    ax.set_title(
        _("time (+ label) embedding at t = {t}: {n} numbers added inside every block").format(t=t, n=emb.size),
        fontsize=8,
        loc="left",
    )
    ax.tick_params(labelsize=7)
    return fig
