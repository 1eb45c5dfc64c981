"""Reverse-process panel: watch the pretrained UNet turn noise into an image, step by step.

Endpoints (``gradio_client``):
- ``/reverse_generate(sampler, steps, eta, seed, weights, post_grid)`` streams (x_t, predicted x_0, status with
  the update being applied, final image (None while streaming), scrubber, the network's noise estimate ε̂) at most
  4 times a second, then the final image; ``/reverse_trajectory()`` then gives the GIF of the trajectory and the
  PSNR plot of the session's last generation.
  ``sampler`` is "DDIM" or "DDPM"; ``weights`` is "ema" or "raw"; ``post_grid`` walks the source post's grid.
- ``/reverse_compare(kind, seed, weights)`` -> gallery from the same starting noise; ``kind`` is one of "steps",
  "eta", "ddpm-vs-ddim", "post-grid".
- ``/reverse_invert(image, steps, mix_seed, mix, weights)``: DDIM inversion of an uploaded image (see
  panels/inversion.py).
- ``/reverse_load(repo_id, revision)`` loads a Hub model for this session (its weights replace "ema").
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from diffusion import hub, imaging, limits
from diffusion.sampling import Progress
from panels import common, digits, gradio_fixes, inversion, memory
from panels.checks import translated
from panels.common import (
    MODEL_LANE,
    Number,
    PanelContext,
    Plot,
    Slider,
    make_translator,
    output_path,
)
from panels.digits_strings import STRINGS as DIGITS_STRINGS
from panels.memory import HeldModel
from panels.models import Frame, ModelChoice, load_custom, run, startup_models, to_uint8
from panels.pictures import frames_to_gif, upscale
from panels.reverse_plots import psnr_path_figure
from panels.reverse_strings import STRINGS as REVERSE_STRINGS

STRINGS = common.merge_strings(REVERSE_STRINGS, DIGITS_STRINGS)
t = make_translator(STRINGS)
MODELS = ("digits", "one-image")

MAX_FRAMES = 200  # frames kept for the scrubber and the GIF (about 3 MB per visitor at 128 x 128)
MODEL_MB = 64  # a Hub model as it loads (weights read, then converted): what make_room must find
DEFAULT_SEED = 0
STREAM_INTERVAL_S = 0.25  # at most 4 updates a second: each one's encoding competes with the model for the CPU
# each comparison's whole gallery within 15 s on a 2-core CPU (0.12-0.13 s a network evaluation at 128 x 128, and
# batching variants gains nothing there, bench/README.md): 88 evaluations for "steps" (it was 1 to 100: 186), 100
# for "ddpm-vs-ddim" (it was 50 / 50 / 200: 300), 100 for "post-grid" (it was 10 and 50 steps: 120), 60 for "eta"
COMPARISONS = {
    "steps": [("ddim", n, 0.0, "uniform") for n in (1, 2, 5, 10, 20, 50)],
    "eta": [("ddim", 20, eta, "uniform") for eta in (0.0, 0.5, 1.0)],
    "ddpm-vs-ddim": [("ddim", 10, 0.0, "uniform"), ("ddpm", 10, 0.0, "uniform"), ("ddpm", 80, 0.0, "uniform")],
    "post-grid": [(m, n, 0.0, g) for n in (10, 40) for m, g in (("ddim", "post"), ("ddim", "uniform"))],
}


def choose(weights: Any, custom: HeldModel | ModelChoice | None) -> ModelChoice:
    """The model for this request: the session's own (fine-tuned or from the Hub) if it has one, else the shared
    EMA or raw weights."""
    models = startup_models()
    if custom is not None and weights == "ema":
        own = memory.held(custom) if isinstance(custom, HeldModel) else custom
        if own is not None:
            return own
        # dropped to make room: the shared model, saying so (an error would leave the session stuck with it)
        bundled = models["ema"]
        name = common.say(STRINGS, "reverse.dropped", name=translated(bundled.name), most=memory.MAX_HELD_MODELS)
        return dataclasses.replace(bundled, name=name)
    if weights not in ("ema", "raw"):
        raise gr.Error(common.say(STRINGS, "reverse.err_weights", got=weights))
    if weights not in models:
        raise gr.Error(common.say(STRINGS, "reverse.err_raw"))
    return models[weights]


def show(x: np.ndarray) -> Image.Image:
    """The image at its own size: upscaling is left to the browser (CSS keeps the pixels sharp), which keeps
    each streamed update small to encode while the model runs."""
    return Image.fromarray(x)


def caption(choice: ModelChoice, method: str, steps: int, eta: float, grid: str, x: np.ndarray | None = None) -> str:
    label = (
        f"{method.upper()}-{steps}"
        + (f" η={eta:g}" if method == "ddim" and eta else "")
        + (common.say(STRINGS, "reverse.post_grid_tag") if grid == "post" else "")
    )
    if x is not None and choice.image is not None:
        label += f" · {imaging.psnr(imaging.pil_to_tensor(Image.fromarray(x)), choice.image):.1f} dB"
    return label


def generate(sampler, steps, eta, seed, weights, post_grid, custom, progress=gr.Progress()):
    """Handler for /reverse_generate (a generator: Gradio streams every yield)."""
    method = {"DDIM": "ddim", "DDPM": "ddpm"}.get(sampler)
    if method is None:
        raise gr.Error(common.say(STRINGS, "reverse.err_sampler", got=sampler))
    choice, grid = choose(weights, custom), "post" if post_grid is True else "uniform"
    keep_every, frames = math.ceil(steps / MAX_FRAMES), []
    t0, last_yield, model_s = time.perf_counter(), 0.0, 0.0
    for p, model_s in run(choice, method, steps, eta, seed, grid):  # noqa: B007 (read after the loop)
        done = p.i == steps - 1
        stored = p.i % keep_every == 0 or done
        frame = _frame(p, choice, stored)
        if stored:
            frames.append(frame)
        now = time.perf_counter() - t0
        if not done and (p.i == 0 or now - last_yield >= STREAM_INTERVAL_S):
            last_yield = now
            step = common.say(STRINGS, "reverse.step", i=p.i + 1, n=steps)
            progress((p.i + 1) / steps, desc=step)
            status = f"{step} · t = {p.t} → {max(p.t_prev, 0)} · {now:.1f} s  \n{step_formula(choice, method, p, eta)}"
            yield show(frame.x), show(frame.x0), status, None, frames, gr.Slider(), show(frame.eps)
    label = caption(choice, method, steps, eta, grid, frames[-1].x)
    yield _finished(frames, choice, label, time.perf_counter() - t0, model_s)


def _frame(p: Progress, choice: ModelChoice, stored: bool) -> Frame:
    """A sampler step as pictures (uint8), with the PSNR of its x0 guess when it is stored and the image known."""
    eps = to_uint8((p.pred_eps[0] / 3).clamp(-1, 1))
    psnr = imaging.psnr(p.pred_x0[0], choice.image) if stored and choice.image is not None else None
    return Frame(p.t, to_uint8(p.x[0]), to_uint8(p.pred_x0[0]), psnr, eps)


def _finished(frames: list[Frame], choice: ModelChoice, label: str, elapsed: float, model_s: float) -> tuple:
    """The generation's last update: the final image, the stored steps and a scrubber over them."""
    status = common.say(
        STRINGS,
        "reverse.done",
        caption=label,
        elapsed=elapsed,
        model=model_s,
        share=model_s / elapsed,
        name=translated(choice.name),
        precision=choice.model.precision,
    )
    # one stored step (steps = 1) leaves nothing to scrub: a slider needs minimum < maximum
    last = len(frames) - 1
    slider = gr.Slider(minimum=0, maximum=max(last, 1), value=last, step=1, interactive=last > 0)
    f = frames[-1]
    return show(f.x), show(f.x0), status, show(f.x), frames, slider, show(f.eps)


def step_formula(choice: ModelChoice, method: str, p: Progress, eta: float) -> str:
    """The update a sampler step applied (from p.t to p.t_prev), with its numbers (DDIM eq. 12, or the DDPM
    posterior), as the library computed them."""
    c = choice.process.coefficients(method, p.t, p.t_prev, eta)
    if method == "ddpm":
        return f"xₜ′ = {c.c_x0:.3f}·x̂₀ + {c.c_xt:.3f}·x_t + {c.sigma:.3f}·z"
    numbers = f"{c.c_x0:.3f}·x̂₀ + {c.c_eps:.3f}·ε̂ + {c.sigma:.3f}·z"
    return f"xₜ′ = √ᾱₜ′·x̂₀ + √(1−ᾱₜ′−σ²)·ε̂ + σ·z = {numbers}"


def trajectory(frames: list[Frame] | None) -> tuple:
    """Handler for /reverse_trajectory: the last generation's GIF and PSNR path (this session's frames).

    Runs after generation, so the final image shows without waiting for them.
    """
    if not frames:
        raise gr.Error(common.say(STRINGS, "reverse.err_first"))
    gif = frames_to_gif([upscale(show(np.concatenate([f.x, f.x0], axis=1))) for f in frames], output_path(".gif"), 60)
    return gif, psnr_path_figure(frames, frames[-1].psnr_x0 is not None)


def scrub(frames: list[Frame] | None, index: Any) -> tuple:
    """Handler for the scrubber: show a stored step, no recomputation."""
    if not frames:
        raise gr.Error(common.say(STRINGS, "reverse.err_scrub"))
    i = min(max(int(index), 0), len(frames) - 1)
    f = frames[i]
    psnr = common.say(STRINGS, "reverse.stored_psnr", psnr=f.psnr_x0) if f.psnr_x0 is not None else ""
    return (
        show(f.x),
        show(f.x0),
        common.say(STRINGS, "reverse.stored", i=i + 1, n=len(frames), t=f.t) + psnr,
        show(f.eps),
    )


# the shared models' comparisons: [(final image, its picture)] by (kind, seed, weights)
_GALLERIES = common.Remembered(max_size=32)


def compare(kind: Any, seed: int, weights: Any, custom, progress=gr.Progress()) -> Iterator[list[tuple]]:
    """Handler for /reverse_compare: several samplers from the same starting noise, the gallery streamed as each
    one finishes (the API's result is the full gallery)."""
    if kind not in COMPARISONS:
        raise gr.Error(common.say(STRINGS, "reverse.err_kind", names=", ".join(COMPARISONS), got=kind))
    choice = choose(weights, custom)
    runs = COMPARISONS[kind]
    # the shared models' final images are the same for everyone: a repeat comes from memory, captioned in the
    # reader's language (a visitor's own model's are not kept: it changes with every fine-tuning run)
    shared = any(choice is m for m in startup_models().values())
    key = (kind, seed, weights) if shared else None
    kept = _GALLERIES.get(key) if key is not None else None
    if kept is not None:
        yield [(picture, caption(choice, *run_, x)) for run_, (x, picture) in zip(runs, kept, strict=True)]
        return
    finals, out = [], []
    for k, (method, steps, eta, grid) in enumerate(runs):
        progress(k / len(runs), desc=f"{method.upper()}-{steps}")
        final = None
        for p, _ in run(choice, method, steps, eta, seed, grid):
            final = p.x
        x = to_uint8(final[0].clamp(-1, 1))
        finals.append((x, show(x)))
        out.append((finals[-1][1], caption(choice, method, steps, eta, grid, x)))
        yield list(out)
    if key is not None:
        _GALLERIES.put(key, gradio_fixes.unchanging(finals))  # served again: its pictures encoded once


def warm_comparisons() -> None:
    """Every comparison of the bundled model from the panel's default seed, computed ahead of the first visitors
    (in the background, after the panels' defaults): on a 2-core CPU the longest takes about 20 s."""
    for kind in COMPARISONS:
        for _ in compare(kind, DEFAULT_SEED, "ema", None, progress=common.no_progress):
            pass


def invert(image, steps, mix_seed, mix, weights, custom) -> tuple[Image.Image, str, dict]:
    """Handler for /reverse_invert: the image -> its DDIM noise -> back, with the session's model."""
    return inversion.invert(choose(weights, custom), image, steps, mix_seed, mix)


def load_weights(repo_id: Any, revision: Any) -> tuple[HeldModel | None, str]:
    """Handler for /reverse_load: a Hub model for this session only; an empty id returns to the bundled one."""
    if not isinstance(repo_id, str) or not repo_id.strip():
        return None, translated(startup_models()["ema"].note)
    if not memory.make_room(MODEL_MB):
        raise gr.Error(common.say(STRINGS, "reverse.err_memory"))
    try:
        choice = load_custom(repo_id.strip(), (revision or "").strip() or hub.DEFAULT_REVISION)
    except hub.WeightsError as exc:
        raise gr.Error(common.say(STRINGS, "reverse.err_hub", error=exc)) from None
    return memory.hold(choice), common.say(STRINGS, "reverse.hub_ok", note=choice.note)


@common.default_result
def default_one_image() -> tuple:
    """The one-image section's outputs for its defaults (DDIM-50, seed 0, EMA; the "steps" comparison) before the
    first click: (x_t, x0, status, final, frames, scrubber, eps, GIF, PSNR plot, gallery). Computed once."""
    *_, last = generate("DDIM", 50, 0.0, DEFAULT_SEED, "ema", False, None, progress=common.no_progress)
    gif, plot = trajectory(last[4])
    *_, gallery = compare("steps", DEFAULT_SEED, "ema", None, progress=common.no_progress)
    return (*last, common.keep_file(gif), plot, gallery)


def build(ctx: PanelContext) -> None:
    """The panel: a choice of model, and its section (the digits model's, or the one-image model's)."""
    sfx = ctx.suffix
    models = [(t("digits.model_digits"), "digits"), (t("digits.model_one"), "one-image")]
    model_pick = common.Radio(models, value="digits", label=t("digits.model"), elem_id="reverse-model" + sfx)
    digits_column = digits.build_section(ctx, visible=True)
    with gr.Column(visible=False) as one_image_column:
        common.intro(ctx, STRINGS, "reverse.intro")
        ui = _layout_one_image(sfx)
        ui.update(_layout_compare_and_hub())
        _wire_one_image(ctx, ui)
    common.url_params(ctx, "model", model_pick)
    show = lambda m: (gr.Column(visible=m == "digits"), gr.Column(visible=m != "digits"))  # noqa: E731
    sections, private = [digits_column, one_image_column], {"queue": False, "api_visibility": "private"}
    if not ctx.tabbed:  # the link may pick the model: show its section
        ctx.page.load(show, model_pick, sections, **private)
    model_pick.change(show, model_pick, sections, **private)


def _layout_one_image(sfx: str) -> dict[str, Any]:
    """The one-image model's generation: controls, the stream of x_t / x0 / eps, the scrubber and trajectory."""
    startup, ui = startup_models(), {}  # loaded once per process, at start-up
    with gr.Row():
        with gr.Column(scale=1, min_width=280, elem_classes="controls"):
            ui["sampler"] = common.Radio(["DDIM", "DDPM"], value="DDIM", label=t("reverse.sampler"))
            ui["steps"] = Slider(limits.SAMPLING_STEPS, 50, label=t("reverse.steps"))
            ui["eta"] = Slider(limits.ETA, 0.0, step=0.05, label=t("reverse.eta"))
            ui["seed"] = Number(limits.SEED, DEFAULT_SEED, label=t("reverse.seed"))
            weights = [(t(f"reverse.w_{w}"), w) for w in startup]
            ui["weights"] = common.Radio(weights, value="ema", label=t("reverse.weights"))
            ui["post_grid"] = gr.Checkbox(False, label=t("reverse.post_grid"))
            with gr.Row():
                ui["run"] = gr.Button(t("reverse.run"), variant="primary")
                ui["stop"] = gr.Button(t("reverse.stop"), variant="stop")
            ui["status"] = gr.Markdown(startup["ema"].note)
        with gr.Column(scale=2):
            with gr.Row():
                image = {"format": "png", "height": 280, "interactive": False}
                ui["x_t"] = gr.Image(label=t("reverse.x_t"), elem_id="reverse-xt" + sfx, **image)
                ui["x0"] = gr.Image(label=t("reverse.x0"), **image)
                ui["eps"] = gr.Image(label=t("reverse.eps"), **image)
                ui["final"] = gr.Image(label=t("reverse.final"), **image)
            scrub_id = "reverse-scrub" + sfx
            ui["scrubber"] = gr.Slider(0, 1, 0, step=1, label=t("reverse.scrub"), interactive=False, elem_id=scrub_id)
            with gr.Row():
                ui["gif"] = gr.Image(label=t("reverse.gif"), type="filepath", height=260, interactive=False)
                ui["psnr_plot"] = Plot(show_label=False, format="png")
    return ui


def _layout_compare_and_hub() -> dict[str, Any]:
    ui: dict[str, Any] = {}
    gr.Markdown(t("reverse.compare_intro"))
    with gr.Row():
        ui["kind"] = common.Dropdown(list(COMPARISONS), value="steps", label=t("reverse.kind"), scale=3)
        ui["compare"] = gr.Button(t("reverse.compare_run"), scale=1)
    ui["gallery"] = gr.Gallery(
        label=t("reverse.gallery"), columns=6, height="auto", format="png", object_fit="contain", elem_classes="strip"
    )
    gr.Markdown(t("reverse.why"))
    ui["inv"] = inversion.layout(t)
    gr.Markdown(t("reverse.hub_intro"))
    with gr.Row():
        ui["repo"] = gr.Textbox(label=t("reverse.repo"), placeholder="owner/name", scale=3)
        ui["revision"] = gr.Textbox("main", label=t("reverse.revision"), scale=1)
        ui["load"] = gr.Button(t("reverse.load"), scale=1)
    ui["hub_note"] = gr.Markdown()
    return ui


def _wire_one_image(ctx: PanelContext, ui: dict[str, Any]) -> None:
    frames, custom, name, public = gr.State([]), ctx.session_model, ctx.api_name, {"api_visibility": ctx.visibility}
    private, defaults = {"api_visibility": "private"}, {"concurrency_id": "defaults", "concurrency_limit": 1}
    settings = [ui[k] for k in ("sampler", "steps", "eta", "seed", "weights")]
    common.url_params(ctx, "sampler steps eta seed weights", *settings)
    streamed = [*(ui[k] for k in ("x_t", "x0", "status", "final")), frames, ui["scrubber"], ui["eps"]]
    shown = [*streamed, ui["gif"], ui["psnr_plot"], ui["gallery"]]
    common.show_default(ctx.page, default_one_image, shown, inputs=settings, **defaults)
    gen_in = [*settings, ui["post_grid"], custom]
    gen = ui["run"].click(generate, gen_in, streamed, api_name=name("reverse_generate"), **public, **MODEL_LANE)
    after = [ui["gif"], ui["psnr_plot"]]
    gen.success(trajectory, frames, after, api_name=name("reverse_trajectory"), **public)
    # a new run (or one stopped half-way) must not sit beside the previous run's film and PSNR path (the
    # scrubber follows the new run's stored steps as they come)
    ui["run"].click(lambda: (None, None), None, after, queue=False, **private)
    ui["stop"].click(None, None, None, cancels=[gen], api_name=name("reverse_stop"), **private)
    # user moves only (.input): the final update of its range must not overwrite the status
    scrub_out = [ui["x_t"], ui["x0"], ui["status"], ui["eps"]]
    ui["scrubber"].input(scrub, [frames, ui["scrubber"]], scrub_out, api_name=name("reverse_scrub"), **private)
    compare_in = [ui["kind"], ui["seed"], ui["weights"], custom]
    ui["compare"].click(compare, compare_in, ui["gallery"], api_name=name("reverse_compare"), **public, **MODEL_LANE)
    inv = ui["inv"]
    inv_in = [*(inv[k] for k in ("image", "steps", "mix_seed", "mix")), ui["weights"], custom]
    inv_out = [inv["strip"], inv["status"], inv["numbers"]]
    inv["run"].click(invert, inv_in, inv_out, api_name=name("reverse_invert"), **public, **MODEL_LANE)
    common.show_default(ctx.page, inversion.default_inversion, inv_out, **defaults)
    load_out = [custom, ui["hub_note"]]
    ui["load"].click(load_weights, [ui["repo"], ui["revision"]], load_out, api_name=name("reverse_load"), **public)
