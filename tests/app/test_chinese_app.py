"""A Chinese reader reads Chinese: no English word in any text the server makes for them (statuses, plots' titles,
axes and legends, captions, errors), proper names, units and symbols aside; JSON (for programs) is not read."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from matplotlib.figure import Figure

# Names (of people, models, samplers, units, libraries) read the same in a Chinese text; everything else English is
# a leftover. Lower-case entries are symbols and units.
PROPER_NAMES = """
    DDPM DDIM EMA MSE UNet CPU GPU PSNR Euler Heun Adam AdamW SGD Hub Hugging Face Grace Hopper Wasserstein Fokker
    Planck Ornstein Uhlenbeck MNIST Gaussian Markov Langevin ODE SDE SNR RMS PNG GIF MP4 API MCP bf16 float32 float64
    bfloat16 AMX AVX CUDA ZeroGPU Space Spaces pygame PyTorch Stable Diffusion CLIP Nichol Dhariwal Song Lin Sunny
    Rainy raw ema iframe linear cosine Var log exp sin cos sqrt max min std var mean eps fps
    """
PROPER = set(PROPER_NAMES.split())
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")


def readable(text: str) -> str:
    """The words of ``text`` a reader reads: no markup, formulas, code, links or file paths."""
    text = re.sub(r"<[^>]+>", " ", text)  # HTML tags
    text = re.sub(r"__i18n__\{[^}]*\}", " ", text)  # a gr.I18n marker: the browser shows it in the reader's language
    text = re.sub(r"`[^`]*`|\$[^$]*\$|\\\([^)]*\\\)", " ", text)  # code and formulas
    text = re.sub(
        r"\]\([^)]*\)|https?://\S+|[\w.-]+/[\w./-]*|\S+\.(?:py|md|png|jpg|mp4|gif|safetensors|json)\b", " ", text
    )  # links, paths and file names
    return re.sub(r"\bseed-cosine\b", " ", text)  # a schedule's name, as its control offers it


def english_words(text: str) -> list[str]:
    return [w for w in WORD.findall(readable(text)) if w not in PROPER and not w.isupper()]


def texts(value: Any) -> Iterator[str]:
    """Every text a reader sees in one output value: strings (not file paths), figures' texts, gallery captions."""
    if isinstance(value, str):
        if not (os.path.isabs(value) and os.path.exists(value)):
            yield value
    elif isinstance(value, Figure):
        yield from (t.get_text() for t in value.findobj(lambda a: hasattr(a, "get_text")) if t.get_text())
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)
    elif hasattr(value, "constructor_args"):  # a component update: its value and label
        args = value.constructor_args or {}
        yield from texts(args.get("value"))
        yield from texts(args.get("label"))
    # dicts are JSON for programs; images and other values carry no text


@pytest.fixture(scope="module")
def chinese_font() -> None:
    from panels.i18n import cjk_font

    if cjk_font() is None:  # the test command installs one (fonts-wqy-microhei): plots fall back to English without
        pytest.fail("no Chinese font: install fonts-wqy-microhei (README's test command does)")


def test_the_english_detector_finds_leftovers_and_spares_names() -> None:
    assert english_words("**步 3000 / 3000** · loss 0.031") == ["loss"]
    assert english_words("DDIM-50 · 50.9 dB · PSNR · `x_t` · $\\sqrt{\\bar\\alpha}$ · Grace Hopper") == []
    assert english_words("使用内置权重(weights/digits/)。") == []


def test_every_default_result_reads_in_chinese(chinese_font) -> None:
    import app  # noqa: F401  (registers every panel's defaults)
    from panels.common import DEFAULTS
    from panels.i18n import reading_in

    leftovers = {}
    with reading_in("zh"):
        for default in DEFAULTS:
            found = [w for text in texts(default()) for w in english_words(text)]
            if found:
                leftovers[default.__module__ + "." + default.__name__] = sorted(set(found))
    assert not leftovers, leftovers


# Endpoints whose defaults need an argument the API has no default for, or read the session (a trained model):
# called with these arguments (a points model is trained first, in the same session of the client).
ARGUMENTS: dict[str, tuple] = {
    "points_forward": ("spiral", "Hi", None, 2000, 0),
    "points_train": ("spiral", "Hi", None, 2000, 0, 300, "denoise"),
    "points_trace": (0.5, 0.5, 0.5),
}
# The fine-tuning runs (90 s each here at their defaults) are left out: their statuses share the strings and the
# device name that train_estimate and train_stop read; the Hub's endpoints need a repository.
LEFT_OUT = {"train_start", "train_resume", "train_push", "reverse_load"}


def test_every_endpoint_answers_a_chinese_reader_in_chinese(client, chinese_font) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    import app
    from panels import words

    zh = Client(client.src, headers={"accept-language": "zh-CN"}, verbose=False)
    prompt, prompt_b = (words.scenes.caption(s, "zh") for s in (words.DEFAULT_SCENE, words.DEFAULT_SCENE_B))
    with_prompt = {"words_generate": (prompt,), "words_attention": (prompt,), "words_compare": (prompt, prompt_b)}
    names = [
        fn.api_name
        for fn in app.demo.fns.values()
        if fn.fn is not None and fn.api_visibility == "public" and isinstance(fn.api_name, str)
    ]
    leftovers = {}
    for name in sorted(set(names) - LEFT_OUT, key=lambda n: (n != "points_train", n)):  # train before sampling
        try:
            out = zh.predict(*ARGUMENTS.get(name, with_prompt.get(name, ())), api_name=f"/{name}")
        except AppError as exc:  # an error is text for the reader too
            out = str(exc)
        found = [w for text in texts(out if isinstance(out, tuple) else (out,)) for w in english_words(text)]
        if found:
            leftovers[name] = sorted(set(found))
    assert not leftovers, leftovers
