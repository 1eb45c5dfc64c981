"""The digits model inside the reverse-process panel: a class-conditional UNet that really generates.

Endpoints (``gradio_client``):
- ``/digits_generate(label, guidance, steps, sampler, eta, seed)`` streams the 16 seeds' x_t, predicted x_0 and
  the network's noise estimate ε̂ as 4 x 4 grids (one batched network call per step), then the samples, their
  nearest training examples and the numbers as JSON (labels the classifier reads, its confidence,
  nearest-neighbour distances): outputs (x_t, x0, status, nearest, numbers, eps). ``label`` is "none"
  or "0".."9"; ``sampler`` is "DDIM" or "DDPM"; seeds are seed .. seed + 15.
- ``/digits_compare(kind, label, guidance, seed)`` -> gallery of 8-sample strips from the same noise; ``kind`` is
  "steps", "eta", "ddpm-vs-ddim" or "guidance".
- ``/digits_examples(batch)`` -> 64 training examples (batch number ``batch`` of the training stream).
- ``/digits_invert(digits_seed, steps, new_label, guidance, mix_seed, mix)`` -> 4 fresh digits, each with its DDIM
  noise, the round trip and a re-generation from that noise (``new_label`` "same", "none" or "0".."9"; ``mix`` in
  [0, 1] rotates the noise towards ``mix_seed``'s), a status line with the round-trip PSNR, and JSON numbers.
- ``/digits_inside(digit_seed, t)`` -> a figure of every feature map of one forward pass (4 channels a level, with
  shapes) and the time embedding, for a fresh digit noised to x_t; a line with every tensor's shape.
- ``/digits_memorisation(label)`` -> the one-image model's and the digits model's samples above their nearest
  training examples, with the distances.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr
import torch
from PIL import Image

from diffusion import digit_eval, digits, hub, imaging, limits
from diffusion.classifier import DigitClassifier, predict
from diffusion.classifier import load as load_classifier
from diffusion.process import Diffusion
from diffusion.recipes import DEFAULT_GUIDANCE
from diffusion.unet import UNet
from panels import common, gradio_fixes
from panels.checks import translated
from panels.common import (
    MODEL_LANE,
    Number,
    PanelContext,
    Plot,
    Slider,
    as_choice,
    check,
    make_translator,
    say,
    user_errors,
)
from panels.digits_plots import inside_figure, stage_name
from panels.digits_strings import STRINGS
from panels.pictures import labelled_sheet
from panels.priority import cheap

t = make_translator(STRINGS)

DIGITS_DIR = hub.BUNDLED / "digits"
N_SAMPLES = limits.DIGITS_PER_REQUEST  # one 4 x 4 grid
LABELS: dict[str, int | None] = {"none": None, **{str(d): d for d in range(10)}}
DEFAULT_LABEL = "3"  # the digit the section draws first
SAMPLERS = {"DDIM": "ddim", "DDPM": "ddpm"}
# what each comparison runs: (method, steps, eta, guidance or None for the request's)
COMPARISONS: dict[str, list[tuple[str, int, float, float | None]]] = {
    "steps": [("ddim", n, 0.0, None) for n in (1, 2, 5, 10, 20, 50)],
    "eta": [("ddim", 20, eta, None) for eta in (0.0, 0.5, 1.0)],
    "ddpm-vs-ddim": [("ddim", 50, 0.0, None), ("ddpm", 50, 0.0, None), ("ddpm", 200, 0.0, None)],
    "guidance": [("ddim", 20, 0.0, w) for w in (0.0, 1.0, 3.0, 7.0)],
}
KIND_KEYS = {
    "steps": "digits.kind_steps",
    "eta": "digits.kind_eta",
    "ddpm-vs-ddim": "digits.kind_ddpm",
    "guidance": "digits.kind_guidance",
}


@functools.cache
def shipped() -> hub.LoadedModel:
    """The class-conditional model, preloaded from the Hub or bundled (loaded once per process, shared read-only)."""
    loaded = hub.load_shipped("digits")
    loaded.model.eval().requires_grad_(False)
    return loaded


def digits_model() -> UNet:
    return shipped().model


@functools.cache
def judge() -> DigitClassifier:
    return load_classifier(DIGITS_DIR / "classifier")


def sheet(x: torch.Tensor, nrow: int = 4, scale: int = 4) -> Image.Image:
    """A grid of 32 x 32 digits, enlarged (nearest) so the browser shows pixels, not blur."""
    return imaging.grid_image(x, nrow=nrow, scale=scale)


def check_request(label: Any, guidance: Any, sampler: Any, eta: Any) -> tuple[int | None, float, str, float]:
    """Validated (label, guidance, method, eta) of a digits request, or ``gr.Error`` naming the field."""
    y = as_choice(label if not isinstance(label, int) else str(label), "Digit", LABELS)
    w = check(limits.GUIDANCE, guidance)
    return y, w, as_choice(sampler, "Sampler", SAMPLERS), check(limits.ETA, eta)


def generate(label, guidance, steps, sampler, eta, seed, progress=gr.Progress()):
    """Handler for /digits_generate (a generator: Gradio streams every yield)."""
    y, w, method, eta = check_request(label, guidance, sampler, eta)
    labels = None if y is None else torch.full((N_SAMPLES,), y)
    seeds = range(int(seed), int(seed) + N_SAMPLES)
    t0, final = time.perf_counter(), None
    step_text = lambda i: say(STRINGS, "digits.step", i=i, n=steps)  # noqa: E731
    with user_errors():
        stream = digit_eval.generate_progressive(digits_model(), labels, w, steps, seeds, method, eta)
        for final, status in common.streamed_steps(stream, steps, progress, step_text):
            if status is not None:
                p = final
                yield sheet(p.x.clamp(-1, 1)), sheet(p.pred_x0), status, gr.update(), gr.update(), noise_sheet(p)
    samples = final.x.clamp(-1, 1)
    numbers, nearest = describe(samples, y)
    read = " ".join(map(str, numbers["classified_as"]))
    run = f"{method.upper()}-{steps}"
    elapsed, precision = time.perf_counter() - t0, digits_model().precision
    status = say(STRINGS, "digits.done", run=run, w=w, elapsed=elapsed, precision=precision, read=read) + (
        say(STRINGS, "digits.done_share", share=numbers["accuracy"], y=y) if y is not None else ""
    )
    yield sheet(samples), sheet(samples), status, sheet(nearest), numbers, noise_sheet(final)


def noise_sheet(p) -> Image.Image:
    """The network's noise estimate ε̂ of a step, shown with ±3 standard deviations as black and white."""
    return sheet((p.pred_eps / 3).clamp(-1, 1))


@common.default_result
def default_result() -> tuple:
    """What the section shows before the first click: the default request's final outputs (deterministic)."""
    *_, last = generate(DEFAULT_LABEL, DEFAULT_GUIDANCE, 20, "DDIM", 0.0, 0, progress=lambda *a, **k: None)
    return last


@common.default_result
def default_comparison() -> list[tuple[Image.Image, str]]:
    """The guidance comparison of the default digit, shown before the first Compare (deterministic)."""
    *_, gallery = compare("guidance", "3", DEFAULT_GUIDANCE, 0, progress=lambda *a, **k: None)
    return gallery


def describe(samples: torch.Tensor, label: int | None) -> tuple[dict[str, Any], torch.Tensor]:
    """The numbers behind a grid (JSON for the API: classifier labels and confidence, nearest distances) and
    each sample's nearest training example (B, 1, 32, 32)."""
    probs = predict(judge(), samples)
    conf, cls = probs.max(1)
    ref, _ = digit_eval.reference_set()
    dist, idx = digit_eval.nearest(samples, ref)
    out: dict[str, Any] = {
        "classified_as": cls.tolist(),
        "confidence": [round(c, 3) for c in conf.tolist()],
        "nearest_distance": [round(d, 3) for d in dist.tolist()],
    }
    if label is not None:
        out["accuracy"] = (cls == label).float().mean().item()
    return out, ref[idx]


def compare(kind, label, guidance, seed, progress=gr.Progress()) -> Iterator[list[tuple[Image.Image, str]]]:
    """Handler for /digits_compare: several settings from the same 8 starting noises, the gallery streamed as each
    one finishes (the API's result is the full gallery)."""
    runs = as_choice(kind, "Comparison", COMPARISONS)
    y, w, _, _ = check_request(label, guidance, "DDIM", 0.0)
    labels = torch.full((8,), y) if y is not None else None
    seeds = range(int(seed), int(seed) + 8)
    out = []
    for k, (method, steps, eta, w_run) in enumerate(runs):
        progress(k / len(runs), desc=f"{method.upper()}-{steps}")
        w_k = w if w_run is None else w_run
        x = digit_eval.generate(digits_model(), labels, w_k, steps, seeds, method=method, eta=eta)
        cls = predict(judge(), x).argmax(1)
        # short captions (a gallery cell is ~20 characters wide in a blog column): the setting that varies, then
        # what the classifier reads
        setting = {"guidance": f"w = {w_k:g}", "eta": f"η = {eta:g}"}.get(kind, f"{method.upper()}-{steps}")
        read = (
            say(STRINGS, "digits.are", k=(cls == y).sum().item(), y=y)
            if y is not None
            else "".join(map(str, cls.tolist()))
        )
        out.append((sheet(x, nrow=4, scale=3), f"{setting} · {read}"))
        yield list(out)


@cheap
def examples(batch) -> tuple[Image.Image, str]:
    """Handler for /digits_examples: 64 training examples of one batch of the training stream."""
    x, y = digits.DigitStream(seed=digits.TRAIN_SEED, batch_size=64).batch(int(batch))
    rows = [" ".join(map(str, y[i : i + 16].tolist())) for i in range(0, 64, 16)]
    picture = labelled_sheet(x, [str(v) for v in y.tolist()], nrow=16, scale=3)  # each label under its digit
    return picture, say(STRINGS, "digits.labels_rows", rows=" / ".join(rows))


def invert(seed, steps, new_label, guidance, mix_seed, mix) -> tuple[Image.Image, str, dict[str, Any]]:
    """Handler for /digits_invert: 4 fresh digits -> their DDIM noise -> back, and re-generated from that noise
    (mixed ``mix`` of the way towards ``mix_seed``'s noise) as ``new_label`` ("same" keeps each digit's own)."""
    x, y = digits.render_batch(4, digits.batch_seed(digits.EVAL_SEED, int(seed)))
    if new_label == "same":
        new_labels, w = y, check(limits.GUIDANCE, guidance)
    else:
        new, w, _, _ = check_request(new_label, guidance, "DDIM", 0.0)
        new_labels = None if new is None else torch.full((4,), new)
    with user_errors():
        inv = digit_eval.invert_and_edit(digits_model(), x, y, steps, new_labels, w, int(mix_seed), mix)
    rows = torch.stack([inv.original, (inv.noise / 3).clamp(-1, 1), inv.round_trip, inv.edited], dim=1)
    psnr = [round(p, 1) for p in inv.psnr]
    status = say(
        STRINGS,
        "digits.inv_status",
        steps=steps,
        digits=" ".join(map(str, y.tolist())),
        psnr=" / ".join(map(str, psnr)),
        std=inv.noise.std().item(),
    )
    numbers = {"digits": y.tolist(), "round_trip_psnr_db": psnr, "noise_std": round(inv.noise.std().item(), 3)}
    return sheet(rows.reshape(16, 1, 32, 32), nrow=4), status, numbers


@cheap
def inside(seed, t_value) -> tuple:
    """Handler for /digits_inside: one fresh digit noised to x_t, and what each level of the UNet makes of it."""
    x0, y = digits.render_batch(1, digits.batch_seed(digits.EVAL_SEED, int(seed)))
    model = digits_model()
    t_ = torch.tensor([int(t_value)])
    x_t = Diffusion.of(model.config).q_sample(
        x0, t_, torch.randn(x0.shape, generator=torch.Generator().manual_seed(int(seed)))
    )
    with torch.inference_mode():
        feats = model.features(x_t, t_, y)
    shapes = " · ".join(f"{stage_name(k)} {tuple(v.shape[1:])}" for k, v in feats.items())
    return inside_figure(feats, int(t_value)), say(
        STRINGS, "digits.inside_text", y=y.item(), t=int(t_value), shapes=shapes
    )


@common.default_result
def default_inversion() -> tuple[Image.Image, str, dict[str, Any]]:
    return invert(0, 50, "same", 0.0, 1, 0.0)


MEMO_DIGITS = (0, 3, 5, 8)  # the digits of the memorisation picture when no digit is chosen


@functools.cache
def _memorisation(y: int | None) -> tuple[Image.Image, dict[str, float]]:
    from panels.models import startup_models

    one = startup_models()["ema"]
    cfg = one.model.config
    with torch.inference_mode():
        x_T = digit_eval.seed_noise(range(4), (cfg.in_channels, cfg.image_size, cfg.image_size))
        faces = one.process.sample(one.model, x_T, 10)
    ref_one = one.image[None] if one.image is not None else faces[:1]
    d_one = digit_eval.nearest(faces, ref_one)[0]
    wanted = torch.tensor(MEMO_DIGITS if y is None else (y,) * 4)
    samples = digit_eval.generate(digits_model(), wanted, DEFAULT_GUIDANCE, 20, range(4))
    ref, _ = digit_eval.reference_set()
    d_dig, idx = digit_eval.nearest(samples, ref)
    # four columns: each sample above what it is compared with (rows: the one-image model's samples, its training
    # image; digit samples, the nearest training digit of each)
    top = imaging.grid_image(torch.cat([faces, ref_one.expand_as(faces)]), nrow=4, pad=8)
    bottom = imaging.grid_image(torch.cat([samples, ref[idx]]), nrow=4, pad=8, scale=4)
    picture = Image.new("L", (max(top.width, bottom.width), top.height + bottom.height + 16))
    picture.paste(top, ((picture.width - top.width) // 2, 0))
    picture.paste(bottom, ((picture.width - bottom.width) // 2, top.height + 16))
    # the same picture for everyone: encoded once
    return gradio_fixes.unchanging(picture), {"one_image": d_one.mean().item(), "digits": d_dig.mean().item()}


@cheap
def memorisation(label: Any = "none") -> tuple[Image.Image, str]:
    """Handler for /digits_memorisation: in four columns, the one-image model's samples above its training image,
    then samples of the chosen digit (``label``; "none": 0, 3, 5, 8) above the nearest training digit of each
    (cached: it is deterministic)."""
    y = as_choice(label if not isinstance(label, int) else str(label), "Digit", LABELS)
    picture, d = _memorisation(y)
    return picture, (say(STRINGS, "digits.memo_text", one=d["one_image"], dig=d["digits"]))


def build_section(ctx: PanelContext, visible: bool) -> gr.Column:
    """Lay out the digits section (inside the reverse panel) and wire its events; returns its column."""
    with gr.Column(visible=visible) as column:
        common.intro(ctx, STRINGS, "digits.intro")
        ui = _layout(ctx.suffix)
    _wire(ui, ctx)
    names = ("label", "guidance", "steps", "sampler", "eta", "seed")
    common.url_params(ctx, " ".join(f"digits_{k}" for k in names), *(ui[k] for k in names))
    results = [ui[k] for k in ("x_t", "x0", "status", "near", "numbers", "eps")]
    common.run_if_experiment(ctx.page, generate, [ui[k] for k in names], results, **MODEL_LANE)
    texts = [ui[k] for k in ("status", "memo_txt", "gallery", "examples_txt", "inv_status", "in_plot", "in_text")]
    ctx.page.load(reader_defaults, None, texts, api_visibility="private", show_progress="hidden")
    return column


def reader_defaults() -> tuple:
    """The section's first text, captions and plot in the reader's language (the page was built with the English
    ones; for an English reader nothing changes)."""
    if common.reader_language() == "en":
        return tuple(gr.skip() for _ in range(7))
    figure, text = inside(0, 500)
    return (
        translated(shipped().note) + "  \n" + default_result()[2],
        memorisation(DEFAULT_LABEL)[1],
        default_comparison(),
        examples(0)[1],
        default_inversion()[1],
        figure,
        text,
    )


def _controls(sfx: str) -> dict[str, Any]:
    choices = [(t("digits.any"), "none"), *[(str(d), str(d)) for d in range(10)]]
    ui: dict[str, Any] = {"label": common.Dropdown(choices, value=DEFAULT_LABEL, label=t("digits.label"))}
    ui["guidance"] = Slider(limits.GUIDANCE, DEFAULT_GUIDANCE, step=0.25, label=t("digits.guidance"))
    ui["steps"] = Slider(limits.SAMPLING_STEPS, 20, label=t("digits.steps"))
    ui["sampler"] = common.Radio(list(SAMPLERS), value="DDIM", label=t("digits.sampler"))
    ui["eta"] = Slider(limits.ETA, 0.0, step=0.05, label=t("digits.eta"))
    ui["seed"] = Number(limits.DIGIT_SEED, 0, label=t("digits.seed"))
    with gr.Row():
        ui["run"] = gr.Button(t("digits.run"), variant="primary", elem_id="digits-run" + sfx)
        ui["stop"] = gr.Button(t("digits.stop"), variant="stop")
    ui["status"] = gr.Markdown(shipped().note + "  \n" + default_result()[2], elem_id="digits-status" + sfx)
    return ui


def _layout(sfx: str) -> dict[str, Any]:
    """Every component of the section, by name."""
    with gr.Row():
        with gr.Column(scale=1, min_width=280, elem_classes="controls"):
            ui = _controls(sfx)
        with gr.Column(scale=2):
            first = default_result()
            with gr.Row():
                shown = {"x_t": first[0], "eps": first[5], "x0": first[1], "near": first[3]}
                for key, value in shown.items():
                    with gr.Column(min_width=140):
                        gr.Markdown(t(f"digits.{key}"))
                        # the label stays for screen readers; shown above, not over the top row of digits
                        ui[key] = gr.Image(
                            value,
                            label=t(f"digits.{key}"),
                            format="png",
                            interactive=False,
                            elem_id=f"digits-{key.replace('_', '')}" + sfx,
                            elem_classes=["pixelated", "alt-label"],
                        )
            with gr.Accordion(t("digits.numbers"), open=False):
                ui["numbers"] = gr.JSON(first[4], show_label=False)
            gr.Markdown(t("digits.memo"))
            picture, caption = memorisation(DEFAULT_LABEL)  # the digit the page starts with
            gr.Markdown(t("digits.memo_alt"), elem_classes="caption")
            ui["memo_img"] = gr.Image(
                picture,
                label=t("digits.memo_alt"),
                format="png",
                interactive=False,
                height=420,  # four columns of pictures: larger, they pushed the comparisons off the screen
                elem_classes="alt-label",
            )
            ui["memo_txt"] = gr.Markdown(caption)
            ui["memo"] = gr.Button(t("digits.memo_run"), size="sm", visible=False)  # the API's way to the picture
    gr.Markdown(t("digits.compare_intro"))
    with gr.Row():
        kinds = [(t(KIND_KEYS[k]), k) for k in COMPARISONS]
        ui["kind"] = common.Dropdown(kinds, value="guidance", label=t("digits.kind"), scale=3)
        ui["compare"] = gr.Button(t("digits.compare_run"), scale=1)
    ui["gallery"] = gr.Gallery(
        default_comparison(),
        label=t("digits.gallery"),
        columns=3,
        height="auto",
        format="png",
        object_fit="contain",
        elem_classes="strip",
    )
    gr.Markdown(t("digits.why"))
    _inversion_layout(ui)
    _inside_layout(ui)
    gr.Markdown(t("digits.examples_intro"))
    with gr.Row():
        ui["batch"] = Number(limits.BATCH_NUMBER, 0, label=t("digits.examples_seed"))
        ui["examples"] = gr.Button(t("digits.examples_run"))
    grid, labels = examples(0)
    gr.Markdown(t("digits.examples"))
    ui["examples_img"] = gr.Image(
        grid, label=t("digits.examples"), format="png", interactive=False, elem_classes=["pixelated", "alt-label"]
    )
    ui["examples_txt"] = gr.Markdown(labels)
    return ui


def _digit_seed() -> Number:
    """Which fresh digits a section works on: a seed of the evaluation stream (never trained on); its messages
    name it as its label does."""
    return Number(limits.FRESH_DIGITS.named("Which 4 fresh digits (a seed)"), 0, label=t("digits.inv_seed"))


def _section(intro_key: str) -> gr.Row:
    """A lesson of the section: its intro, then a row with the controls (left) and the results (right)."""
    gr.Markdown(t(intro_key))
    return gr.Row()


def _inversion_layout(ui: dict[str, Any]) -> None:
    with _section("digits.inv_intro"):
        with gr.Column(scale=1, min_width=260):
            ui["inv_seed"] = _digit_seed()
            ui["inv_steps"] = Slider(limits.INVERSION_STEPS, 50, label=t("digits.steps"))
            choices = [
                (t("digits.inv_same"), "same"),
                (t("digits.any"), "none"),
                *[(str(d), str(d)) for d in range(10)],
            ]
            ui["inv_label"] = common.Dropdown(choices, value="same", label=t("digits.inv_label"))
            ui["inv_w"] = Slider(limits.GUIDANCE, 0.0, step=0.25, label=t("digits.guidance"))
            ui["inv_mix_seed"] = Number(limits.SEED.named("Mix seed"), 1, label=t("digits.inv_mix_seed"))
            ui["inv_mix"] = Slider(limits.MIX, 0.0, step=0.05, label=t("digits.inv_mix"))
            ui["inv_run"] = gr.Button(t("digits.inv_run"), variant="primary")
        with gr.Column(scale=2):
            gr.Markdown(t("digits.inv_columns"))
            picture, status, numbers = default_inversion()
            ui["inv_img"] = gr.Image(
                picture,
                label=t("digits.inv_columns"),
                format="png",
                interactive=False,
                elem_classes=["pixelated", "alt-label"],
            )
            ui["inv_status"] = gr.Markdown(status)
            ui["inv_numbers"] = gr.JSON(numbers, visible=False)


def _inside_layout(ui: dict[str, Any]) -> None:
    with _section("digits.inside_intro"):
        with gr.Column(scale=1, min_width=260):
            ui["in_seed"] = _digit_seed()
            ui["in_t"] = Slider(limits.MODEL_TIMESTEP, 500, label=t("digits.inside_t"))
            ui["in_run"] = gr.Button(t("digits.inside_run"))
            gr.Markdown(t("digits.inside_table"))
        with gr.Column(scale=2):
            figure, text = inside(0, 500)
            ui["in_plot"] = Plot(figure, show_label=False, format="png")
            ui["in_text"] = gr.Markdown(text)


def _wire(ui: dict[str, Any], ctx: PanelContext) -> None:
    def on(trigger, fn, inputs, outputs, name, **kw):
        visibility = kw.pop("visibility", ctx.visibility)
        return trigger(fn, inputs, outputs, api_name=ctx.api_name(name), api_visibility=visibility, **kw)

    request = [ui[k] for k in ("label", "guidance", "steps", "sampler", "eta", "seed")]
    results = [ui[k] for k in ("x_t", "x0", "status", "near", "numbers", "eps")]
    gen = on(ui["run"].click, generate, request, results, "digits_generate", **MODEL_LANE)
    on(ui["stop"].click, None, None, None, "digits_stop", cancels=[gen], visibility="private")
    compare_in = [ui["kind"], ui["label"], ui["guidance"], ui["seed"]]
    on(ui["compare"].click, compare, compare_in, ui["gallery"], "digits_compare", **MODEL_LANE)
    on(ui["examples"].click, examples, ui["batch"], [ui["examples_img"], ui["examples_txt"]], "digits_examples")
    inv_in = [ui[k] for k in ("inv_seed", "inv_steps", "inv_label", "inv_w", "inv_mix_seed", "inv_mix")]
    inv_out = [ui["inv_img"], ui["inv_status"], ui["inv_numbers"]]
    on(ui["inv_run"].click, invert, inv_in, inv_out, "digits_invert", **MODEL_LANE)
    in_in, in_out = [ui["in_seed"], ui["in_t"]], [ui["in_plot"], ui["in_text"]]
    on(ui["in_run"].click, inside, in_in, in_out, "digits_inside")
    memo_out = [ui["memo_img"], ui["memo_txt"]]
    on(ui["memo"].click, memorisation, ui["label"], memo_out, "digits_memorisation")
    # what sits beside the samples follows them: the memorisation picture and the comparisons show the digit drawn
    after = {"api_visibility": "private", "show_progress": "minimal", **MODEL_LANE}
    gen.success(memorisation, ui["label"], memo_out, **after).success(compare, compare_in, ui["gallery"], **after)
