"""Forward-process panel: noise schedules, and an image destroyed step by step.

Endpoints (``gradio_client``; ``image`` is ``handle_file(path)``):
- ``/forward_view(image, color, size, schedule, T, t, seed)`` -> (x_t image, histogram, Markdown)
- ``/forward_strip(image, color, size, schedule, T, timesteps, seed)`` -> gallery of x_t at "0, 250, 999"
- ``/forward_post_demo(image, steps, beta_start, beta_end, seed)`` -> (grid figure, brightness figure)
- ``/forward_animation(image, color, size, schedule, T, seed)`` -> GIF path
- ``/forward_schedules(T)`` -> (figure, Markdown of terminal values)
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np
import torch

from diffusion import forward, imaging, limits
from diffusion.schedules import SCHEDULES, make_schedule
from panels import common
from panels.common import (
    PanelContext,
    Plot,
    Slider,
    as_choice,
    make_translator,
    output_path,
    user_errors,
)
from panels.forward_plots import histogram_figure, mean_brightness_figure, post_demo_figure, schedules_figure
from panels.forward_strings import STRINGS
from panels.pictures import frames_to_gif, tensor_image, upscale
from panels.priority import cheap

# deterministic (seeded) requests answered again from memory (a hit costs milliseconds)
CACHE_SIZE = 64

t = make_translator(STRINGS)

COLORS = {"grayscale": 1, "RGB": 3}
SIZES = (32, 64, 128, 256)
MAX_STRIP = limits.STRIP
ANIMATION_FRAMES = 60


def load(image: Any, color: Any, size: Any) -> torch.Tensor:
    """The uploaded image as a (C, size, size) tensor in [-1, 1], or a gr.Error saying what is wrong."""
    if image is None:
        raise gr.Error(common.say(STRINGS, "forward.err_upload"))
    channels = as_choice(color, "Colour", COLORS)
    if size not in SIZES:
        raise gr.Error(common.say(STRINGS, "forward.err_size", sizes=", ".join(map(str, SIZES)), got=size))
    with user_errors():
        return imaging.load_image(image, size=int(size), channels=channels)


def noise_like(x0: torch.Tensor, seed: int) -> torch.Tensor:
    """The same eps for every t, so the slider shows one trajectory of the closed form."""
    return torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))


def schedule_of(name: Any, T: int):
    if name not in SCHEDULES:
        raise gr.Error(common.say(STRINGS, "forward.err_schedule", names=", ".join(SCHEDULES), got=name))
    return make_schedule(name, T)


@cheap
@common.memo(CACHE_SIZE)
def view(image, color, size, schedule, T, t_value, seed) -> tuple:
    """Handler for /forward_view: x_t at one timestep, its histogram and its numbers."""
    x0 = load(image, color, size)
    s = schedule_of(schedule, T)
    if t_value > T - 1:
        raise gr.Error(common.say(STRINGS, "forward.err_t", last=T - 1, got=t_value))
    x_t = forward.q_sample(s, x0[None], torch.tensor([t_value]), noise_like(x0[None], seed))[0]
    n = forward.step_numbers(s, t_value)
    text = (
        f"**t = {n.t}** · β_t = {n.beta:.3e} · ᾱ_t = {n.alpha_bar:.4e} · "
        f"x_t = **{n.signal:.4f}** · x₀ + **{n.noise:.4f}** · ε · log SNR = {n.log_snr:+.2f} · "
        + common.say(STRINGS, "forward.pixels", mean=float(x_t.mean()), std=float(x_t.std()))
    )
    return tensor_image(x_t), histogram_figure(x_t, n.alpha_bar, x0), text


@cheap
@common.memo(CACHE_SIZE)
def targets(image, color, size, schedule, T, t_value, seed) -> tuple:
    """Handler for /forward_targets: the noise ε in x_t (the same as /forward_view's) and the v target, as images
    (±3 shown as black and white)."""
    x0 = load(image, color, size)[None]
    s = schedule_of(schedule, T)
    if t_value > T - 1:
        raise gr.Error(common.say(STRINGS, "forward.err_t", last=T - 1, got=t_value))
    t_ = torch.tensor([t_value])
    eps = noise_like(x0, seed)
    v = forward.target_for("v", s, x0, t_, eps)
    return tensor_image((eps[0] / 3).clamp(-1, 1)), tensor_image((v[0] / 3).clamp(-1, 1))


def parse_timesteps(text: Any, T: int) -> list[int]:
    """'0, 100, 999' -> [0, 100, 999], each in [0, T-1], at most MAX_STRIP of them."""
    if not isinstance(text, str) or not text.strip():
        raise gr.Error(common.say(STRINGS, "forward.err_list"))
    try:
        values = [int(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise gr.Error(common.say(STRINGS, "forward.err_whole", got=text)) from None
    if not values or len(values) > MAX_STRIP:
        raise gr.Error(common.say(STRINGS, "forward.err_count", most=MAX_STRIP))
    bad = [v for v in values if not 0 <= v <= T - 1]
    if bad:
        raise gr.Error(common.say(STRINGS, "forward.err_range", last=T - 1, bad=bad))
    return values


@cheap
@common.memo(CACHE_SIZE)
def strip(image, color, size, schedule, T, timesteps, seed) -> list[tuple]:
    """Handler for /forward_strip: x_t at several timesteps, all from the same noise."""
    x0 = load(image, color, size)
    s = schedule_of(schedule, T)
    steps = parse_timesteps(timesteps, T)
    ts = torch.tensor(steps)
    x_t = forward.q_sample(
        s, x0[None].expand(len(steps), -1, -1, -1), ts, noise_like(x0[None], seed).expand(len(steps), -1, -1, -1)
    )
    return [
        (tensor_image(x), f"t = {v}\n√ᾱ = {forward.step_numbers(s, v).signal:.3f}")
        for x, v in zip(x_t, steps, strict=True)
    ]


@cheap
@common.memo(CACHE_SIZE)
def post_demo(image, steps, beta_start, beta_end, seed) -> tuple:
    """Handler for /forward_post_demo: the post's iterative noising on [0, 1] beside the DDPM convention."""
    x0 = load(image, "grayscale", 128)[0].double().numpy()
    with user_errors():
        betas = forward.post_betas(int(steps), beta_start, beta_end)
    img01 = (x0 + 1) / 2
    post = forward.iterative_noising(img01, betas, np.random.default_rng(seed))
    ddpm = forward.iterative_noising(x0, betas, np.random.default_rng(seed))
    closed = forward.closed_form_jumps(x0, betas, np.random.default_rng(seed + 1).standard_normal(x0.shape))
    rows = {
        common.say(STRINGS, "forward.row_post"): [np.clip(x, 0, 1) for x in post],
        common.say(STRINGS, "forward.row_steps"): [np.clip((x + 1) / 2, 0, 1) for x in ddpm],
        common.say(STRINGS, "forward.row_closed"): [np.clip((x + 1) / 2, 0, 1) for x in closed],
    }
    brightness = mean_brightness_figure([float(x.mean()) for x in post], [float((x.mean() + 1) / 2) for x in ddpm])
    return post_demo_figure(rows, betas), brightness


def animation(image, color, size, schedule, T, seed, progress=gr.Progress()) -> str:
    """Handler for /forward_animation: a GIF of x_t from t = 0 to T-1 (ANIMATION_FRAMES frames)."""
    x0 = load(image, color, size)
    s = schedule_of(schedule, T)
    eps = noise_like(x0[None], seed)
    frames = []
    for t_value in progress.tqdm(
        np.linspace(0, T - 1, ANIMATION_FRAMES).round().astype(int), desc=common.say(STRINGS, "forward.frames")
    ):
        frames.append(upscale(imaging.to_pil(forward.q_sample(s, x0[None], torch.tensor([t_value]), eps)[0])))
    return frames_to_gif(frames, output_path(".gif"))


@cheap
@common.memo(CACHE_SIZE)
def schedules(T) -> tuple:
    """Handler for /forward_schedules: the three schedules and what survives at t = T."""
    lines = [common.say(STRINGS, "forward.table_head"), "|---|---|---|---|---|---|"]
    for name in SCHEDULES:
        s = make_schedule(name, T)
        end = forward.step_numbers(s, T - 1)
        cells = [name, f"{s.betas[0]:.2e}", f"{end.beta:.3g}", f"{end.alpha_bar:.3e}", f"{100 * end.signal:.2g} %"]
        lines.append(f"| {' | '.join(cells)} | {end.log_snr:.1f} |")
    return schedules_figure(T), "\n".join(lines)


def build(ctx: PanelContext) -> None:
    """The panel: its layout, section by section, then its events."""
    common.intro(ctx, STRINGS, "forward.intro")
    ui = _layout_view(ctx)
    ui.update(_layout_strip())
    ui.update(_layout_post_and_schedules())
    _wire(ctx, ui)


def _layout_view(ctx: PanelContext) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui["image"] = common.ImageInput(common.EXAMPLES[0], type="filepath", label=t("forward.image"), height=260)
            gr.Examples(common.EXAMPLES, inputs=ui["image"], cache_examples=False, label=t("forward.examples"))
            colors = [(t(f"forward.color_{c}"), c) for c in COLORS]
            ui["color"] = common.Radio(colors, value="grayscale", label=t("forward.color"))
            ui["size"] = common.Radio(list(SIZES), value=128, label=t("forward.size"))
        with gr.Column(scale=1, min_width=300, elem_classes="controls"):
            ui["schedule"] = common.Dropdown(list(SCHEDULES), value="cosine", label=t("forward.schedule"))
            ui["T"] = Slider(limits.T, 1000, label=t("forward.T"))
            ui["t"] = Slider(limits.TIMESTEP, 250, label=t("forward.t"))
            ui["seed"] = common.Number(limits.SEED, 0, label=t("forward.seed"))
            ui["numbers"] = gr.Markdown()
        with gr.Column(scale=1, min_width=300):
            xt_id = "forward-xt" + ctx.suffix
            ui["x_t"] = gr.Image(label=t("forward.x_t"), format="png", height=300, interactive=False, elem_id=xt_id)
            ui["hist"] = Plot(show_label=False, format="png")
    gr.Markdown(t("forward.targets_intro"))
    with gr.Row():
        with gr.Column(min_width=200):
            eps_id = "forward-eps" + ctx.suffix
            ui["eps"] = gr.Image(label=t("forward.eps"), format="png", height=220, interactive=False, elem_id=eps_id)
            gr.Markdown(t("forward.eps_why"))
        with gr.Column(min_width=200):
            ui["v"] = gr.Image(label=t("forward.v"), format="png", height=220, interactive=False)
            gr.Markdown(t("forward.v_why"))
    return ui


def _layout_strip() -> dict[str, Any]:
    ui: dict[str, Any] = {}
    gr.Markdown(t("forward.strip_intro"))
    with gr.Row():
        ui["timesteps"] = gr.Textbox("0, 50, 100, 250, 500, 750, 999", label=t("forward.timesteps"), scale=4)
        ui["strip_btn"] = gr.Button(t("forward.strip_run"), scale=1)
    ui["gallery"] = gr.Gallery(
        label=t("forward.strip"), columns=7, height="auto", format="png", object_fit="contain", elem_classes="strip"
    )
    with gr.Row():
        ui["anim_btn"] = gr.Button(t("forward.anim_run"), variant="secondary")
    # shown once asked for: an empty 300 px box under the strip looked like something had failed to load
    ui["anim"] = gr.Image(label=t("forward.anim"), type="filepath", height=300, interactive=False, visible=False)
    return ui


def _layout_post_and_schedules() -> dict[str, Any]:
    ui: dict[str, Any] = {}
    gr.Markdown(t("forward.post_intro"))
    with gr.Row():
        ui["p_steps"] = Slider(limits.POST_STEPS, 6, label=t("forward.p_steps"))
        ui["p_start"] = Slider(limits.POST_BETA.named("beta_start"), 0.01, step=0.001, label=t("forward.p_start"))
        ui["p_end"] = Slider(limits.POST_BETA.named("beta_end"), 0.5, step=0.001, label=t("forward.p_end"))
        ui["p_btn"] = gr.Button(t("forward.p_run"), variant="primary")
    with gr.Row():
        ui["p_grid"] = Plot(show_label=False, format="png", pictures=True)
    ui["p_mean"] = Plot(show_label=False, format="png")
    gr.Markdown(t("forward.post_why"))
    gr.Markdown(t("forward.sched_intro"))
    ui["sched_plot"] = Plot(show_label=False, format="png")
    ui["sched_table"] = gr.Markdown()
    gr.Markdown(t("forward.sched_why"))
    return ui


def _wire(ctx: PanelContext, ui: dict[str, Any]) -> None:
    page, name, public, private = (
        ctx.page,
        ctx.api_name,
        {"api_visibility": ctx.visibility},
        {"api_visibility": "private"},
    )
    view_in = [ui[k] for k in ("image", "color", "size", "schedule", "T", "t", "seed")]
    common.url_params(ctx, "color size schedule T t seed", *view_in[1:])
    view_out, targets_out = [ui["x_t"], ui["hist"], ui["numbers"]], [ui["eps"], ui["v"]]
    triggers = [page.load, *(ui[k].change for k in ("image", "color", "size", "schedule", "t", "seed"))]
    # x_t with its numbers, and beside it what the network is trained to output: same inputs, same triggers
    for fn, outputs, api in ((view, view_out, "forward_view"), (targets, targets_out, "forward_targets")):
        gr.on(triggers, fn, view_in, outputs, api_name=name(api), trigger_mode="always_last", **public)
    t_range = lambda T_, t_: gr.Slider(maximum=T_ - 1, value=min(t_, T_ - 1))  # noqa: E731
    ui["T"].release(t_range, [ui["T"], ui["t"]], ui["t"], api_name=name("forward_t_range"), **private).then(
        view, view_in, view_out, api_name=name("forward_view_after_T"), **private
    ).then(targets, view_in, targets_out, api_name=name("forward_targets_after_T"), **private)
    strip_in = [*view_in[:5], ui["timesteps"], ui["seed"]]
    strip_on = [page.load, ui["strip_btn"].click, ui["timesteps"].submit]
    gr.on(strip_on, strip, strip_in, ui["gallery"], api_name=name("forward_strip"), **public)
    post_in = [ui[k] for k in ("image", "p_steps", "p_start", "p_end", "seed")]
    post_on = [page.load, ui["p_btn"].click]
    gr.on(post_on, post_demo, post_in, [ui["p_grid"], ui["p_mean"]], api_name=name("forward_post_demo"), **public)
    anim_in = [*view_in[:5], ui["seed"]]
    ui["anim_btn"].click(animation, anim_in, ui["anim"], api_name=name("forward_animation"), **public)
    ui["anim_btn"].click(lambda: gr.Image(visible=True), None, ui["anim"], queue=False, **private)
    sched_out = [ui["sched_plot"], ui["sched_table"]]
    gr.on([page.load, ui["T"].release], schedules, ui["T"], sched_out, api_name=name("forward_schedules"), **public)
