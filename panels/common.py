"""Helpers shared by the panels: translations, input checking, user-facing errors.

Everything a visitor (or an API client bypassing the sliders) sends goes through one of the
``as_*`` checkers, which raise ``gr.Error`` with a message that names the field and its limits.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import json
import math
import os
import pathlib
import tempfile
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr
from gradio.components.plot import PlotData
from gradio.i18n import I18nData

Strings = dict[str, dict[str, str]]  # {"en": {key: text}, "zh": {key: text}}
# Event settings of everything that runs a UNet: one at a time on the whole server (2 cores, one model at a time).
MODEL_LANE: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": 1}
LANGUAGES = ("en", "zh")
# Plots are drawn on the server: Chinese labels need a CJK font (packages.txt installs this one on a Space).
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")


def merge_strings(*tables: Strings) -> Strings:
    """One panel's string table made of its sections' tables (keys must not collide: ``build_i18n`` checks)."""
    return {lang: {k: v for table in tables for k, v in table[lang].items()} for lang in LANGUAGES}


def make_translator(strings: Strings) -> Callable[[str], I18nData]:
    """Return ``t(key)`` for one panel's string table; unknown keys fail at build time."""
    missing = set(strings["en"]) ^ set(strings["zh"])
    if missing:
        raise KeyError(f"Keys not translated in both languages: {sorted(missing)}")

    def t(key: str) -> I18nData:
        if key not in strings["en"]:
            raise KeyError(f"Unknown translation key {key!r}")
        return I18nData(key)

    return t


def language(request: gr.Request | None) -> str:
    """The reader's language for text made on the server (plot labels, statuses): ``?lang=zh|en`` on the page
    (an embed can force it), else the browser's first preference; English for anything else."""
    if request is None:
        return "en"
    from urllib.parse import parse_qs, urlsplit

    from panels.embed import forced_language

    query = dict(getattr(request, "query_params", None) or {})
    referer = (request.headers or {}).get("referer", "")
    forced = forced_language(query) or forced_language({k: v[0] for k, v in parse_qs(urlsplit(referer).query).items()})
    if forced:
        return forced
    preferred = (request.headers or {}).get("accept-language", "").split(",")[0].strip().lower()
    return "zh" if preferred.startswith("zh") else "en"


def forced_language_of(request: gr.Request | None) -> str | None:
    """The language the page's link forces (``?lang=``), or None."""
    from panels.embed import forced_language

    return forced_language(dict(getattr(request, "query_params", None) or {})) if request is not None else None


_READER: contextvars.ContextVar[str | None] = contextvars.ContextVar("reader_language", default=None)


def reader_language() -> str:
    """The language of the visitor whose event is running (``follow_reader_language``), English outside one."""
    return _READER.get() or "en"


@contextmanager
def reading_in(lang: str) -> Iterator[None]:
    """Make ``lang`` the reader's language for the code inside (a default result computed ahead of visitors)."""
    token = _READER.set(lang)
    try:
        yield
    finally:
        _READER.reset(token)


def follow_reader_language(demo: gr.Blocks) -> None:
    """Run every event of ``demo`` with its visitor's language as ``reader_language()``: its preprocessing (our
    checks' messages), its handler and its postprocessing. Gradio runs all three inside ``Blocks.process_api``
    (sync parts in worker threads, which inherit the context), once per streamed step of a generator."""
    original = demo.process_api

    async def process_api(*args: Any, **kwargs: Any) -> Any:
        request = kwargs.get("request")
        if isinstance(request, list):  # a batched event: its requests share a page
            request = request[0] if request else None
        with reading_in(language(request)):
            return await original(*args, **kwargs)

    demo.process_api = process_api  # type: ignore[method-assign]


class ReaderLanguage:
    """A stand-in for ``gr.Request`` when server text is made ahead of any visitor (a default result computed
    once per language): it only carries the language."""

    def __init__(self, lang: str) -> None:
        self.headers = {"accept-language": lang}
        self.query_params = {"lang": lang}


@functools.cache
def cjk_font() -> str | None:
    """A font matplotlib can draw Chinese with (the first of ``CJK_FONTS`` installed), or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found:
        import matplotlib

        # DejaVu Sans first (Latin, Greek, maths), the CJK font for what it lacks: matplotlib falls back glyph by
        # glyph along the named families of font.family (not along the generic sans-serif list)
        matplotlib.rcParams["font.family"] = ["DejaVu Sans", found]
    return found


def plot_text(zh: dict[str, str]) -> Callable[[str], str]:
    """``_(text)`` for a plots module: its English text, or the Chinese of ``zh`` when the reader reads Chinese
    and a Chinese font is installed (``zh`` is keyed by the English text; a test checks that every ``_()`` text
    of every plots module has its entry)."""

    cjk_font()  # now, not at the first Chinese text: a figure's text objects keep the fonts of their creation

    def _(text: str) -> str:
        return zh.get(text, text) if plot_language(None) == "zh" else text

    return _


def plot_language(request: gr.Request | None) -> str:
    """The language for a plot's labels: the reader's, or English when no Chinese font is installed (boxes
    instead of characters would help nobody)."""
    lang = language(request) if request is not None else reader_language()
    return lang if lang == "en" or cjk_font() else "en"


def say(strings: Strings, key: str, lang: str | None = None, **values: Any) -> str:
    """A panel's server-side text in ``lang`` (the reader's by default; English when missing), with ``values``
    filled in."""
    lang = lang or reader_language()
    text = strings.get(lang, {}).get(key) or strings["en"][key]
    return text.format(**values) if values else text


def build_i18n(*tables: Strings) -> gr.I18n:
    """Merge the panels' string tables into one ``gr.I18n`` (keys must not collide)."""
    merged: Strings = {lang: {} for lang in LANGUAGES}
    for table in tables:
        for lang in LANGUAGES:
            clash = set(merged[lang]) & set(table[lang])
            if clash:
                raise KeyError(f"Translation keys defined twice: {sorted(clash)}")
            merged[lang].update(table[lang])
    return gr.I18n(**merged)


# The checkers' messages, and the field names the panels give them, in both languages (one table: a test checks
# that every field name a panel passes has its Chinese name here).
CHECKS: Strings = {
    "en": {
        "number": "{name} must be a number between {lo:g} and {hi:g}, got {value!r}.",
        "range": "{name} must be between {lo:g} and {hi:g}, got {value!r}.",
        "whole": "{name} must be a whole number, got {value!r}.",
        "choice": "{name} must be one of {choices}, got {value!r}.",
    },
    "zh": {
        "number": "{name} 必须是 {lo:g} 到 {hi:g} 之间的数,收到的是 {value!r}。",
        "range": "{name} 必须在 {lo:g} 到 {hi:g} 之间,收到的是 {value!r}。",
        "whole": "{name} 必须是整数,收到的是 {value!r}。",
        "choice": "{name} 必须是 {choices} 之一,收到的是 {value!r}。",
    },
}
FIELD_NAMES_ZH = {
    "Batch size": "批大小",
    "Batch": "批次",
    "Colour": "颜色",
    "Comparison": "对比",
    "Duration (s)": "时长(秒)",
    "EMA decay": "EMA 衰减",
    "Guidance": "引导强度",
    "Guidance w": "引导强度 w",
    "Inversion steps": "反演步数",
    "Learning rate": "学习率",
    "Mix": "混合比例",
    "Mix seed": "混合种子",
    "Network": "网络",
    "Number of chains": "链的数量",
    "Number of points": "点数",
    "Number of states": "状态数",
    "Number of steps": "步数",
    "Objective": "训练目标",
    "Optimiser": "优化器",
    "P(Rainy → Sunny)": "P(雨 → 晴)",
    "P(Sunny → Rainy)": "P(晴 → 雨)",
    "Particles": "粒子数",
    "Prediction": "预测目标",
    "Preview every": "预览间隔",
    "Sampler": "采样器",
    "Sampling steps": "采样步数",
    "Seed": "随机种子",
    "Size": "尺寸",
    "Skip ahead (s)": "跳过(秒)",
    "Start from": "起点",
    "Start state": "起始状态",
    "Starting values": "起始值",
    "Steps": "步数",
    "T": "T",
    "Time s": "时间 s",
    "Timestep t": "时间步 t",
    "Training steps": "训练步数",
    "eta": "eta",
    "x": "x",
    "y": "y",
    "β": "β",
    "beta_start": "起始 β",
    "beta_end": "结束 β",
    "Digit": "数字",
    "Digits": "数字",
    "Scenario": "场景",
    "Schedule": "调度",
    "Weights": "权重",
}


def field(name: str) -> str:
    """A field's name in the reader's language."""
    return FIELD_NAMES_ZH.get(name, name) if reader_language() == "zh" else name


def check_error(key: str, name: str, **values: Any) -> gr.Error:
    """A checker's message for field ``name``, in the reader's language."""
    return gr.Error(say(CHECKS, key, name=field(name), **values))


# Messages of the library (English: it knows no reader) that visitors meet, in Chinese (library_zh.json: a regular
# expression and its text, which may use the expression's groups).
LIBRARY_ZH: list[tuple[str, str]] = [
    (entry["pattern"], entry["zh"])
    for entry in json.loads((pathlib.Path(__file__).parent / "library_zh.json").read_text(encoding="utf-8"))
]


def translated(message: str, lang: str | None = None) -> str:
    """A library message in the reader's language (as is when it has no translation)."""
    import re

    if (lang or reader_language()) != "zh":
        return message
    for pattern, text in LIBRARY_ZH:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, text, message, flags=re.S)
    return message


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's ``ValueError`` (bad user input) into a ``gr.Error`` for the UI, in the reader's
    language."""
    try:
        yield
    except ValueError as exc:
        raise gr.Error(translated(str(exc))) from None


def as_float(value: Any, name: str, lo: float, hi: float) -> float:
    """Parse a finite number in [lo, hi] or raise ``gr.Error`` naming the field and range."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise check_error("number", name, lo=lo, hi=hi, value=value) from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise check_error("range", name, lo=lo, hi=hi, value=value)
    return x


def as_int(value: Any, name: str, lo: int, hi: int) -> int:
    """Parse a whole number in [lo, hi] (5.0 is accepted, 5.5 is not)."""
    x = as_float(value, name, lo, hi)
    if x != int(x):
        raise check_error("whole", name, value=value)
    return int(x)


def as_choice(value: Any, name: str, choices: dict[str, Any]) -> Any:
    """Map a dropdown/radio value to its meaning, or raise ``gr.Error`` listing the choices."""
    if not isinstance(value, str) or value not in choices:
        raise check_error("choice", name, choices=", ".join(choices), value=value)
    return choices[value]


def as_seed(value: Any) -> int:
    """A random seed: a whole number in [0, 2**32 - 1]."""
    return as_int(value, "Seed", 0, 2**32 - 1)


EXAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
# the images the panels offer as examples: the one the bundled model learned, and one it never saw
EXAMPLES = [os.path.join(EXAMPLES_DIR, n) for n in ("grace_hopper.jpg", "shapes.png")]


class _Template:
    """Mixin for a Gradio component subclass that the browser draws as its Gradio base class.

    The frontend picks its component by block name, and the config is read off ``__init__``'s signature:
    both come from the Gradio base class (ours take ``**kwargs``).
    """

    is_template = True

    def _gradio_base(self) -> type:
        return next(c for c in type(self).__mro__ if c.__module__.startswith("gradio."))

    def get_block_name(self) -> str:
        return self._gradio_base().__name__.lower()

    def get_config(self, cls: type | None = None) -> dict[str, Any]:
        return super().get_config(cls or self._gradio_base())  # type: ignore[misc]


_ENCODED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # figure -> its encoded PNG, while it lives
_ENCODE_LOCK = threading.Lock()


class DescribedPlotData(PlotData):
    """A matplotlib figure's PNG with its description: the browser's plot shows ``chart`` as its alt text."""

    chart: str


def describe_figure(figure: Any) -> str:
    """What a figure shows, for its alt text: its titles (or, without any, its axis labels), in the language they
    were drawn in."""
    parts = []
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    for ax in figure.get_axes():
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
        labels = " / ".join(t for t in (ax.get_ylabel(), ax.get_xlabel()) if t)
        if title or labels:
            parts.append(title or labels)
    unique = list(dict.fromkeys(p.replace("\n", " ") for p in parts))
    return " · ".join(unique[:6]) or "chart"


class Plot(gr.Plot):
    """A ``gr.Plot`` that encodes each figure once: a figure served again (from ``gr.cache`` or a default
    result) reuses its PNG instead of paying matplotlib's savefig again (about 0.25 s a figure on 2 cores).
    Each PNG carries the figure's description (``describe_figure``): the page shows it as the image's alt text."""

    def postprocess(self, value: Any) -> Any:
        try:
            with _ENCODE_LOCK:
                hit = _ENCODED.get(value)
        except TypeError:  # not weak-referenceable (None, a plotly dict, ...)
            return super().postprocess(value)
        if hit is None:
            hit = super().postprocess(value)
            if isinstance(hit, PlotData) and hit.type == "matplotlib":
                hit = DescribedPlotData(type=hit.type, plot=hit.plot, chart=describe_figure(value))
            with _ENCODE_LOCK:
                _ENCODED[value] = hit
        return hit


class _NamedNumber(_Template):
    """Checks API values itself, naming the field: Gradio's check says "Value 5000 is greater than maximum
    value 4000." without saying which field, and a non-number fails with no message at all."""

    field_name: str
    integer: bool

    def preprocess(self, payload: Any) -> float | int:
        check = as_int if self.integer else as_float
        return check(payload, self.field_name, self.minimum, self.maximum)  # type: ignore[attr-defined]


class Slider(_NamedNumber, gr.Slider):
    """A ``gr.Slider`` whose API values are checked with a message that names the field."""

    def __init__(self, minimum: float, maximum: float, value: float, *, name: str, integer: bool = False, **kwargs):
        self.field_name, self.integer = name, integer
        super().__init__(minimum, maximum, value, **kwargs)


class Number(_NamedNumber, gr.Number):
    """A ``gr.Number`` checked like ``Slider`` (whole numbers when ``integer``)."""

    def __init__(self, value: float, *, name: str, minimum: float, maximum: float, integer: bool = True, **kwargs):
        self.field_name, self.integer = name, integer
        super().__init__(value, minimum=minimum, maximum=maximum, precision=0 if integer else None, **kwargs)


class ImageInput(_Template, gr.Image):
    """A ``gr.Image`` that hands the handler the uploaded file's path without decoding it.

    Gradio's own preprocessing decodes the image with PIL (before any pixel-count check, and with an
    unhelpful error for a non-image). Here the file (already inside Gradio's upload cache) is passed on
    as is; handlers load it with ``diffusion.imaging``, which reads only the header before enforcing the
    pixel cap and turns every failure into a clear message, so it is decoded once per request.
    """

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("sources", ["upload", "clipboard"])  # no webcam: these panels want a picture file
        super().__init__(value, **kwargs)

    def preprocess(self, payload: Any) -> str | None:
        if payload is None:
            return None
        path = getattr(payload, "path", None)
        if not path:
            raise gr.Error("The image did not arrive: upload it again.")
        if not in_upload_folder(str(path)):
            # Gradio already refuses payloads naming server files ("not uploaded by a user"); this keeps the
            # guarantee local to the code that opens the file, whatever a future Gradio does.
            raise gr.Error("Only uploaded files can be used: upload the image (the API's handle_file does this).")
        return str(path)


def _in(root: str, path: str) -> bool:
    root, path = os.path.realpath(root), os.path.realpath(path)
    return os.path.commonpath([root, path]) == root


def in_upload_folder(path: str) -> bool:
    """Whether ``path`` (symlinks resolved) is inside Gradio's upload cache (GRADIO_TEMP_DIR)."""
    from gradio.utils import get_upload_folder

    return _in(get_upload_folder(), path)


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
                with reading_in(lang):
                    box[lang] = fn()
        return box[lang]

    DEFAULTS.append(once)
    return once


def memo(max_size: int = 64) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: answer a deterministic (seeded) handler's repeated requests from memory, least recently used
    first out. Keyed on the content of the arguments (``gradio.caching.cache_hash``: tables, numbers, file paths;
    an upload's path names its content). Errors are not remembered.

    (``gr.cache`` would also skip the queue, but it runs the inputs' preprocessing while the request joins the
    queue, so a value our checks reject becomes an HTTP 500 instead of a message.)
    """
    from gradio.caching import cache_hash

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        store: OrderedDict[str, Any] = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args: Any) -> Any:
            key = cache_hash([reader_language(), *args])  # the answer's text and plots are in the reader's language
            with lock:
                if key in store:
                    store.move_to_end(key)
                    return store[key]
            result = fn(*args)
            with lock:
                store[key] = result
                while len(store) > max_size:
                    store.popitem(last=False)
            return result

        wrapper.memo_store = store  # type: ignore[attr-defined]  (not `.cache`: Gradio takes that for gr.cache)
        return wrapper

    return decorator


def url_params(api: bool, names: str, *components: Any) -> None:
    """Let the link of the panel's own route set these components' starting values (``/markov?seed=7``): each of
    ``names`` (space-separated, one per component) becomes the class ``url-<name>`` that ``panels.embed`` looks
    for. On the tabbed main page (``api``) nothing is marked: several panels there share names like seed."""
    if not api:
        for name, component in zip(names.split(), components, strict=True):
            component.elem_classes = [*(component.elem_classes or []), f"url-{name}"]


COMMON_STRINGS: Strings = {
    "en": {"common.intro": "About this concept", "common.more": "More settings"},
    "zh": {"common.intro": "关于这个概念", "common.more": "更多设置"},
}


def more_settings(api: bool) -> Any:
    """Where a panel's secondary controls go: in line on the tabbed page; folded on the panel's own route (an
    embed), so that its main button comes sooner (a link may still set them)."""
    return contextlib.nullcontext() if api else gr.Accordion(I18nData("common.more"), open=False)


_INTRO_PARTS: Strings = {lang: {} for lang in LANGUAGES}  # "<key>.title" / "<key>.body" of folded intros


def intro(api: bool, strings: Strings, key: str) -> None:
    """A panel's opening explanation (``key``: "## Title\\nbody"): in full on the tabbed page; on the panel's own
    route (an embed, whose post already tells the story) its title, with the body folded away, so that the
    controls and their first result come sooner."""
    if api:
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


_SESSION_MODELS: dict[int, tuple[gr.Blocks, gr.State]] = {}


def session_model(page: gr.Blocks) -> gr.State:
    """The visitor's own model on this page (a ``ModelChoice`` or None), shared by the panels of the page:
    the training panel puts the model it fine-tuned there, the reverse panel samples from it.

    Created (invisibly) by the first panel that asks for it while ``page`` is being built.
    """
    if id(page) not in _SESSION_MODELS:
        # kept 30 minutes after its last update (a fine-tuned model is ~31 MB); the page is kept so its id is
        # never reused
        _SESSION_MODELS[id(page)] = (page, gr.State(None, time_to_live=1800))
    return _SESSION_MODELS[id(page)][1]
