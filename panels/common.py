"""Helpers shared by the panels: translations, input checking, user-facing errors.

Everything a visitor (or an API client bypassing the sliders) sends goes through one of the
``as_*`` checkers, which raise ``gr.Error`` with a message that names the field and its limits.
"""

from __future__ import annotations

import functools
import math
import os
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

    query = dict(getattr(request, "query_params", None) or {})
    referer = (request.headers or {}).get("referer", "")
    forced = query.get("lang") or parse_qs(urlsplit(referer).query).get("lang", [""])[0]
    if forced in LANGUAGES:
        return forced
    preferred = (request.headers or {}).get("accept-language", "").split(",")[0].strip().lower()
    return "zh" if preferred.startswith("zh") else "en"


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


def plot_language(request: gr.Request | None) -> str:
    """The language for a plot's labels: the reader's, or English when no Chinese font is installed (boxes
    instead of characters would help nobody)."""
    lang = language(request)
    return lang if lang == "en" or cjk_font() else "en"


def say(strings: Strings, key: str, lang: str, **values: Any) -> str:
    """A panel's server-side text in ``lang`` (English when missing), with ``values`` filled in."""
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


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's ``ValueError`` (bad user input) into a ``gr.Error`` for the UI."""
    try:
        yield
    except ValueError as exc:
        raise gr.Error(str(exc)) from None


def as_float(value: Any, name: str, lo: float, hi: float) -> float:
    """Parse a finite number in [lo, hi] or raise ``gr.Error`` naming the field and range."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"{name} must be a number between {lo:g} and {hi:g}, got {value!r}.") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise gr.Error(f"{name} must be between {lo:g} and {hi:g}, got {value!r}.")
    return x


def as_int(value: Any, name: str, lo: int, hi: int) -> int:
    """Parse a whole number in [lo, hi] (5.0 is accepted, 5.5 is not)."""
    x = as_float(value, name, lo, hi)
    if x != int(x):
        raise gr.Error(f"{name} must be a whole number, got {value!r}.")
    return int(x)


def as_choice(value: Any, name: str, choices: dict[str, Any]) -> Any:
    """Map a dropdown/radio value to its meaning, or raise ``gr.Error`` listing the choices."""
    if not isinstance(value, str) or value not in choices:
        raise gr.Error(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
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


class Plot(gr.Plot):
    """A ``gr.Plot`` that encodes each figure once: a figure served again (from ``gr.cache`` or a default
    result) reuses its PNG instead of paying matplotlib's savefig again (about 0.25 s a figure on 2 cores)."""

    def postprocess(self, value: Any) -> Any:
        try:
            with _ENCODE_LOCK:
                hit = _ENCODED.get(value)
        except TypeError:  # not weak-referenceable (None, a plotly dict, ...)
            return super().postprocess(value)
        if hit is None:
            hit = super().postprocess(value)
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
    """Decorator: ``fn`` (a deterministic, seeded request with the panel's defaults) computed once per process,
    by whichever caller comes first (the others wait for it), and listed in ``DEFAULTS``."""
    lock, box = threading.Lock(), []

    @functools.wraps(fn)
    def once() -> Any:
        with lock:
            if not box:
                box.append(fn())
        return box[0]

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
            key = cache_hash(list(args))
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


def show_default(page: gr.Blocks, fn: Callable[[], Any], outputs: list[Any], **lane: Any) -> None:
    """Fill ``outputs`` with a panel's default result when a visitor opens the page (served from the cache after
    the first time: no empty output boxes before the first click)."""
    page.load(fn, None, outputs, api_visibility="private", show_progress="minimal", **lane)


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
