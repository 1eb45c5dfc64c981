"""Helpers shared by the panels: the panel context, default results, memory, links, files.

What a panel needs from the app comes in a ``PanelContext`` (its page, whether it is tabbed or alone, whether its
endpoints are public, the page's shared session state). Translations live in ``panels.i18n``, input checks in
``panels.checks`` and the app's components in ``panels.components``; their names are also importable from here.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.i18n import I18nData

from panels import gradio_fixes, memory, priority
from panels.checks import (  # noqa: F401  (re-exported: the panels' one import)
    CHECKS,
    FIELD_NAMES_ZH,
    LIBRARY_ZH,
    as_choice,
    as_seed,
    check,
    check_error,
    field,
    limit_error,
    translated,
    user_errors,
)
from panels.components import (  # noqa: F401
    DescribedPlotData,
    DrawingInput,
    Dropdown,
    ImageInput,
    Number,
    Plot,
    Radio,
    Slider,
    describe_figure,
    in_upload_folder,
)
from panels.i18n import (  # noqa: F401
    CJK_FONTS,
    LANGUAGES,
    ReaderLanguage,
    Strings,
    build_i18n,
    cjk_font,
    draws_labels,
    follow_reader_language,
    forced_language_of,
    language,
    make_translator,
    merge_strings,
    plot_language,
    plot_text,
    reader_language,
    reading_in,
    say,
)

# Event settings of everything that runs a UNet: one at a time on the whole server (2 cores, one model at a time).
MODEL_LANE: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": 1}


@dataclass(frozen=True)
class PanelContext:
    """What a panel's ``build`` is given by the app.

    Attributes:
        page: the Blocks (the main page, or a panel's own route) whose ``load`` event fills the panel.
        tabbed: the panel is one tab of the main page (True) or alone on its route, e.g. in a blog's iframe
            (False): alone, its explanation and secondary settings fold away and a link may set its controls.
        public: its endpoints are offered to API clients and MCP under their names (the tabbed copy); the route's
            copy keeps them private, named with a "_page" suffix.
        session_model: the visitor's own model on this page (a ``panels.models.ModelChoice`` or None), shared by
            the page's panels: Training puts the model it fine-tuned there, Reverse samples from it.
    """

    page: gr.Blocks
    tabbed: bool
    public: bool
    session_model: gr.State

    @property
    def visibility(self) -> str:
        """``api_visibility`` of the panel's endpoints."""
        return "public" if self.public else "private"

    @property
    def suffix(self) -> str:
        """What names on the route's copy end with ("_page"; nothing on the tabbed page): endpoints and element
        ids are unique per app."""
        return "" if self.public else "_page"

    def api_name(self, name: str) -> str:
        """An endpoint's name on this page."""
        return name + self.suffix


def session_state() -> gr.State:
    """A page's shared session state (``PanelContext.session_model``): kept 30 minutes after its last update
    (a fine-tuned model is ~31 MB)."""
    return gr.State(None, time_to_live=1800)


EXAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
# the images the panels offer as examples: the one the bundled model learned, and one it never saw
EXAMPLES = [os.path.join(EXAMPLES_DIR, n) for n in ("grace_hopper.jpg", "shapes.png")]


OUTPUT_DIR = os.path.join(tempfile.gettempdir(), "diffusion-first-principles")
OUTPUT_MAX_AGE_S = 3600


def output_path(suffix: str) -> str:
    """A fresh file path for a generated file (GIF, MP4, zip), pruning files older than an hour.

    Gradio copies returned files into its own cache, so ours only need to live until the response.
    """
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    now = time.time()
    for name in os.listdir(OUTPUT_DIR):
        path = os.path.join(OUTPUT_DIR, name)
        try:
            if now - os.path.getmtime(path) > OUTPUT_MAX_AGE_S:
                os.remove(path)
        except OSError:
            pass  # another request removed it first
    return os.path.join(OUTPUT_DIR, f"{uuid.uuid4().hex}{suffix}")


KEPT_DIR = os.path.join(OUTPUT_DIR, "kept")  # not pruned: files of results cached for the whole process


def keep_file(path: str | None) -> str | None:
    """Move a generated file out of the hourly pruning, for a result served from a cache for hours."""
    if path is None:
        return None
    os.makedirs(KEPT_DIR, exist_ok=True)
    kept = os.path.join(KEPT_DIR, os.path.basename(path))
    os.replace(path, kept)
    return kept


def no_progress(*args: Any, **kwargs: Any) -> None:
    """A stand-in for ``gr.Progress`` when a handler runs outside an event (a default computed once)."""


STREAM_INTERVAL_S = 0.2  # a sampler's stream: at most one picture this often (the browser cannot show more)


def streamed_steps(
    stream: Iterator[Any], steps: int, progress: Any, step_text: Callable[[int], str]
) -> Iterator[tuple[Any, str | None]]:
    """A sampler's ``Progress`` stream as a handler streams it: every step as (progress, status), status None
    except on the first step and then at most every ``STREAM_INTERVAL_S`` (never on the last: the handler's
    final result follows); Gradio's progress bar follows each streamed step, and heavy loops step aside here."""
    t0, last = time.perf_counter(), -1.0
    for p in stream:
        priority.step_aside()
        now = time.perf_counter() - t0
        status = None
        if p.i < steps - 1 and (p.i == 0 or now - last >= STREAM_INTERVAL_S):
            last = now
            step = step_text(p.i + 1)
            progress((p.i + 1) / steps, desc=step)
            status = f"{step} · t = {p.t} · {now:.1f} s"
        yield p, status


DEFAULTS: list[Callable[[], Any]] = []  # every panel's default result, for app.py to compute ahead of visitors


def default_result(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Decorator: ``fn`` (a deterministic, seeded request with the panel's defaults) computed once per process
    and language, by whichever caller comes first (the others wait for it), and listed in ``DEFAULTS``."""
    lock, box = threading.Lock(), {}

    @functools.wraps(fn)
    def once() -> Any:
        lang = reader_language()  # server text and plots are made in the reader's language: one result per language
        with lock:
            if lang not in box:
                # computed for every visitor: the page that asked first going away does not stop it
                with reading_in(lang), priority.uncancellable():
                    box[lang] = gradio_fixes.unchanging(fn())  # served to every visitor: its images encoded once
        return box[lang]

    DEFAULTS.append(once)
    return once


class Remembered:
    """A small least-recently-used store of results that can be recomputed (emptied first when memory runs low)."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.store: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()
        memory.RELEASERS.insert(0, self.clear)

    def get(self, key: Any) -> Any:
        with self.lock:
            if key in self.store:
                self.store.move_to_end(key)
                return self.store[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.store[key] = value
            while len(self.store) > self.max_size:
                self.store.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.store.clear()


def memo(max_size: int = 64) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: answer a deterministic (seeded) handler's repeated requests from memory, least recently used
    first out. Keyed on the content of the arguments (``gradio.caching.cache_hash``: tables, numbers, file paths;
    an upload's path names its content). Errors are not remembered. Identical requests that arrive while the first
    is being computed wait for it instead of computing it again (a crowd sending the same seeded request at once).

    (``gr.cache`` would also skip the queue, but it runs the inputs' preprocessing while the request joins the
    queue, so a value our checks reject becomes an HTTP 500 instead of a message.)
    """
    from gradio.caching import cache_hash

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        store = Remembered(max_size)
        computing: dict[str, threading.Event] = {}  # keys being computed -> set when that computation ends
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args: Any) -> Any:
            key = cache_hash([reader_language(), *args])  # the answer's text and plots are in the reader's language
            while True:
                with lock:
                    if (kept := store.get(key)) is not None:
                        return kept
                    first = computing.get(key)
                    if first is None:
                        computing[key] = threading.Event()
                        break
                first.wait()  # then look again: an error is not stored, so one of the waiters computes it
            try:
                result = gradio_fixes.unchanging(fn(*args))  # served again: its images encoded once
                store.put(key, result)
                return result
            finally:
                with lock:
                    computing.pop(key).set()

        return wrapper

    return decorator


def url_params(ctx: PanelContext, names: str, *components: Any) -> None:
    """Let the link of the panel's own route set these components' starting values (``/markov?seed=7``): each of
    ``names`` (space-separated, one per component) becomes the class ``url-<name>`` that ``panels.embed`` looks
    for. On the tabbed main page nothing is marked: several panels there share names like seed."""
    if not ctx.tabbed:
        for name, component in zip(names.split(), components, strict=True):
            component.elem_classes = [*(component.elem_classes or []), f"url-{name}"]


COMMON_STRINGS: Strings = {
    "en": {"common.intro": "About this concept", "common.more": "More settings"},
    "zh": {"common.intro": "关于这个概念", "common.more": "更多设置"},
}


def more_settings(ctx: PanelContext) -> Any:
    """Where a panel's secondary controls go: in line on the tabbed page; folded on the panel's own route (an
    embed), so that its main button comes sooner (a link may still set them)."""
    return contextlib.nullcontext() if ctx.tabbed else gr.Accordion(I18nData("common.more"), open=False)


_INTRO_PARTS: Strings = {lang: {} for lang in LANGUAGES}  # "<key>.title" / "<key>.body" of folded intros


def intro(ctx: PanelContext, strings: Strings, key: str) -> None:
    """A panel's opening explanation (``key``: "## Title\\nbody"): in full on the tabbed page; on the panel's own
    route (an embed, whose post already tells the story) its title, with the body folded away, so that the
    controls and their first result come sooner."""
    if ctx.tabbed:
        gr.Markdown(I18nData(key))
        return
    for lang in LANGUAGES:
        title, _, body = strings[lang][key].partition("\n")
        _INTRO_PARTS[lang].update({f"{key}.title": title, f"{key}.body": body})
    gr.Markdown(I18nData(f"{key}.title"))
    with gr.Accordion(I18nData("common.intro"), open=False):
        gr.Markdown(I18nData(f"{key}.body"))


def common_strings() -> Strings:
    """The strings of these helpers, for the app's ``gr.I18n`` (complete once the pages are built)."""
    return {lang: {**COMMON_STRINGS[lang], **_INTRO_PARTS[lang]} for lang in LANGUAGES}


def experiment_in_url(request: gr.Request | None, components: list[Any]) -> bool:
    """Whether the page's link sets any of these components (those marked by ``url_params``)."""
    from panels.embed import url_name

    names = {url_name({"elem_classes": getattr(c, "elem_classes", None)}) for c in components} - {None}
    query = dict(getattr(request, "query_params", None) or {}) if request is not None else {}
    return bool(names & set(query))


def run_if_experiment(
    page: gr.Blocks, run: Callable[..., Any], inputs: list[Any], outputs: list[Any], **lane: Any
) -> None:
    """When the page's link sets an experiment, compute it once the page opens (outputs whose first value was
    made with the default settings would otherwise sit beside other settings)."""

    def first(request: gr.Request, *values: Any) -> Iterator[Any]:
        if experiment_in_url(request, inputs):
            result = run(*values)
            yield from (result if inspect.isgenerator(result) else [result])
        else:
            yield tuple(gr.skip() for _ in outputs) if len(outputs) > 1 else gr.skip()

    page.load(first, inputs, outputs, api_visibility="private", show_progress="minimal", **lane)


def show_default(
    page: gr.Blocks,
    fn: Callable[[], Any],
    outputs: list[Any],
    run: Callable[..., Any] | None = None,
    inputs: list[Any] | None = None,
    **lane: Any,
) -> None:
    """Fill ``outputs`` with a panel's default result when a visitor opens the page (served from the cache after
    the first time: no empty output boxes before the first click). When the page's link sets an experiment
    (``panels.embed``: one of ``inputs``), ``run`` computes that one from ``inputs`` instead (without ``run``,
    the outputs stay empty rather than show the defaults' result beside other settings)."""

    takes_request = bool(inspect.signature(fn).parameters)

    def first(request: gr.Request, *values: Any) -> Iterator[Any]:
        if not experiment_in_url(request, inputs or []):
            yield fn(request) if takes_request else fn()
        elif run is not None:
            result = run(*values)
            if inspect.isgenerator(result):
                yield from result
            else:
                yield result
        else:
            yield tuple(gr.skip() for _ in outputs) if len(outputs) > 1 else gr.skip()

    page.load(first, inputs or [], outputs, api_visibility="private", show_progress="minimal", **lane)
