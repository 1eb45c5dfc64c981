"""One way to check what a visitor sends: the limits of ``diffusion.limits``, and messages in the reader's language.

A number field is a ``components.Slider`` or ``components.Number`` built from a ``Limit``: the slider offers the
limit's range, and every value sent is checked with the same limit. A value a field cannot take (out of range, not
a number; an upload that is not an image) is handed on as a ``Refused``; ``validate_every_event`` gives every event
with such a field a ``validator`` that says it at the field before anything is queued (the last results stay), waits
quietly while a box is emptied to be retyped, and makes the handler refuse it where no validator runs (MCP). Handlers
check what has no component with ``check``, choices with ``as_choice``, and wrap library calls in ``user_errors``:
the library raises ``ValueError`` (``LimitError`` for a limit) in English, the visitor reads it in their language.
"""

from __future__ import annotations

import functools
import inspect
import json
import pathlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr

from diffusion import limits
from diffusion.limits import Limit, LimitError
from panels.i18n import Strings, fired_on_page, reader_language, say

# The checkers' messages in both languages (English: the library's own ``limits.MESSAGES``), and the field names
# the panels and the library give them (one table: a test checks that every field name has its Chinese name here).
CHECKS: Strings = {
    "en": {
        **limits.MESSAGES,
        "choice": "{name} must be one of {choices}, got {value!r}.",
        "text": "{name} must be text, got {value!r}.",
        "not_arrived": "The image did not arrive: upload it again.",
        "not_uploaded": "Only uploaded files can be used: upload the image (the API's handle_file does this).",
    },
    "zh": {
        "number": "{name} 必须是 {lo} 到 {hi} 之间的数,收到的是 {value!r}。",
        "range": "{name} 必须在 {lo} 到 {hi} 之间,收到的是 {value!r}。",
        "whole": "{name} 必须是整数,收到的是 {value!r}。",
        "choice": "{name} 必须是 {choices} 之一,收到的是 {value!r}。",
        "text": "{name} 必须是文字,收到的是 {value!r}。",
        "not_arrived": "图像没有传到:请重新上传。",
        "not_uploaded": "只能使用上传的文件:请上传图像(API 的 handle_file 会这样做)。",
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
    "Probability": "概率",
    "Temperature": "温度",
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
    "Which 4 fresh digits (a seed)": "选哪 4 个全新数字(一个种子)",
    "Scenario": "场景",
    "Schedule": "调度",
    "Weights": "权重",
    "Prompt": "提示词",
    "Negative prompt": "反向提示词",
    "Second prompt": "第二个提示词",
    "Which fresh scene (a seed)": "选哪个全新场景(一个种子)",
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
    if (lang or reader_language()) != "zh":
        return message
    for pattern, text in LIBRARY_ZH:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, text, message, flags=re.S)
    return message


def limit_error(exc: LimitError) -> gr.Error:
    """A ``LimitError`` as the visitor reads it: the field's name and the message in their language."""
    return check_error(exc.kind, exc.name, lo=limits.shown(exc.lo), hi=limits.shown(exc.hi), value=exc.value)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's ``ValueError`` (bad user input) into a ``gr.Error`` for the UI, in the reader's
    language."""
    try:
        yield
    except LimitError as exc:
        raise limit_error(exc) from None
    except ValueError as exc:
        raise gr.Error(translated(str(exc))) from None


def check(limit: Limit, value: Any) -> Any:
    """``value`` within ``limit`` (an int for a whole-number limit), or a ``gr.Error`` naming the field and range."""
    try:
        return limit.check(value)
    except LimitError as exc:
        raise limit_error(exc) from None


def as_choice(value: Any, name: str, choices: dict[str, Any]) -> Any:
    """Map a dropdown/radio value to its meaning, or raise ``gr.Error`` listing the choices."""
    if not isinstance(value, str) or value not in choices:
        raise check_error("choice", name, choices=", ".join(choices), value=value)
    return choices[value]


class Refused:
    """What a limited number field hands on instead of a value it refuses: ``message`` names the field and its
    range in the reader's language; ``quiet`` when there is no value yet (a box cleared to retype a number), which
    is waited for, not reported."""

    __slots__ = ("message", "quiet")

    def __init__(self, message: str, quiet: bool = False) -> None:
        self.message, self.quiet = message, quiet

    def __repr__(self) -> str:
        return f"Refused({self.message!r}, quiet={self.quiet})"


def refuse(limit: Limit, value: Any) -> Any:
    """``value`` within ``limit`` (as ``check``), or a ``Refused`` saying why (quiet for an empty field)."""
    try:
        return check(limit, value)
    except gr.Error as exc:
        # a box emptied on the page is a number being retyped: waited for; an API call is told
        return Refused(str(exc.message), quiet=(value is None or value == "") and fired_on_page())


def validator(*checks: Callable[[Any], Any] | None) -> Callable[..., list[dict[str, Any]]]:
    """An event's ``validator=``: input i is refused when its field refused it (a ``Refused``), or else when
    ``checks[i]`` (None: not checked) raises ``gr.Error`` for it. Gradio runs it before queueing the event; a
    refusal shows its message at the input and leaves the outputs as they were (an error raised by the handler
    would replace them with error badges); a quiet refusal (a number box emptied on the page) shows nothing and
    runs nothing. API clients get the messages as a validation error (HTTP 422). ``validate_every_event`` gives
    every event with a number field one."""

    def validate(*values: Any) -> list[dict[str, Any]]:
        verdicts = []
        for check_value, value in zip(checks, values, strict=True):
            try:
                if isinstance(value, Refused):
                    raise gr.Error("" if value.quiet else value.message)
                if check_value is not None:
                    check_value(value)
                verdicts.append(gr.validate(True, ""))
            except gr.Error as exc:
                verdicts.append(gr.validate(False, str(exc.message)))
        return verdicts

    validate.ours = True  # type: ignore[attr-defined]
    return validate


def refusing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` that first raises the ``gr.Error`` of any ``Refused`` argument: what reaches a handler without its
    event's validator (an MCP call, an event outside the queue). Keeps ``fn``'s kind (function, generator, async)
    and signature (Gradio reads both)."""

    def raise_refused(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, Refused):
                raise gr.Error(value.message)

    if inspect.isasyncgenfunction(fn):

        async def wrapped(*args: Any, **kwargs: Any) -> Any:
            raise_refused(args, kwargs)
            async for item in fn(*args, **kwargs):
                yield item

    elif inspect.isgeneratorfunction(fn):

        def wrapped(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            raise_refused(args, kwargs)
            return (yield from fn(*args, **kwargs))

    elif inspect.iscoroutinefunction(fn):

        async def wrapped(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            raise_refused(args, kwargs)
            return await fn(*args, **kwargs)

    else:

        def wrapped(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            raise_refused(args, kwargs)
            return fn(*args, **kwargs)

    return functools.wraps(fn)(wrapped)


def validate_every_event(demo: gr.Blocks) -> int:
    """One rule for every field that refuses what it cannot take (a number field built from a ``Limit``, an image
    upload: components with ``refuses = True``, whose preprocessing hands on a ``Refused``): each event with one
    among its inputs is checked by a ``validator`` (its own, from ``validator``, or one that checks only the
    fields), and its handler refuses what reaches it without one. Returns how many events it covered."""
    covered = 0
    for block_fn in demo.fns.values():
        if block_fn.fn is None or getattr(block_fn.fn, "refusing", False):
            continue
        if not any(getattr(block, "refuses", False) for block in block_fn.inputs):
            continue
        if block_fn.validator is None:
            # an event without preprocessing (its handler reads the values as sent) gets them unchecked: its
            # validator checks the number fields itself
            raw = [getattr(b, "limit", None) if not block_fn.preprocess else None for b in block_fn.inputs]
            block_fn.validator = validator(*(_field_check(limit) if limit else None for limit in raw))
        elif not getattr(block_fn.validator, "ours", False):
            raise TypeError(f"{block_fn.api_name}: build its validator with panels.checks.validator")
        block_fn.fn = refusing(block_fn.fn)
        block_fn.fn.refusing = True  # type: ignore[attr-defined]
        covered += 1
    return covered


def _field_check(limit: Limit) -> Callable[[Any], None]:
    """A validator's check of a value sent unprocessed, by the rule of a field built from ``limit``."""

    def check_field(value: Any) -> None:
        verdict = refuse(limit, value)
        if isinstance(verdict, Refused):
            raise gr.Error("" if verdict.quiet else verdict.message)

    return check_field


def as_seed(value: Any) -> int:
    """A random seed: a whole number in [0, 2**32 - 1]."""
    return check(limits.SEED, value)
