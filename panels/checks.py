"""One way to check what a visitor sends: the limits of ``diffusion.limits``, and messages in the reader's language.

A number field is a ``components.Slider`` or ``components.Number`` built from a ``Limit``: the slider offers the
limit's range and its API values are checked with the same limit. Handlers check what has no component (or what
arrives unprocessed) with ``check``, choices with ``as_choice``, and wrap library calls in ``user_errors``: the
library raises ``ValueError`` (``LimitError`` for a limit) in English, the visitor reads it in their language.
"""

from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr

from diffusion import limits
from diffusion.limits import Limit, LimitError
from panels.i18n import Strings, reader_language, say

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


def validator(*checks: Callable[[Any], Any] | None) -> Callable[..., list[dict[str, Any]]]:
    """An event's ``validator=``: ``checks[i]`` checks input i (None: not checked) as the handler would, raising
    ``gr.Error``. Gradio runs it before queueing the event; a refusal shows its message at the input and leaves
    the outputs as they were (an error raised by the handler would replace them with error badges). API clients
    get the messages as a validation error (HTTP 422)."""

    def validate(*values: Any) -> list[dict[str, Any]]:
        verdicts = []
        for check_value, value in zip(checks, values, strict=True):
            try:
                if check_value is not None:
                    check_value(value)
                verdicts.append(gr.validate(True, ""))
            except gr.Error as exc:
                verdicts.append(gr.validate(False, str(exc.message)))
        return verdicts

    return validate


def as_seed(value: Any) -> int:
    """A random seed: a whole number in [0, 2**32 - 1]."""
    return check(limits.SEED, value)
