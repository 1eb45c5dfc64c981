"""The app's two languages: string tables, the reader's language per event, and text made on the server.

Text the browser shows is a ``gr.I18n`` key (``make_translator``), translated by the frontend. Text made on the
server (statuses, plot labels, error messages) is made in ``reader_language()``, which
``follow_reader_language`` sets for every event from the page's ``?lang=`` or the browser's preference.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.i18n import I18nData

Strings = dict[str, dict[str, str]]  # {"en": {key: text}, "zh": {key: text}}
LANGUAGES = ("en", "zh")
# Plots are drawn on the server: Chinese labels need a CJK font (packages.txt installs this one on a Space).
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")
CJK_FILES = ("wqy", "notosanscjk", "notosanssc", "sourcehansans")  # their files' names, lower case


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
        lang = language(request)
        target = getattr(kwargs.get("event_data"), "target", None)  # the component that fired it; None for an API call
        page_token = _ON_PAGE.set(target is not None)
        try:
            with reading_in(lang):
                return await original(*args, **kwargs)
        finally:
            _ON_PAGE.reset(page_token)

    demo.process_api = process_api  # type: ignore[method-assign]


_ON_PAGE: contextvars.ContextVar[bool] = contextvars.ContextVar("fired_on_the_page", default=False)


def fired_on_page() -> bool:
    """Whether the running event was fired by a control of the page (a visitor typing), not called by an API
    client."""
    return _ON_PAGE.get()


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

    found = _installed_cjk_font(font_manager.fontManager)
    if found is None:  # installed after matplotlib cached its font list? register the files it has not seen
        found = register_cjk_files(font_manager.fontManager, font_manager.findSystemFonts())
    if found:
        import matplotlib

        # DejaVu Sans first (Latin, Greek, maths), the CJK font for what it lacks: matplotlib falls back glyph by
        # glyph along the named families of font.family (not along the generic sans-serif list)
        matplotlib.rcParams["font.family"] = ["DejaVu Sans", found]
    return found


def register_cjk_files(manager: Any, paths: list[str]) -> str | None:
    """Add the CJK font files among ``paths`` that matplotlib's font ``manager`` does not list yet (its list is
    cached on disk at first use: a font installed later is invisible to it); the CJK font it now has, or None."""
    known = {f.fname for f in manager.ttflist}
    for path in paths:
        if path not in known and any(part in Path(path).name.lower() for part in CJK_FILES):
            manager.addfont(path)
    return _installed_cjk_font(manager)


def _installed_cjk_font(manager: Any) -> str | None:
    installed = {f.name for f in manager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


_DRAWING: contextvars.ContextVar[bool] = contextvars.ContextVar("drawing_a_figure", default=False)


def draws_labels(make_figure: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a plots module's figure function: the ``_()`` texts made while it runs are drawn by matplotlib, so
    they fall back to English where no Chinese font is installed. Every other ``_()`` text (HTML, table
    headers, statuses) is in the reader's language whatever fonts there are: the browser draws it."""

    @functools.wraps(make_figure)
    def drawing(*args: Any, **kwargs: Any) -> Any:
        token = _DRAWING.set(True)
        try:
            return make_figure(*args, **kwargs)
        finally:
            _DRAWING.reset(token)

    return drawing


def plot_text(zh: dict[str, str]) -> Callable[[str], str]:
    """``_(text)`` for a plots module: its English text, or the Chinese of ``zh`` when the reader reads Chinese
    (inside a ``draws_labels`` figure function: and a Chinese font is installed). ``zh`` is keyed by the English
    text; a test checks that every ``_()`` text of every plots module has its entry."""

    cjk_font()  # now, not at the first Chinese text: a figure's text objects keep the fonts of their creation

    def _(text: str) -> str:
        lang = plot_language(None) if _DRAWING.get() else reader_language()
        return zh.get(text, text) if lang == "zh" else text

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
