"""Helpers shared by the panels: translations, input checking, user-facing errors.

Everything a visitor (or an API client bypassing the sliders) sends goes through one of the
``as_*`` checkers, which raise ``gr.Error`` with a message that names the field and its limits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr
from gradio.i18n import I18nData

Strings = dict[str, dict[str, str]]  # {"en": {key: text}, "zh": {key: text}}
LANGUAGES = ("en", "zh")


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
