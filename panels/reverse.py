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

import math
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from diffusion import hub, imaging
from panels import common, digits, inversion
from panels.common import (
    MODEL_LANE,
    Number,
    Plot,
    Slider,
    make_translator,
    output_path,
    session_model,
)
from panels.digits_strings import STRINGS as DIGITS_STRINGS
from panels.forward_plots import frames_to_gif, upscale
from panels.reverse_model import Frame, ModelChoice, load_custom, run, startup_models, to_uint8
from panels.reverse_plots import psnr_path_figure
from panels.reverse_strings import STRINGS as REVERSE_STRINGS

STRINGS = common.merge_strings(REVERSE_STRINGS, DIGITS_STRINGS)
t = make_translator(STRINGS)
MODELS = ("digits", "one-image")

MAX_STEPS = 1000
MAX_FRAMES = 200  # frames kept for the scrubber and the GIF (about 3 MB per visitor at 128 x 128)
STREAM_INTERVAL_S = 0.25  # at most 4 updates a second: each one's encoding competes with the model for the CPU
COMPARISONS = {
    "steps": [("ddim", n, 0.0, "uniform") for n in (1, 5, 10, 20, 50, 100)],
    "eta": [("ddim", 20, eta, "uniform") for eta in (0.0, 0.5, 1.0)],
    "ddpm-vs-ddim": [("ddim", 50, 0.0, "uniform"), ("ddpm", 50, 0.0, "uniform"), ("ddpm", 200, 0.0, "uniform")],
    "post-grid": [(m, n, 0.0, g) for n in (10, 50) for m, g in (("ddim", "post"), ("ddim", "uniform"))],
}


def choose(weights: Any, custom: ModelChoice | None) -> ModelChoice:
    """The model for this request: the session's Hub model if loaded, else the shared EMA or raw weights."""
    if custom is not None and weights == "ema":
        return custom
    models = startup_models()
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
    choice = choose(weights, custom)
    grid = "post" if post_grid is True else "uniform"
    keep_every = math.ceil(steps / MAX_FRAMES)
    frames: list[Frame] = []
    t0, last_yield = time.perf_counter(), 0.0
    model_s = 0.0
    for p, model_s in run(choice, method, steps, eta, seed, grid):  # noqa: B007 (read after the loop)
        x, x0, eps = to_uint8(p.x[0]), to_uint8(p.pred_x0[0]), to_uint8((p.pred_eps[0] / 3).clamp(-1, 1))
        done = p.i == steps - 1
        if p.i % keep_every == 0 or done:
            psnr = imaging.psnr(p.pred_x0[0], choice.image) if choice.image is not None else None
            frames.append(Frame(p.t, x, x0, psnr, eps))
        now = time.perf_counter() - t0
        if not done and (p.i == 0 or now - last_yield >= STREAM_INTERVAL_S):
            last_yield = now
            step = common.say(STRINGS, "reverse.step", i=p.i + 1, n=steps)
            progress((p.i + 1) / steps, desc=step)
            formula = step_formula(choice, method, p.t, p.t_prev, eta)
            status = f"{step} · t = {p.t} → {max(p.t_prev, 0)} · {now:.1f} s  \n{formula}"
            yield show(x), show(x0), status, None, frames, gr.Slider(), show(eps)
    elapsed = time.perf_counter() - t0
    label = caption(choice, method, steps, eta, grid, frames[-1].x)
    share = model_s / elapsed
    status = common.say(
        STRINGS, "reverse.done", caption=label, elapsed=elapsed, model=model_s, share=share, name=choice.name
    )
    # one stored step (steps = 1) leaves nothing to scrub: a slider needs minimum < maximum
    last = len(frames) - 1
    slider = gr.Slider(minimum=0, maximum=max(last, 1), value=last, step=1, interactive=last > 0)
    f = frames[-1]
    yield show(f.x), show(f.x0), status, show(f.x), frames, slider, show(f.eps)


def step_formula(choice: ModelChoice, method: str, t: int, t_prev: int, eta: float) -> str:
    """The update being applied at this step, with its numbers (DDIM eq. 12, or the DDPM posterior)."""
    c = choice.process.coefficients(method, t, t_prev, eta)
    if method == "ddpm":
        return f"x_{{t'}} = {c.c_x0:.3f}·x̂₀ + {c.c_xt:.3f}·x_t + {c.sigma:.3f}·z"
    numbers = f"{c.c_x0:.3f}·x̂₀ + {c.c_eps:.3f}·ε̂ + {c.sigma:.3f}·z"
    return f"x_{{t'}} = √ᾱ_{{t'}}·x̂₀ + √(1−ᾱ_{{t'}}−σ²)·ε̂ + σ·z = {numbers}"


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


def compare(kind: Any, seed: int, weights: Any, custom, progress=gr.Progress()) -> Iterator[list[tuple]]:
    """Handler for /reverse_compare: several samplers from the same starting noise, the gallery streamed as each
    one finishes (the API's result is the full gallery)."""
    if kind not in COMPARISONS:
        raise gr.Error(common.say(STRINGS, "reverse.err_kind", names=", ".join(COMPARISONS), got=kind))
    choice = choose(weights, custom)
    out = []
    for k, (method, steps, eta, grid) in enumerate(COMPARISONS[kind]):
        progress(k / len(COMPARISONS[kind]), desc=f"{method.upper()}-{steps}")
        final = None
        for p, _ in run(choice, method, steps, eta, seed, grid):
            final = p.x
        x = to_uint8(final[0].clamp(-1, 1))
        out.append((show(x), caption(choice, method, steps, eta, grid, x)))
        yield list(out)


def invert(image, steps, mix_seed, mix, weights, custom) -> tuple[Image.Image, str, dict]:
    """Handler for /reverse_invert: the image -> its DDIM noise -> back, with the session's model."""
    return inversion.invert(choose(weights, custom), image, steps, mix_seed, mix)


def load_weights(repo_id: Any, revision: Any) -> tuple[ModelChoice | None, str]:
    """Handler for /reverse_load: a Hub model for this session only; an empty id returns to the bundled one."""
    if not isinstance(repo_id, str) or not repo_id.strip():
        return None, startup_models()["ema"].note
    try:
        choice = load_custom(repo_id.strip(), (revision or "").strip() or hub.DEFAULT_REVISION)
    except hub.WeightsError as exc:
        raise gr.Error(common.say(STRINGS, "reverse.err_hub", error=exc)) from None
    return choice, common.say(STRINGS, "reverse.hub_ok", note=choice.note)


@common.default_result
def default_one_image() -> tuple:
    """The one-image section's outputs for its defaults (DDIM-50, seed 0, EMA; the "steps" comparison) before the
    first click: (x_t, x0, status, final, frames, scrubber, eps, GIF, PSNR plot, gallery). Computed once."""
    *_, last = generate("DDIM", 50, 0.0, 0, "ema", False, None, progress=common.no_progress)
    gif, plot = trajectory(last[4])
    *_, gallery = compare("steps", 0, "ema", None, progress=common.no_progress)
    return (*last, common.keep_file(gif), plot, gallery)


def build(page: gr.Blocks, api: bool = True) -> None:
    """Lay out the panel and wire its events (see markov.build for ``page`` and ``api``)."""
    vis, sfx = ("public", "") if api else ("private", "_page")
    startup = startup_models()  # loaded once per process, at start-up
    model_pick = gr.Radio(
        [(t("digits.model_digits"), "digits"), (t("digits.model_one"), "one-image")],
        value="digits",
        label=t("digits.model"),
        elem_id="reverse-model" + sfx,
    )
    digits_column = digits.build_section(page, api, visible=True)
    with gr.Column(visible=False) as one_image_column:
        _build_one_image(page, vis, sfx, startup)
    common.url_params(api, "model", model_pick)
    if not api:  # the link may pick the model: show its section
        page.load(
            lambda m: (gr.Column(visible=m == "digits"), gr.Column(visible=m != "digits")),
            model_pick,
            [digits_column, one_image_column],
            queue=False,
            api_visibility="private",
        )
    model_pick.change(
        lambda m: (gr.Column(visible=m == "digits"), gr.Column(visible=m != "digits")),
        model_pick,
        [digits_column, one_image_column],
        api_visibility="private",
        queue=False,
    )


def _build_one_image(page: gr.Blocks, vis: str, sfx: str, startup: dict[str, ModelChoice]) -> None:
    """The one-image model's section: generation, scrubber, trajectory, comparisons, Hub models."""
    common.intro(vis == "public", STRINGS, "reverse.intro")
    frames_state, custom_state = gr.State([]), session_model(page)
    with gr.Row():
        with gr.Column(scale=1, min_width=280, elem_classes="controls"):
            sampler = gr.Radio(["DDIM", "DDPM"], value="DDIM", label=t("reverse.sampler"))
            steps = Slider(1, MAX_STEPS, 50, step=1, name="Steps", integer=True, label=t("reverse.steps"))
            eta = Slider(0.0, 1.0, 0.0, step=0.05, name="eta", label=t("reverse.eta"))
            seed = Number(0, name="Seed", minimum=0, maximum=2**32 - 1, label=t("reverse.seed"))
            weights = gr.Radio([(t(f"reverse.w_{w}"), w) for w in startup], value="ema", label=t("reverse.weights"))
            post_grid = gr.Checkbox(False, label=t("reverse.post_grid"))
            with gr.Row():
                run_btn = gr.Button(t("reverse.run"), variant="primary")
                stop_btn = gr.Button(t("reverse.stop"), variant="stop")
            status = gr.Markdown(startup["ema"].note)
        with gr.Column(scale=2):
            with gr.Row():
                x_t = gr.Image(
                    label=t("reverse.x_t"), format="png", height=280, interactive=False, elem_id="reverse-xt" + sfx
                )
                x0 = gr.Image(label=t("reverse.x0"), format="png", height=280, interactive=False)
                eps = gr.Image(label=t("reverse.eps"), format="png", height=280, interactive=False)
                final = gr.Image(label=t("reverse.final"), format="png", height=280, interactive=False)
            scrubber = gr.Slider(
                0, 1, 0, step=1, label=t("reverse.scrub"), interactive=False, elem_id="reverse-scrub" + sfx
            )
            with gr.Row():
                gif = gr.Image(label=t("reverse.gif"), type="filepath", height=260, interactive=False)
                psnr_plot = Plot(show_label=False, format="png")
    gr.Markdown(t("reverse.compare_intro"))
    with gr.Row():
        kind = gr.Dropdown(list(COMPARISONS), value="steps", label=t("reverse.kind"), scale=3)
        compare_btn = gr.Button(t("reverse.compare_run"), scale=1)
    gallery = gr.Gallery(
        label=t("reverse.gallery"), columns=6, height="auto", format="png", object_fit="contain", elem_classes="strip"
    )
    gr.Markdown(t("reverse.why"))
    inv = inversion.layout(t)
    gr.Markdown(t("reverse.hub_intro"))
    with gr.Row():
        repo = gr.Textbox(label=t("reverse.repo"), placeholder="owner/name", scale=3)
        revision = gr.Textbox("main", label=t("reverse.revision"), scale=1)
        load_btn = gr.Button(t("reverse.load"), scale=1)
    hub_note = gr.Markdown()

    shown = [x_t, x0, status, final, frames_state, scrubber, eps, gif, psnr_plot, gallery]
    common.url_params(vis == "public", "sampler steps eta seed weights", sampler, steps, eta, seed, weights)
    common.show_default(
        page,
        default_one_image,
        shown,
        inputs=[sampler, steps, eta, seed, weights],
        concurrency_id="defaults",
        concurrency_limit=1,
    )
    gen = run_btn.click(
        generate,
        [sampler, steps, eta, seed, weights, post_grid, custom_state],
        [x_t, x0, status, final, frames_state, scrubber, eps],
        api_name="reverse_generate" + sfx,
        api_visibility=vis,
        **MODEL_LANE,
    )
    gen.success(trajectory, frames_state, [gif, psnr_plot], api_name="reverse_trajectory" + sfx, api_visibility=vis)
    # a new run (or one stopped half-way) must not sit beside the previous run's film and PSNR path (the
    # scrubber follows the new run's stored steps as they come)
    run_btn.click(
        lambda: (None, None),
        None,
        [gif, psnr_plot],
        queue=False,
        api_visibility="private",
    )
    stop_btn.click(None, None, None, cancels=[gen], api_name="reverse_stop" + sfx, api_visibility="private")
    scrubber.input(  # user moves only: the final update of its range must not overwrite the status
        scrub,
        [frames_state, scrubber],
        [x_t, x0, status, eps],
        api_name="reverse_scrub" + sfx,
        api_visibility="private",
    )
    compare_btn.click(
        compare,
        [kind, seed, weights, custom_state],
        gallery,
        api_name="reverse_compare" + sfx,
        api_visibility=vis,
        **MODEL_LANE,
    )
    inv_in = [inv[k] for k in ("image", "steps", "mix_seed", "mix")] + [weights, custom_state]
    inv_out = [inv["strip"], inv["status"], inv["numbers"]]
    inv["run"].click(invert, inv_in, inv_out, api_name="reverse_invert" + sfx, api_visibility=vis, **MODEL_LANE)
    common.show_default(page, inversion.default_inversion, inv_out, concurrency_id="defaults", concurrency_limit=1)
    load_btn.click(
        load_weights, [repo, revision], [custom_state, hub_note], api_name="reverse_load" + sfx, api_visibility=vis
    )
