"""From words to pictures: the text-to-image latent diffusion model, with its parts open to look at.

Endpoints (``gradio_client``):
- ``/words_generate(prompt, negative, guidance, steps, seed)`` streams the 8 seeds' decoded x̂₀ and their latents
  x_t (one batched network call per step), then the samples, a status line (what the judge reads against what
  the prompt asks; held-out compositions named), JSON numbers, and each sample's nearest of the first 2,048
  training scenes: outputs (x0, latent, status, numbers, nearest).
- ``/words_attention(prompt, negative, guidance, steps, seed)`` -> a figure of each word's cross-attention map
  over the steps of seed ``seed``, and a line naming the tokens and steps.
- ``/words_compare(prompt, prompt_b, negative, guidance, steps, seed)`` -> the same seed under two prompts, x̂₀
  at six steps each, and a line.
- ``/words_roundtrip(scene_seed)`` -> a fresh scene, its latent's 4 channels and its decoding; a line with PSNR.
- ``/words_encoder()`` -> the text encoder's similarities of English and Chinese words, and a line.
"""

from __future__ import annotations

import functools
import math
import time
from typing import Any

import gradio as gr
import numpy as np
import torch
from PIL import Image

from diffusion import autoencoder, digit_eval, hub, imaging, limits, precision, scene_judge, scenes, text2image
from diffusion.recipes import SCENES_GUIDANCE
from panels import common
from panels.checks import check_error, validator
from panels.common import MODEL_LANE, Number, PanelContext, Plot, Slider, check, make_translator, say, user_errors
from panels.i18n import cjk_font, reader_language
from panels.priority import cheap, step_aside
from panels.words_plots import attention_figure, compare_figure, similarity_figure
from panels.words_strings import STRINGS

t = make_translator(STRINGS)

N_SAMPLES = limits.SCENES_PER_REQUEST
SCALE = 3  # 48-pixel scenes shown 144 px wide
# the default request, in each language (a Chinese reader starts from the Chinese prompt, which the model reads the
# same way: another conditioning vector, so its own samples)
DEFAULT_SCENE = (scenes.Thing("3", "red", "big", "left"), scenes.Thing("circle", "blue", "small", "right"))
DEFAULT_SCENE_B = (DEFAULT_SCENE[0], scenes.Thing("circle", "yellow", "small", "right"))
DEFAULT_PROMPT, DEFAULT_PROMPT_B = scenes.caption(DEFAULT_SCENE), scenes.caption(DEFAULT_SCENE_B)


def default_prompts() -> tuple[str, str]:
    """The two default prompts in the reader's language."""
    lang = reader_language()
    return scenes.caption(DEFAULT_SCENE, lang), scenes.caption(DEFAULT_SCENE_B, lang)


EXAMPLES = [
    DEFAULT_PROMPT,
    "左边一个大的白色 8 和右边一个小的紫色正方形",
    "a small yellow 5 on the right",
    "a green triangle on the left",  # held out: never seen in training
    "左边一个大的蓝色 7",  # held out: a 7 on the left
]
DEFAULT_GUIDANCE = SCENES_GUIDANCE
DEFAULT_STEPS = 20
SNAPSHOTS = 6  # steps shown by the attention and comparison views


@functools.cache
def shipped() -> hub.LoadedModel:
    """The words-to-pictures bundle (``text2image.Bundle``), preloaded from the Hub or bundled, loaded once per
    process and shared read-only; the UNet in bf16 where the chip has it."""
    loaded = hub.load_shipped("scenes")
    precision.use(loaded.model.model.unet)
    return loaded


def bundle() -> text2image.Bundle:
    return shipped().model


def words_of(prompt: Any, name: str = "Prompt") -> str:
    """A prompt the text encoder can read, or ``gr.Error`` in the reader's language (unknown words named)."""
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise check_error("text", name, value=prompt)
    try:
        scenes.tokenize(prompt)
    except scenes.PromptError as exc:
        values = dict(exc.values)
        if exc.kind == "unknown":
            values = {"words": ", ".join(f"“{w}”" for w in values["words"]), "known": " ".join(scenes.known_words())}
        raise gr.Error(say(STRINGS, f"words.{exc.kind}", **values)) from None
    return prompt.strip()


def check_request(prompt, negative, guidance, steps, seed) -> tuple[str, str, float, int, int]:
    """Validated (prompt, negative, w, steps, seed) of a request, or ``gr.Error`` naming the field."""
    return (
        words_of(prompt),
        words_of(negative, "Negative prompt"),
        check(limits.GUIDANCE, guidance),
        check(limits.SAMPLING_STEPS, steps),
        check(limits.SCENE_SEED, seed),
    )


def decoded(latents: torch.Tensor) -> torch.Tensor:
    """Scaled latents (B, 4, 12, 12) -> scenes (B, 3, 48, 48) in [-1, 1]."""
    b = bundle()
    return text2image.decode(b.autoencoder, latents, b.scale)


def scene_sheet(x: torch.Tensor, nrow: int = 4) -> Image.Image:
    return imaging.grid_image(x, nrow=nrow, pad=2, scale=SCALE)


def latent_sheet(z: torch.Tensor, nrow: int = 4) -> Image.Image:
    """Each latent (B, 4, 12, 12) as its 4 channels in a 2 x 2 square (±3 as black and white), 4 samples a row."""
    c = (z / 3).clamp(-1, 1)
    squares = torch.cat([torch.cat([c[:, 0], c[:, 1]], dim=2), torch.cat([c[:, 2], c[:, 3]], dim=2)], dim=1)
    return imaging.grid_image(squares[:, None], nrow=nrow, pad=2, scale=2 * SCALE)


def generate(prompt, negative, guidance, steps, seed, progress=gr.Progress()):
    """Handler for /words_generate (a generator: Gradio streams every yield)."""
    prompt, negative, w, steps, seed = check_request(prompt, negative, guidance, steps, seed)
    seeds = range(seed, seed + N_SAMPLES)
    t0, final = time.perf_counter(), None
    step_text = lambda i: say(STRINGS, "words.step", i=i, n=steps)  # noqa: E731
    with user_errors(), torch.inference_mode():
        stream = text2image.generate_progressive(bundle().model, prompt, w, steps, seeds, negative)
        for final, status in common.streamed_steps(stream, steps, progress, step_text):
            if status is not None:
                yield scene_sheet(decoded(final.pred_x0)), latent_sheet(final.x), status, gr.update(), gr.update()
        samples = decoded(final.x)
    elapsed = time.perf_counter() - t0
    status, numbers = describe(samples, prompt, w, steps, elapsed)
    _, index = nearest_scenes(samples)
    yield scene_sheet(samples), latent_sheet(final.x), status, numbers, scene_sheet(reference_scenes()[index])


REFERENCE_SIZE = 2048  # the first training scenes (the model's pool starts at seed 0): each sample's nearest of them


@functools.cache
def reference_scenes() -> torch.Tensor:
    """(REFERENCE_SIZE, 3, 48, 48) in [-1, 1]: the first training scenes, rendered once per process (~15 s)."""
    images, _ = scenes.pool(REFERENCE_SIZE)
    return scenes.to_float(images)


def _objects(x: torch.Tensor) -> torch.Tensor:
    """Scenes (B, 3, H, W) without their background: each channel minus its median (the background covers most of
    a scene, so a plain pixel distance would find the training scene of the nearest background colour)."""
    return x - x.flatten(2).median(dim=2).values[:, :, None, None]


def nearest_scenes(samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sample's nearest reference scene by the RMS distance of their objects: (distances (B,), indices (B,))."""
    return digit_eval.nearest(_objects(samples), _objects(reference_scenes()))


def describe(samples: torch.Tensor, prompt: str, w: float, steps: int, elapsed: float) -> tuple[str, dict]:
    """The status line and the numbers of a finished grid: what the judge reads in each sample, against what
    the prompt asks (``scenes.parse``), and any held-out composition it asks for."""
    seen = scene_judge.read(bundle().judge, samples)
    asked = scenes.parse(prompt)
    readings = [" + ".join(" ".join(th.attributes()) for th in s if th) or "-" for s in seen]
    distance, _ = nearest_scenes(samples)
    numbers: dict[str, Any] = {
        "judge_reads": readings,
        "asked": asked,
        "nearest_training_distance": [round(d, 3) for d in distance.tolist()],
        "seconds": round(elapsed, 3),
    }
    if not asked:
        return say(STRINGS, "words.done_empty", steps=steps, elapsed=elapsed, read="; ".join(readings)), numbers
    checks = [scene_judge.agreement(asked, s) for s in seen]
    counts = {name: sum(c[name] for c in checks) for name in scene_judge.ATTRIBUTES}
    counts["all"] = sum(all(c.values()) for c in checks)
    numbers["agreement"] = counts
    status = say(STRINGS, "words.done", steps=steps, w=w, elapsed=elapsed, **counts)
    held = scenes.held_out_in(asked)
    if held:
        numbers["never_seen_in_training"] = [" + ".join(pair) for pair in held]
        status += "  \n" + say(STRINGS, "words.held_out", pairs=", ".join(_pair_words(p) for p in held))
    return status, numbers


def _pair_words(pair: tuple[str, str]) -> str:
    """A held-out composition in the reader's words: "green + triangle", "绿色 + 三角形"."""
    zh = reader_language() == "zh"
    return " + ".join(scenes.WORDS["zh"].get(word, word) if zh else word for word in pair)


def _snapshots(steps: int) -> list[int]:
    """Which steps (0-based) the attention and comparison views show: about evenly spaced, the last included."""
    return sorted({round(k * (steps - 1) / (SNAPSHOTS - 1)) for k in range(SNAPSHOTS)})


def _drawable(word: str) -> str:
    """A word as a figure can draw it: Chinese only where a Chinese font is installed (else its English)."""
    if word.isascii() or cjk_font():
        return word
    return next((en for en, zh in scenes.WORDS["zh"].items() if zh == word), word)


def attention(prompt, negative, guidance, steps, seed, progress=gr.Progress()) -> tuple[Any, str]:
    """Handler for /words_attention: each word's cross-attention map at six steps of one seed."""
    prompt, negative, w, steps, seed = check_request(prompt, negative, guidance, steps, seed)
    words = scenes.tokenize(prompt)
    shown, record, pictures = _snapshots(steps), [], []
    with user_errors(), torch.inference_mode():
        stream = text2image.generate_progressive(bundle().model, prompt, w, steps, [seed], negative, attention=record)
        for p in stream:
            step_aside()
            progress((p.i + 1) / steps)
            if p.i in shown:
                pictures.append(decoded(p.pred_x0)[0])
    size = bundle().model.config.unet.image_size
    # the words that say something about the scene (not "a", "on the", "and"): one row each
    content = [i for i, word in enumerate(words) if word in scenes.MEANINGFUL] or list(range(len(words)))
    maps = torch.stack([text2image.word_maps(record[k], size)[0, content] for k in shown])
    top = float(maps.max())
    figure = attention_figure(
        torch.stack(pictures), maps / top, [_drawable(words[i]) for i in content], [k + 1 for k in shown]
    )
    steps_shown = ", ".join(str(k + 1) for k in shown)
    text = say(STRINGS, "words.attention_text", tokens=" · ".join(words), steps=steps_shown, n=steps, top=top)
    return figure, text


def compare(prompt, prompt_b, negative, guidance, steps, seed, progress=gr.Progress()) -> tuple[Any, str]:
    """Handler for /words_compare: x̂₀ of one seed at six steps under two prompts."""
    prompt, negative, w, steps, seed = check_request(prompt, negative, guidance, steps, seed)
    prompt_b = words_of(prompt_b, "Second prompt")
    shown, rows = _snapshots(steps), []
    with user_errors(), torch.inference_mode():
        for k, words in enumerate((prompt, prompt_b)):
            row = []
            for p in text2image.generate_progressive(bundle().model, words, w, steps, [seed], negative):
                step_aside()
                progress((k * steps + p.i + 1) / (2 * steps))
                if p.i in shown:
                    row.append(decoded(p.pred_x0)[0])
            rows.append(torch.stack(row))
    labels = [" ".join(_drawable(x) for x in scenes.tokenize(words)) for words in (prompt, prompt_b)]
    figure = compare_figure(rows, labels, [k + 1 for k in shown])
    text = say(STRINGS, "words.compare_text", seed=seed, n=steps, w=w, steps=", ".join(str(k + 1) for k in shown))
    return figure, text


@functools.cache
def _autoencoder_psnr() -> float:
    """The autoencoder's mean round-trip PSNR on 512 fresh scenes (computed once per process)."""
    images, _ = scenes.pool(512, first_seed=10**7)
    return autoencoder.reconstruction_psnr(bundle().autoencoder, images)


@cheap
def roundtrip(scene_seed) -> tuple[Image.Image, str]:
    """Handler for /words_roundtrip: a fresh scene -> its latent (4 channels) -> the scene decoded."""
    seed = check(limits.FRESH_SCENES, scene_seed)
    image, scene = scenes.batch([scene_judge.EVAL_SEED + seed])
    ae = bundle().autoencoder
    with torch.inference_mode():
        mean = ae.encode(image)[0]
        back = ae.decode(mean).clamp(-1, 1)
    psnr = 10 * math.log10(4.0 / float(((back - image) ** 2).mean()))
    channels = (mean[0] / 3).clamp(-1, 1)  # 4 x 12 x 12, each shown 48 x 48 beside the scenes
    tiles = torch.nn.functional.interpolate(channels[:, None], scale_factor=4, mode="nearest").expand(4, 3, 48, 48)
    picture = imaging.grid_image(torch.cat([image, tiles, back]), nrow=6, pad=4, scale=SCALE)
    caption = scene[0].caption(reader_language())
    return picture, say(STRINGS, "words.roundtrip_text", caption=caption, psnr=psnr, mean=_autoencoder_psnr())


# the content words of both languages, in the same order: the similarity view's rows and columns
PAIRS = [(en, zh) for en, zh in scenes.WORDS["zh"].items() if en not in ("a", "and")]


@functools.cache
def _similarity() -> tuple[np.ndarray, int]:
    words = [en for en, _ in PAIRS] + [zh for _, zh in PAIRS]
    sim = text2image.word_similarity(bundle().model, words).numpy()
    n = len(PAIRS)
    cross = sim[:n, n:]
    return cross, int((cross.argmax(axis=1) == np.arange(n)).sum())


@cheap
def encoder_view() -> tuple[Any, str]:
    """Handler for /words_encoder: cosine similarities of the English and Chinese words' vectors."""
    cross, matched = _similarity()
    figure = similarity_figure(
        cross, [en for en, _ in PAIRS], [_drawable(zh) if cjk_font() else f"{en} (zh)" for en, zh in PAIRS]
    )
    return figure, say(STRINGS, "words.encoder_text", matched=matched, n=len(PAIRS))


@common.default_result
def default_result() -> tuple:
    """What the panel shows before the first click: the default request's final outputs (deterministic), for the
    default prompt in the reader's language."""
    *_, last = generate(default_prompts()[0], "", DEFAULT_GUIDANCE, DEFAULT_STEPS, 0, progress=common.no_progress)
    return last


@common.default_result
def default_attention() -> tuple:
    return attention(default_prompts()[0], "", DEFAULT_GUIDANCE, DEFAULT_STEPS, 0, progress=common.no_progress)


@common.default_result
def default_comparison() -> tuple:
    return compare(*default_prompts(), "", DEFAULT_GUIDANCE, DEFAULT_STEPS, 0, progress=common.no_progress)


def known_words_text() -> str:
    english = " · ".join(w for w in scenes.known_words() if w.isascii())
    chinese = " · ".join(w for w in scenes.known_words() if not w.isascii())
    return say(STRINGS, "words.known_text", words=f"{english}  \n{chinese}")


def build(ctx: PanelContext) -> None:
    """Lay out the panel and wire its events."""
    common.intro(ctx, STRINGS, "words.intro")
    ui = _layout(ctx.suffix)
    _wire(ui, ctx)
    names = ("prompt", "negative", "guidance", "steps", "seed")
    common.url_params(ctx, " ".join(f"words_{k}" for k in names), *(ui[k] for k in names))
    results = [ui[k] for k in ("x0", "latent", "status", "numbers", "near")]
    common.run_if_experiment(ctx.page, generate, [ui[k] for k in names], results, **MODEL_LANE)
    first = [ui[k] for k in ("prompt", "prompt_b", "x0", "latent", "status", "numbers", "near")]
    later = ["att_plot", "att_text", "cmp_plot", "cmp_text", "rt_text", "enc_plot", "enc_text", "known_text"]
    linked = [ui[k] for k in names]

    def reader_defaults(request: gr.Request) -> tuple:
        """The panel's first prompts, results, text and figures in the reader's language (the page was built with
        the English ones); a link's own experiment is left to ``run_if_experiment``."""
        if reader_language() == "en":
            return tuple(gr.skip() for _ in range(len(first) + len(later)))
        own = common.experiment_in_url(request, linked)
        return (
            *((gr.skip(),) * len(first) if own else (*default_prompts(), *default_result())),
            *default_attention(),
            *default_comparison(),
            roundtrip(0)[1],
            *encoder_view(),
            known_words_text(),
        )

    outputs = [*first, *(ui[k] for k in later)]
    ctx.page.load(reader_defaults, None, outputs, api_visibility="private", show_progress="hidden")


def _controls(sfx: str) -> dict[str, Any]:
    ui: dict[str, Any] = {
        "prompt": gr.Textbox(
            DEFAULT_PROMPT, label=t("words.prompt"), max_length=scenes.MAX_PROMPT_CHARS, elem_id="words-prompt" + sfx
        )
    }
    gr.Examples([[p] for p in EXAMPLES], [ui["prompt"]], label=t("words.examples"), cache_examples=False)
    ui["negative"] = gr.Textbox("", label=t("words.negative"), max_length=scenes.MAX_PROMPT_CHARS)
    # checked by the events' validator (_wire): a refusal is said at the box and the last results stay
    ui["guidance"] = Slider(limits.GUIDANCE, DEFAULT_GUIDANCE, step=0.5, label=t("words.guidance"))
    ui["steps"] = Slider(limits.SAMPLING_STEPS, DEFAULT_STEPS, label=t("words.steps"))
    ui["seed"] = Number(limits.SCENE_SEED, 0, label=t("words.seed"))
    with gr.Row():
        ui["run"] = gr.Button(t("words.run"), variant="primary", elem_id="words-run" + sfx)
        ui["stop"] = gr.Button(t("words.stop"), variant="stop")
    ui["status"] = gr.Markdown(default_result()[2], elem_id="words-status" + sfx)
    with gr.Accordion(t("words.known"), open=False):
        ui["known_text"] = gr.Markdown(known_words_text())
    return ui


def _image(value: Any, key: str, sfx: str, alt: str) -> gr.Image:
    gr.Markdown(t(key))
    return gr.Image(
        value, label=t(alt), format="png", interactive=False, elem_id=key.replace(".", "-") + sfx,
        elem_classes=["pixelated", "alt-label"],
    )  # fmt: skip


def _layout(sfx: str) -> dict[str, Any]:
    """Every component of the panel, by name."""
    with gr.Row():
        with gr.Column(scale=1, min_width=280, elem_classes="controls"):
            ui = _controls(sfx)
        with gr.Column(scale=2):
            first = default_result()
            ui["x0"] = _image(first[0], "words.x0", sfx, "words.grid_alt")
            ui["latent"] = _image(first[1], "words.latent", sfx, "words.latent_alt")
            ui["near"] = _image(first[4], "words.near", sfx, "words.near_alt")
            with gr.Accordion(t("words.numbers"), open=False):
                ui["numbers"] = gr.JSON(first[3], show_label=False)
    gr.Markdown(t("words.attention_intro"))
    ui["att_run"] = gr.Button(t("words.attention_run"))
    figure, text = default_attention()
    ui["att_plot"] = Plot(figure, show_label=False, format="png")
    ui["att_text"] = gr.Markdown(text)
    gr.Markdown(t("words.compare_intro"))
    with gr.Row():
        ui["prompt_b"] = gr.Textbox(
            DEFAULT_PROMPT_B, label=t("words.prompt_b"), max_length=scenes.MAX_PROMPT_CHARS, scale=3
        )
        ui["cmp_run"] = gr.Button(t("words.compare_run"), scale=1)
    figure, text = default_comparison()
    ui["cmp_plot"] = Plot(figure, show_label=False, format="png")
    ui["cmp_text"] = gr.Markdown(text)
    gr.Markdown(t("words.roundtrip_intro"))
    with gr.Row():
        ui["scene_seed"] = Number(limits.FRESH_SCENES, 0, label=t("words.scene_seed"), scale=3)
        ui["rt_run"] = gr.Button(t("words.roundtrip_run"), scale=1)
    picture, text = roundtrip(0)
    ui["rt_img"] = gr.Image(
        picture,
        label=t("words.roundtrip_alt"),
        format="png",
        interactive=False,
        elem_classes=["pixelated", "alt-label"],
    )
    ui["rt_text"] = gr.Markdown(text)
    gr.Markdown(t("words.encoder_intro"))
    figure, text = encoder_view()
    ui["enc_plot"] = Plot(figure, show_label=False, format="png")
    ui["enc_text"] = gr.Markdown(text)
    ui["enc_run"] = gr.Button(t("words.encoder_intro"), size="sm", visible=False)  # the API's way to the view
    return ui


def _wire(ui: dict[str, Any], ctx: PanelContext) -> None:
    def on(trigger, fn, inputs, outputs, name, **kw):
        visibility = kw.pop("visibility", ctx.visibility)
        return trigger(fn, inputs, outputs, api_name=ctx.api_name(name), api_visibility=visibility, **kw)

    request = [ui[k] for k in ("prompt", "negative", "guidance", "steps", "seed")]
    results = [ui[k] for k in ("x0", "latent", "status", "numbers", "near")]
    # a prompt the encoder cannot read is refused at its box, before the queue: the last good results stay
    checks = [words_of, lambda v: words_of(v, "Negative prompt"), None, None, None]  # the numbers check themselves
    lane = {**MODEL_LANE, "validator": validator(*checks)}
    gen = on(ui["run"].click, generate, request, results, "words_generate", **lane)
    on(ui["stop"].click, None, None, None, "words_stop", cancels=[gen], visibility="private")
    on(ui["att_run"].click, attention, request, [ui["att_plot"], ui["att_text"]], "words_attention", **lane)
    cmp_in = [ui["prompt"], ui["prompt_b"], *request[1:]]
    cmp_checks = {**MODEL_LANE, "validator": validator(words_of, lambda v: words_of(v, "Second prompt"), *checks[1:])}
    on(ui["cmp_run"].click, compare, cmp_in, [ui["cmp_plot"], ui["cmp_text"]], "words_compare", **cmp_checks)
    on(ui["rt_run"].click, roundtrip, ui["scene_seed"], [ui["rt_img"], ui["rt_text"]], "words_roundtrip")
    on(ui["enc_run"].click, encoder_view, None, [ui["enc_plot"], ui["enc_text"]], "words_encoder")
