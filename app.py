"""Diffusion from first principles: the Gradio app (a Hugging Face Space; run with `python app.py`).

The main page holds one tab per concept. Every concept is also served alone on its own route
(e.g. ``/markov``) so a blog post can embed just that panel in an iframe.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

try:  # installed by the Space builder (and requirements-dev.txt); before torch: ZeroGPU patches CUDA start-up
    import spaces
except ImportError:  # running locally without it: the GPU decorator is simply not applied
    spaces = None

from panels import common, forward, gradio_fixes, markov, offload, points, reverse, thermodynamics, training, words
from panels.checks import validate_every_event
from panels.common import DEFAULTS, build_i18n, make_translator
from panels.embed import NOTE_ID, EmbedRoutes, embed_snippets, url_name
from panels.fairness import FairShare
from panels.pagecache import PageCache

APP_STRINGS = {
    "en": {
        "app.title": (
            "# Diffusion from first principles\n"
            "How diffusion models work, one concept at a time, each backed by real, tested code."
        ),
        "app.embed": "Embed this experiment",
        "app.embed_help": (
            "The panel's current settings as a link: paste the iframe, or the web component, into a blog post. "
            "Add `lang=zh` or `lang=en` to force the language."
        ),
        "app.embed_make": "Make the embed code",
        "app.embed_code": "Embed code",
        "common.complete": "Complete",  # read out by screen readers when an event ends (missing from Gradio's table)
    },
    "zh": {
        "app.title": (
            "# 从第一性原理理解扩散模型\n一次一个概念地讲清扩散模型如何工作,每个概念都有真实、经过测试的代码支撑。"
        ),
        "app.embed": "嵌入这个实验",
        "app.embed_help": (
            "把面板当前的设置变成链接:把 iframe 或网页组件粘贴到博客文章里。加上 `lang=zh` 或 `lang=en` 可固定语言。"
        ),
        "app.embed_make": "生成嵌入代码",
        "app.embed_code": "嵌入代码",
        "common.complete": "完成",
    },
}
t = make_translator(APP_STRINGS)


@dataclass(frozen=True)
class Panel:
    """One concept: its route, its tab label key, its translations and its builder."""

    route: str
    tab_key: str
    strings: dict[str, dict[str, str]]
    build: Callable[[common.PanelContext], None]


PANELS: tuple[Panel, ...] = (  # in the source post's order: each panel ends with a link to the next
    Panel("thermodynamics", "thermo.tab", thermodynamics.STRINGS, thermodynamics.build),
    Panel("markov", "markov.tab", markov.STRINGS, markov.build),
    Panel("forward", "forward.tab", forward.STRINGS, forward.build),
    Panel("reverse", "reverse.tab", reverse.STRINGS, reverse.build),
    Panel("training", "train.tab", training.STRINGS, training.build),
    Panel("points", "points.tab", points.STRINGS, points.build),
    Panel("words", "words.tab", words.STRINGS, words.build),  # beyond the post: its next question
)
# "Next: 2 · Markov chains →" at the end of every panel but the last, from each panel's own tab label
NEXT = {"en": "Next: {} →", "zh": "下一步:{} →"}
for _here, _next in itertools.pairwise(PANELS):
    for _lang in APP_STRINGS:
        APP_STRINGS[_lang][f"app.next.{_here.route}"] = NEXT[_lang].format(_next.strings[_lang][_next.tab_key])
t = make_translator(APP_STRINGS)
# Soft's labels and secondary text are too light on white (about 3.6:1): darker ones reach 4.5:1 or more
THEME = gr.themes.Soft(primary_hue="indigo").set(
    block_label_text_color="*neutral_700",
    block_label_text_color_dark="*neutral_200",
    block_info_text_color="*neutral_600",
    block_info_text_color_dark="*neutral_300",
    body_text_color_subdued="*neutral_600",
    body_text_color_subdued_dark="*neutral_300",
    block_title_text_color="*neutral_800",
    block_title_text_color_dark="*neutral_100",
    checkbox_label_background_fill_selected="*primary_600",  # white on the chosen option: 4.5:1 and more
    button_primary_background_fill="*primary_600",
    button_primary_background_fill_hover="*primary_700",
)
# No navbar: the stand-alone routes exist to be embedded, not browsed. (gr.Navbar(visible=False)
# is ignored by the 6.31 frontend once an app has several pages, so hide it with CSS.)
CSS = (
    ".nav-holder { display: none !important; } .markov-path { margin: 4px 0 } "
    ".pixelated img { image-rendering: pixelated; }"  # small model outputs shown large, without blur
    # galleries of strips: on a narrow screen wrap into as many columns as fit (Gradio's grid keeps every column
    # at least 100 px wide, so 7 columns overflow a phone) and let captions wrap instead of being cut
    " @media (max-width: 720px) { .strip .grid-container {"
    " grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)) !important; grid-template-rows: none !important; } }"
    " .strip .caption-label { white-space: pre-line; max-width: calc(100% - 8px); font-size: var(--text-xs);"
    " padding: 1px 4px; opacity: 0.85; }"
    # a column of controls stacked above its results (a blog column, a phone): its inputs side by side where two
    # fit, so that the main button and its first result come sooner
    " @media (max-width: 760px) { .controls > .form, .controls > .block > .form {"
    " display: grid !important; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }"
    # a form of one field (the prompt before its examples) keeps one column: an empty cell shows the form's gray
    " .controls > .form:has(> :only-child) { grid-template-columns: 1fr; } }"
    # a visible keyboard focus on everything that takes it
    " :focus-visible { outline: 3px solid #4338ca !important; outline-offset: 2px !important; }"
    " .dark :focus-visible { outline-color: #a5b4fc !important; }"
    # plots are drawn on the server in black on white: in the dark theme, show them inverted (hues kept); never
    # a plot of pictures (a photograph shown as its negative would contradict the text beside it)
    " .dark .block:not(.pictures) .matplotlib img { filter: invert(0.9) hue-rotate(180deg); }"
    # an error leaves the last good results in view: the toast says what went wrong (Gradio covers every output
    # with an "Error" badge, as if the results were gone)
    " .wrap:has(> .error) { display: none !important; }"
    " .lang-switch { text-align: right; font-size: var(--text-sm); } .lang-switch a { padding: 2px 4px; }"
    " .settings-languages a { margin-right: 8px; }"
    # galleries of results show every tile at once (Gradio's box scrolls inside after 55 % of the screen: "w = 7" was
    # out of view) and each tile at its picture's own shape (square tiles left bands around rows of digits)
    " .strip .grid-wrap { max-height: none !important; min-height: 0 !important; overflow-y: visible !important; }"
    " .strip .thumbnail-item { aspect-ratio: auto !important; height: auto !important; }"
    " .strip .thumbnail-lg > img { height: auto !important; }"
    " .strip label[data-testid=block-label].float { position: static; white-space: normal; margin-bottom: 4px; }"
    " .strip .grid-container.pt-6 { padding-top: 0; }"
    # a result image's label on its own line above it (over the picture, the toolbar cut it to "predicted :"), and
    # the toolbar shown on hover or focus only (it covered the top-right digits of every grid)
    " .block:has(.image-frame) label[data-testid=block-label].float { position: static; white-space: normal;"
    " margin: 0 0 var(--spacing-sm) 0; }"
    " .image-container > .icon-button-wrapper.top-panel { opacity: 0; transition: opacity 0.15s; }"
    " .image-container:hover > .icon-button-wrapper, .image-container:focus-within > .icon-button-wrapper"
    " { opacity: 1; }"
    # on a phone a plot keeps a readable size and scrolls sideways (shrunk to 360 px its labels were 5 px tall)
    " @media (max-width: 480px) { .matplotlib { overflow-x: auto; justify-content: flex-start !important; }"
    " .matplotlib img { min-width: 600px; } }"
    # an image whose label is its alt text, already said in the text above it: the label kept for screen readers
    " .alt-label [data-testid=block-label] { position: absolute !important; width: 1px; height: 1px; overflow: hidden;"
    " clip: rect(0 0 0 0); white-space: nowrap; }"
)


# The lanes (concurrency ids) of the events that keep the CPU busy for seconds: they run on low-priority threads,
# so that serving pages, files and cheap events comes first (panels/offload.py). ZeroGPU runs them elsewhere.
HEAVY_LANES = ("model", "render", "train", "estimate", "defaults")


# The endpoints an agent can use as MCP tools (/gradio_api/mcp/), with what the agent needs to know. Every other
# endpoint is left out of the MCP server: it needs a visitor's session (fine-tuning runs, stored trajectories,
# a loaded model) or only serves the page (scrubbers, resizers). Inputs are those of the API (README: Using it
# from code); images come back as files.
MCP_TOOLS: dict[str, str] = {
    "markov_simulate": (
        "Simulate a Markov chain: matrix = transition table {headers, data} with rows summing to 1 (2-4 states), "
        "start = a state name, steps (1-10,000), chains (1-10,000), seed. Returns a sample path, the transition "
        "diagram, convergence of the state frequencies, the n-step laws and the stationary distribution."
    ),
    "markov_gaussian": (
        "The Gaussian Markov chain x_t = sqrt(1-beta) x_(t-1) + sqrt(beta) eps (the diffusion forward process) from "
        "many starts: beta in [1e-4, 0.5], start ('x0 = 3' style), steps (1-2,000), seed. Returns a plot and a summary."
    ),
    "forward_view": (
        "Noise an image with the closed form q(x_t | x_0): image, colour ('grayscale' or 'RGB'), size (32-256 px), "
        "schedule ('linear', 'cosine', 'seed-cosine'), T (diffusion steps), t (0..T-1), seed. Returns x_t, its "
        "histogram against N(0, 1), and the numbers (alpha_bar_t, signal and noise fractions)."
    ),
    "forward_schedules": (
        "Compare the three beta schedules (linear, cosine, the source post's clamped cosine) for T steps: a figure "
        "and a table of what survives of the image at t = T."
    ),
    "reverse_generate": (
        "Sample the one-image model (it memorised one photograph) from noise: sampler ('DDIM' or 'DDPM'), steps "
        "(1-1,000), eta (0-1, DDIM only), seed, weights ('ema' or 'raw'), post_grid (the source post's timestep "
        "grid). Returns x_t, the predicted x_0, a status line and the final image."
    ),
    "reverse_compare": (
        "Samplers side by side from the same noise with the one-image model: kind ('steps', 'eta', 'ddpm-vs-ddim', "
        "'post-grid'), seed, weights ('ema' or 'raw'). Returns a gallery with PSNR captions."
    ),
    "digits_generate": (
        "Generate 16 digits (32 x 32) with the class-conditional diffusion model: label ('none' or '0'-'9'), "
        "guidance w (0-20; (1+w) conditional - w unconditional), steps (1-1,000), sampler ('DDIM' or 'DDPM'), eta "
        "(0-1), seed (the first of 16 seeds). Returns the grids, a status line, the nearest training examples and "
        "JSON numbers (what a classifier reads in each sample, its confidence, nearest-neighbour distances)."
    ),
    "digits_compare": (
        "Digits from the same 8 noises under several settings: kind ('steps', 'eta', 'ddpm-vs-ddim', 'guidance'), "
        "label ('none' or '0'-'9'), guidance w, seed. Returns a gallery with captions."
    ),
    "digits_examples": "64 training examples of the digits model (a batch number of its training stream), with labels.",
    "words_generate": (
        "Generate 8 scenes (48 x 48) from a prompt with the text-to-image latent diffusion model: prompt (English or "
        "Chinese, at most 200 characters, only the model's words: digits, circle/square/triangle, red/green/blue/"
        "yellow/purple/white, big/small, on the left/right, joined by 'and'; '' = unconditional), negative prompt, "
        "guidance w (0-20), steps (1-1,000), seed (the first of 8). Returns the scenes, their latents, a status line "
        "and JSON (what a judge classifier reads in each scene, how many show what the prompt asks, distances to the "
        "nearest training scenes), and those nearest training scenes."
    ),
}


def mark_mcp_tools(demo: gr.Blocks) -> None:
    """Name and describe the MCP tools, and leave every other endpoint out of the MCP server."""
    for fn in demo.fns.values():
        name = fn.api_name if isinstance(fn.api_name, str) else None
        if fn.fn is None or name is None:
            continue
        if name in MCP_TOOLS:
            # Gradio 6.31 names a tool after its function and describes it with the event's api_description
            # (gr.mcp.tool's name and description are not read for tools): set both on the endpoint.
            gr.mcp.tool()(fn.fn)
            fn.fn.__name__ = name
            fn.api_description = MCP_TOOLS[name]
        elif getattr(fn.fn, "_mcp_type", None) != "tool":  # a handler shared with a tool keeps its tool mark
            fn.fn._mcp_type = "excluded"  # Gradio lists only functions without a mark, or marked "tool"


# The two languages the app has, each named in itself; a link reloads the page in that language (?lang=).
LANGUAGE_SWITCH = (
    '<nav class="lang-switch" aria-label="Language / 语言">'
    '<a href="?lang=en" hreflang="en" lang="en">English</a> · <a href="?lang=zh" hreflang="zh" lang="zh">中文</a></nav>'
)
# How tall each panel is alone (px), for the iframe snippet (README: Embedding one concept in a blog post).
EMBED_HEIGHTS = {  # the 700 px heights of bench/embed_heights.py, rounded up
    "thermodynamics": 1900,
    "markov": 3000,
    "forward": 5200,
    "reverse": 6300,
    "training": 1850,
    "points": 6000,
    "words": 5200,
}


# Runs in the page (iframe or direct visit): alt text for every result image and plot, in the page's language
# (Gradio gives a plot "undefined plot visualising provided data" and a result image none), and the language
# list of Gradio's Settings replaced by the two languages this app has (links that reload the page in one).
HEAD = """<script>
(function () {
  var SUFFIX = " plot visualising provided data";
  var SWITCH = %s;
  // the page's language as the server reads it: the link's lang=, else the browser's first preference
  var forced = location.href.match(/[?&/]lang=(zh|en)/);
  var ZH = forced ? forced[1] === "zh" : (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var TITLES = {"Error": "出错了", "Warning": "注意", "Info": "提示"};  // Gradio's toasts title them in English
  function fix() {
    if (ZH) document.querySelectorAll(".toast-title").forEach(function (title) {
      var text = title.firstChild, zh = text && text.nodeType === 3 && TITLES[text.textContent.trim()];
      if (zh) text.textContent = zh;
    });
    document.querySelectorAll("img").forEach(function (img) {
      var alt = img.getAttribute("alt") || "";
      if (alt.endsWith(SUFFIX)) { alt = alt.slice(0, -SUFFIX.length); if (alt === "undefined") alt = ""; }
      if (!alt) {
        var block = img.closest(".block");
        var label = block && block.querySelector("[data-testid=block-label]");
        alt = label ? label.textContent.trim() : "";
      }
      if (!alt && img.src && !img.src.startsWith("data:")) {  // an example's thumbnail: its file name
        alt = decodeURIComponent(img.src.split("?")[0].split("/").pop() || "");
      }
      if (alt && alt !== img.getAttribute("alt")) img.setAttribute("alt", alt);
    });
    document.querySelectorAll(".api-docs-wrap h2").forEach(function (h2) {
      var name = h2.textContent.trim();
      var wrap = h2.parentElement, list = wrap && wrap.nextElementSibling;
      if ((name === "Language" || name === "语言") && list && !list.dataset.replaced) {
        list.dataset.replaced = "1";
        list.style.display = "none";
        list.insertAdjacentHTML("afterend", '<div class="padded settings-languages">' + SWITCH + "</div>");
      }
    });
  }
  var queued = false;
  new MutationObserver(function () {
    if (!queued) { queued = true; requestAnimationFrame(function () { queued = false; fix(); }); }
  }).observe(document.documentElement,
    { subtree: true, childList: true, attributes: true, attributeFilter: ["alt", "src"] });
})();
</script>"""


def embed_code(route: str, in_url: dict[str, gr.components.Component]) -> None:
    """An accordion that turns the panel's current settings into the iframe and web-component snippets."""
    names, components = list(in_url), list(in_url.values())

    def make(request: gr.Request, *values: Any) -> str:
        headers = request.headers or {}
        proto = headers.get("x-forwarded-proto") or getattr(getattr(request, "url", None), "scheme", None) or "http"
        host = headers.get("x-forwarded-host") or headers.get("host", "127.0.0.1:7860")
        settings = dict(zip(names, values, strict=True))
        lang = common.forced_language_of(request)
        if lang:
            settings = {"lang": lang, **settings}
        iframe, component = embed_snippets(f"{proto}://{host}", route, settings, EMBED_HEIGHTS[route])
        return f"<!-- iframe -->\n{iframe}\n\n<!-- web component -->\n{component}\n"

    with gr.Accordion(t("app.embed"), open=False, elem_classes="embed-code"):
        gr.Markdown(t("app.embed_help"))
        button = gr.Button(t("app.embed_make"), size="sm")
        code = gr.Code(label=t("app.embed_code"), language="html", interactive=False, lines=6)
    button.click(make, components, code, queue=False, api_visibility="private")


def build_demo() -> gr.Blocks:
    """The whole app: tabs on the main page, and each panel alone on its own hidden route."""
    gradio_fixes.apply()  # cached images written once, atomically (panels/gradio_fixes.py)
    # delete_cache=(every, older_than) in seconds: keeps Gradio's file cache bounded on a public Space.
    with gr.Blocks(title="Diffusion from first principles", delete_cache=(1800, 3600)) as demo:
        gr.HTML(LANGUAGE_SWITCH, padding=False)
        gr.Markdown(t("app.title"))
        # one session model for the page's panels: Training fine-tunes it, Reverse samples from it
        tabbed = common.PanelContext(demo, tabbed=True, public=True, session_model=common.session_state())
        with gr.Tabs() as tabs:
            for panel, after in zip(PANELS, [*PANELS[1:], None], strict=True):
                with gr.Tab(make_translator(panel.strings)(panel.tab_key), id=panel.route):
                    panel.build(tabbed)
                    if after is not None:  # the story goes on in the next tab
                        go = gr.Button(t(f"app.next.{panel.route}"), variant="secondary", elem_classes="next-concept")
                        go.click(
                            lambda r=after.route: gr.Tabs(selected=r),
                            None,
                            tabs,
                            queue=False,
                            api_visibility="private",
                            js="() => { window.scrollTo(0, 0); }",
                        )
    for panel, after in zip(PANELS, [*PANELS[1:], None], strict=True):
        with demo.route(panel.route.capitalize(), f"/{panel.route}", show_in_navbar=False) as page:
            gr.HTML(LANGUAGE_SWITCH, padding=False)
            gr.Markdown(visible=False, elem_id=NOTE_ID)  # what the page's link changed (panels/embed.py)
            before = set(demo.blocks)
            panel.build(common.PanelContext(page, tabbed=False, public=False, session_model=common.session_state()))
            in_url = {
                name: b
                for k, b in demo.blocks.items()
                if k not in before and (name := url_name({"elem_classes": getattr(b, "elem_classes", None)}))
            }
            embed_code(panel.route, in_url)
            if after is not None:  # alone on its route (an embed): a link to the next concept's route
                gr.HTML(
                    f'<a class="next-concept" href="{after.route}" target="_top">{t(f"app.next.{panel.route}")}</a>'
                )
    # 128 waiting events at most (one address may hold 24 of them: panels/fairness.py); 4 cheap events at a time
    # (they pause the heavy lanes while they run: panels/priority.py); heavy events have their own lanes.
    demo.queue(max_size=128, default_concurrency_limit=4)
    # one rule for every number field and upload: an empty number box waits, a value it cannot take is said at the
    # box, nothing runs and the last results stay (panels/checks.py)
    validate_every_event(demo)
    if offload.ENABLED and not training.ZERO_GPU:  # heavy events on low-priority threads (panels/offload.py)
        offload.offload_heavy_lanes(demo, HEAVY_LANES)
    mark_mcp_tools(demo)
    common.follow_reader_language(demo)
    return demo


def launch_kwargs() -> dict[str, Any]:
    """The launch settings shared by `python app.py` and the tests: no SSR or run history (both misbehave in
    gradio 6.31), no fixed host or port (Spaces sets them), the MCP server on."""
    return {
        "max_file_size": "20mb",
        "ssr_mode": False,
        "run_history": False,
        "theme": THEME,
        "css": CSS,
        "head": HEAD % json.dumps(LANGUAGE_SWITCH),
        # after the pages are built: they add the folded intros' titles to the helpers' strings
        "i18n": build_i18n(APP_STRINGS, common.common_strings(), *(p.strings for p in PANELS)),
        "mcp_server": True,  # /gradio_api/mcp/: the MCP_TOOLS for agents
        # per-client caps on waiting events, and events whose caller went away cancelled (panels/fairness.py)
        # panels/embed.py first (outermost): the fairness rules see the requests it rewrites
        # and panels/pagecache.py last (innermost): the pages and configs it replays are Gradio's own
        "app_kwargs": {
            "middleware": [
                Middleware(EmbedRoutes, pages=[p.route for p in PANELS]),
                Middleware(FairShare),
                Middleware(PageCache, pages=frozenset(p.route for p in PANELS)),
            ]
        },
    }


def warm_defaults(ahead: bool = False) -> threading.Thread:
    """Compute every panel's default result in the background (about two minutes on 2 cores), so that the first
    visitors see them at once instead of waiting for them; each is computed once either way. ``ahead``: then what
    visitors are likely to ask for next (the comparisons). At a low priority, as every heavy event: the first
    visitors' cheap requests come first."""

    def warm() -> None:
        offload.lower_priority(offload.NICE)
        for fn in DEFAULTS:
            fn()
        if ahead:
            reverse.warm_comparisons()

    thread = threading.Thread(target=warm, name="warm-defaults", daemon=True)
    thread.start()
    return thread


demo = build_demo()

if __name__ == "__main__":
    warm_defaults(ahead=True)
    demo.launch(**launch_kwargs())
