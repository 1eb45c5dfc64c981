"""Figures of the 2-D lab, labelled in the reader's language: sampler curves, the guidance triptych and its scores,
the density / mesh / trajectory view (a picture whose pixels map linearly to the plane, so a click can be traced)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from panels.common import say
from panels.lab_strings import STRINGS

CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73")  # Okabe-Ito: told apart with every common colour blindness
VIEW_EXTENT = 2.0  # the view shows [-2, 2]^2
VIEW_PIXELS = 560


def sampler_figure(curves: dict[str, list[tuple[int, float]]], floor: float, noise: float, lang: str) -> Figure:
    """Sliced Wasserstein against network evaluations, one line per objective/sampler (``toy2d.sampler_curves``)."""
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    markers = {"ddpm": "o", "ddim": "s", "euler": "x", "heun": "^"}  # DDIM and Euler coincide: both stay visible
    for name, points in curves.items():
        objective, sampler = name.split("/")
        nfe, swd = np.asarray(points).T
        style = "-" if objective == "flow" else "--"
        ax.plot(nfe, swd, style, marker=markers[sampler], ms=5, mfc="none", label=curve_label(name, lang))
    ax.axhline(noise, color="#b22222", ls=":", lw=1, label=say(STRINGS, "lab.noise", lang))
    ax.axhline(floor, color="#2e7d32", ls=":", lw=1, label=say(STRINGS, "lab.floor", lang))
    ax.set(xscale="log", yscale="log", xlabel=say(STRINGS, "lab.nfe", lang), ylabel=say(STRINGS, "lab.swd", lang))
    ax.set_ylim(top=3 * noise)  # Heun on the diffusion ODE with 1-2 steps overshoots far beyond pure noise
    ax.set_title(say(STRINGS, "lab.samplers_title", lang), fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, ncols=2)
    return fig


def curve_label(name: str, lang: str) -> str:
    """ "flow/heun" -> "flow · Heun" (in the reader's language)."""
    objective, sampler = name.split("/")
    shown = sampler.upper() if sampler.startswith("dd") else sampler.title()  # DDPM, DDIM, Euler, Heun
    return f"{say(STRINGS, f'lab.{objective}', lang)} · {shown}"


def guidance_figure(panels: list[tuple[str, np.ndarray, np.ndarray]], data: np.ndarray, lang: str) -> Figure:
    """One scatter per (title, points (N, 2), asked (N,)), coloured by the class asked for, over the data; two
    columns, so the panels stay readable in a blog column or on a phone."""
    rows = (len(panels) + 1) // 2
    fig = Figure(figsize=(5.6, 2.9 * rows), layout="constrained")
    for ax, (title, pts, asked) in zip(np.ravel(fig.subplots(rows, 2)), panels, strict=True):
        ax.scatter(data[:, 0], data[:, 1], s=0.4, color="#cccccc")
        for c, colour in enumerate(CLASS_COLOURS):
            mine = pts[asked == c]
            ax.scatter(mine[:, 0], mine[:, 1], s=2, color=colour)
        ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), aspect="equal", xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
    return fig


def scores_figure(ws: list[float], scores: list[dict], chosen: float, lang: str) -> Figure:
    """Class accuracy and distance off the shape against the guidance w."""
    fig = Figure(figsize=(6.4, 2.8), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(ws, [100 * s["class_accuracy"] for s in scores], "o-", color=CLASS_COLOURS[0])
    ax.set(xlabel="w", ylim=(0, 105))
    ax.set_ylabel(f"% {say(STRINGS, 'lab.accuracy', lang)}", color=CLASS_COLOURS[0])
    bx = ax.twinx()
    bx.plot(ws, [s["median_off_shape"] for s in scores], "s--", color="#B35900")  # darker than the orange class
    bx.set(yscale="log")
    bx.set_ylabel(say(STRINGS, "lab.off_shape", lang), color="#B35900")
    ax.axvline(chosen, color="#555", lw=1, ls=":")
    ax.set_title(say(STRINGS, "lab.scores_title", lang), fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def view_figure(log_p: np.ndarray, mesh: np.ndarray, path: np.ndarray | None, data: np.ndarray, title: str) -> Figure:
    """The plane [-E, E]^2 edge to edge (pixel (u, v) of the saved picture is the point ``pixel_to_point``):
    filled contours of the density log_p (G, G), the carried mesh (L, P, 2), the data, and a trajectory (K, 2)."""
    fig = Figure(figsize=(VIEW_PIXELS / 100, VIEW_PIXELS / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    g = np.linspace(-VIEW_EXTENT, VIEW_EXTENT, log_p.shape[0])
    levels = np.linspace(max(log_p.max() - 9, log_p.min()), log_p.max(), 12)
    ax.contourf(g, g, np.maximum(log_p, levels[0]), levels=levels, cmap="Blues")
    ax.scatter(data[:, 0], data[:, 1], s=0.3, color="#999999", alpha=0.5)
    for line in mesh:
        ax.plot(line[:, 0], line[:, 1], color="#444444", lw=0.5, alpha=0.6)
    if path is not None:
        ax.plot(path[:, 0], path[:, 1], color="#d62728", lw=1.8)
        ax.plot(*path[0], "o", color="#d62728", ms=5, mfc="white")  # the noise end
        ax.plot(*path[-1], "o", color="#d62728", ms=6)  # the data end
    ax.set(xlim=(-VIEW_EXTENT, VIEW_EXTENT), ylim=(-VIEW_EXTENT, VIEW_EXTENT), xticks=[], yticks=[])
    ax.text(0.02, 0.98, title, transform=ax.transAxes, va="top", fontsize=10, bbox={"fc": "white", "alpha": 0.8})
    return fig


def pixel_to_point(u: float, v: float, size: tuple[int, int]) -> tuple[float, float]:
    """The point of the plane under pixel (u, v) (from the top-left) of a ``view_figure`` picture of ``size``."""
    w, h = size
    return -VIEW_EXTENT + 2 * VIEW_EXTENT * u / w, VIEW_EXTENT - 2 * VIEW_EXTENT * v / h
