"""Diffusion from first principles: the Gradio app (a Hugging Face Space; run with `python app.py`).

The main page holds one tab per concept. Every concept is also served alone on its own route
(e.g. ``/markov``) so a blog post can embed just that panel in an iframe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
import spaces  # noqa: F401  (before torch: on a ZeroGPU Space it must come before CUDA is initialised)

from panels import forward, markov, points, reverse, thermodynamics, training
from panels.common import build_i18n, make_translator

APP_STRINGS = {
    "en": {
        "app.title": (
            "# Diffusion from first principles\n"
            "How diffusion models work, one concept at a time, each backed by real, tested code. "
            "Switch language in *Settings* at the bottom of the page."
        ),
    },
    "zh": {
        "app.title": (
            "# 从第一性原理理解扩散模型\n"
            "一次一个概念地讲清扩散模型如何工作,每个概念都有真实、经过测试的代码支撑。"
            "可在页面底部的 *Settings* 中切换语言。"
        ),
    },
}
t = make_translator(APP_STRINGS)


@dataclass(frozen=True)
class Panel:
    """One concept: its route, its tab label key, its translations and its builder."""

    route: str
    tab_key: str
    strings: dict[str, dict[str, str]]
    build: Callable[[gr.Blocks, bool], None]


PANELS: tuple[Panel, ...] = (
    Panel("thermodynamics", "thermo.tab", thermodynamics.STRINGS, thermodynamics.build),
    Panel("markov", "markov.tab", markov.STRINGS, markov.build),
    Panel("forward", "forward.tab", forward.STRINGS, forward.build),
    Panel("reverse", "reverse.tab", reverse.STRINGS, reverse.build),
    Panel("training", "train.tab", training.STRINGS, training.build),
    Panel("points", "points.tab", points.STRINGS, points.build),
)
I18N = build_i18n(APP_STRINGS, *(p.strings for p in PANELS))
THEME = gr.themes.Soft(primary_hue="indigo")
# No navbar: the stand-alone routes exist to be embedded, not browsed. (gr.Navbar(visible=False)
# is ignored by the 6.31 frontend once an app has several pages, so hide it with CSS.)
CSS = (
    ".nav-holder { display: none !important; } .markov-path { margin: 4px 0 } "
    ".pixelated img { image-rendering: pixelated; }"  # small model outputs shown large, without blur
)


def build_demo() -> gr.Blocks:
    """The whole app: tabs on the main page, and each panel alone on its own hidden route."""
    # delete_cache=(every, older_than) in seconds: keeps Gradio's file cache bounded on a public Space.
    with gr.Blocks(title="Diffusion from first principles", delete_cache=(1800, 3600)) as demo:
        gr.Markdown(t("app.title"))
        with gr.Tabs():
            for panel in PANELS:
                with gr.Tab(make_translator(panel.strings)(panel.tab_key), id=panel.route):
                    panel.build(demo, True)
    for panel in PANELS:
        with demo.route(panel.route.capitalize(), f"/{panel.route}", show_in_navbar=False) as page:
            panel.build(page, False)
    # 64 waiting events at most; 2 at a time by default (2 CPU cores); heavy model events
    # share their own concurrency_id.
    demo.queue(max_size=64, default_concurrency_limit=2)
    return demo


def launch_kwargs() -> dict[str, Any]:
    """The launch settings shared by `python app.py` and the tests (see DESIGN.md)."""
    return {
        "max_file_size": "20mb",
        "ssr_mode": False,
        "run_history": False,
        "theme": THEME,
        "css": CSS,
        "i18n": I18N,
    }


demo = build_demo()

if __name__ == "__main__":
    demo.launch(**launch_kwargs())
