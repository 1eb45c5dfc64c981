"""Figures of the words-to-pictures panel: cross-attention per word over the steps, two prompts side by side, and
the text encoder's similarities between the two languages' words."""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from panels.common import draws_labels, plot_text

ZH = {
    "step {k}": "第 {k} 步",
    "x̂₀": "x̂₀",
    "cosine similarity": "余弦相似度",
    "English word": "英文词",
    "Chinese word": "中文词",
}
_ = plot_text(ZH)


def _picture(ax, image: torch.Tensor) -> None:
    """An RGB image (3, H, W) in [-1, 1] on ``ax``, without ticks."""
    ax.imshow(((image.permute(1, 2, 0).float().numpy() + 1) / 2).clip(0, 1), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


@draws_labels
def attention_figure(pictures: torch.Tensor, maps: torch.Tensor, words: list[str], steps: list[int]) -> Figure:
    """Top row: x̂₀ (S, 3, H, W) at each shown step; then one row per word: its attention map (S, L, h, w) at
    those steps, on one scale from 0 to 1 (a position's attention over all the words sums to 1)."""
    n_steps, n_words = len(steps), len(words)
    fig = Figure(figsize=(1.1 * n_steps + 1.2, 1.1 * (n_words + 1)), layout="constrained")
    axes = fig.subplots(n_words + 1, n_steps, squeeze=False)
    for col, k in enumerate(steps):
        _picture(axes[0, col], pictures[col])
        axes[0, col].set_title(_("step {k}").format(k=k), fontsize=8)
        for row in range(n_words):
            ax = axes[row + 1, col]
            ax.imshow(maps[col, row].float().numpy(), cmap="magma", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel(_("x̂₀"), fontsize=9)
    for row, word in enumerate(words):
        axes[row + 1, 0].set_ylabel(word, fontsize=9, rotation=0, ha="right", va="center")
    return fig


@draws_labels
def compare_figure(rows: list[torch.Tensor], prompts: list[str], steps: list[int]) -> Figure:
    """One row per prompt: its x̂₀ (S, 3, H, W) at each shown step, the prompt above the row."""
    fig = Figure(figsize=(1.15 * len(steps), 1.45 * len(rows)), layout="constrained")
    subfigs = fig.subfigures(len(rows), 1, squeeze=False)[:, 0]
    for sub, row, prompt in zip(subfigs, rows, prompts, strict=True):
        sub.suptitle(f"“{prompt}”", fontsize=8)
        axes = sub.subplots(1, len(steps), squeeze=False)[0]
        for ax, picture, k in zip(axes, row, steps, strict=True):
            _picture(ax, picture)
            ax.set_title(_("step {k}").format(k=k), fontsize=7)
    return fig


@draws_labels
def similarity_figure(similarity: np.ndarray, english: list[str], chinese: list[str]) -> Figure:
    """The text encoder's cosine similarity (n, n) of English words (rows) and Chinese words (columns)."""
    fig = Figure(figsize=(5.6, 5.0), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(similarity, cmap="viridis", vmin=-1, vmax=1)
    ax.set_xticks(range(len(chinese)), chinese, rotation=90, fontsize=8)
    ax.set_yticks(range(len(english)), english, fontsize=8)
    ax.set_xlabel(_("Chinese word"), fontsize=9)
    ax.set_ylabel(_("English word"), fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8).set_label(_("cosine similarity"), fontsize=8)
    return fig
