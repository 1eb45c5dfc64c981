"""Point-cloud panel: diffuse a 2-D cloud of particles, learn to reverse it, watch it flow back.

Endpoints (``gradio_client``):
- ``/points_forward(dataset, word, shape, n, seed)`` -> (MP4 of the forward chain, statistics plot).
- ``/points_train(dataset, word, shape, n, seed, steps)`` streams (status, plot) about once a second; the
  session keeps the trained model (its EMA weights), also when the run is stopped.
- ``/points_reverse(sampler, steps, seed)`` -> (MP4 of the reverse process over the score field, score-field
  plot, status with the sliced Wasserstein distance to the data).
- ``/points_compare(seed)`` -> (DDPM vs DDIM paths plot, distance vs steps plot).
``dataset`` is one of spiral, moons, smiley, text (uses ``word``), shape (uses the uploaded ``shape`` image).
"""

from __future__ import annotations

import copy
import time
from typing import Any

import gradio as gr
import numpy as np
import torch

from diffusion import imaging, toy2d, training
from diffusion.render import CloudRenderer, write_mp4
from panels import common
from panels.common import (
    ImageInput,
    Plot,
    Slider,
    as_choice,
    as_seed,
    make_translator,
    output_path,
    user_errors,
)
from panels.points_plots import forward_stats_figure, paths_figure, score_figure, steps_figure, training_figure
from panels.points_strings import STRINGS
from panels.priority import step_aside

t = make_translator(STRINGS)

CONFIG = toy2d.ToyConfig()
FPS = 30
FORWARD_FRAMES = 90
MAX_TRAIN_STEPS = 20_000
MAX_SAMPLE_STEPS = 1000
FILM_POINTS = 2000  # particles in the reverse film (the distance uses all of them)
UPDATE_S = 1.0  # streamed training updates at most once a second
SAMPLERS = {"DDPM": "ddpm", "DDIM": "ddim"}


def dataset(name: Any, word: Any, shape: Any, n: Any, seed: Any) -> np.ndarray:
    """The chosen cloud, (n, 2), or a gr.Error saying what is wrong."""
    n = int(n)
    image = None
    if name == "shape" and shape is not None:
        with user_errors():
            image = imaging.open_image(shape)
    with user_errors():
        return toy2d.make_dataset(name, n, as_seed(seed), word=word if isinstance(word, str) else "", image=image)


def _film(frames_points: list[np.ndarray], temps: list[float], arrows: list | None = None) -> str:
    renderer = CloudRenderer()
    frames, trail = [], []
    for i, (pts, temp) in enumerate(zip(frames_points, temps, strict=True)):
        frames.append(renderer.draw(pts, temp, trail[-3:], arrows[i] if arrows else None))
        trail.append(pts)
    frames += [frames[-1]] * FPS  # hold the last frame for a second
    return write_mp4(frames, output_path(".mp4"), fps=FPS)


def forward(name, word, shape, n, seed, progress=gr.Progress()):
    """Handler for /points_forward: every particle follows the forward chain to N(0, I)."""
    data = dataset(name, word, shape, n, seed)
    progress(0.2, desc="simulating")
    ts = np.unique(np.round(np.linspace(0, 1, FORWARD_FRAMES) ** 2 * CONFIG.T).astype(int)).tolist()
    clouds = toy2d.forward_chain(data, CONFIG, ts, seed=as_seed(seed))
    progress(0.5, desc="rendering")
    abar = toy2d.noise_levels(CONFIG)
    video = _film([c[:FILM_POINTS] for c in clouds], [float(np.sqrt(1 - abar[t_])) for t_ in ts])
    return video, forward_stats_figure(ts, clouds, CONFIG)


def train(name, word, shape, n, seed, steps, progress=gr.Progress()):
    """Handler for /points_train: train the MLP, streaming the loss and DDIM samples."""
    data = dataset(name, word, shape, n, seed)
    seed = as_seed(seed)
    state = toy2d.new_toy_state(toy2d.default_train_config(int(steps), seed), CONFIG, seed)
    x = torch.from_numpy(data)
    noise_swd = toy2d.sliced_wasserstein(np.random.default_rng(seed).standard_normal(data.shape), data)
    last, t0, samples, swd = 0.0, time.perf_counter(), None, None
    trained = {"model": None, "data": data, "name": name}
    for p in training.train(state, x):
        step_aside()
        if time.perf_counter() - last > UPDATE_S or p.step == state.cfg.steps:
            samples = toy2d.sample_points(state.ema.model, 1000, "ddim", 50, seed=seed)
            swd = toy2d.sliced_wasserstein(samples, data)
            trained["model"] = copy.deepcopy(state.ema.model)  # the session keeps this if the run is stopped
            progress(p.step / state.cfg.steps, desc=f"step {p.step}")
            status = (
                f"step {p.step} / {state.cfg.steps} · loss {p.loss:.4f} · {time.perf_counter() - t0:.1f} s · "
                f"sliced Wasserstein to the data: {swd:.3f} (pure noise: {noise_swd:.3f})"
            )
            yield status, training_figure(state.losses, samples, data, state.cfg.steps), trained
            last = time.perf_counter()


def _trained(state: dict | None) -> dict:
    if not state or state.get("model") is None:
        raise gr.Error("Train the model first (the Train button above).")
    return state


def reverse(sampler, steps, seed, state, progress=gr.Progress()):
    """Handler for /points_reverse: the particles flow back along the learned score field."""
    state = _trained(state)
    method = as_choice(sampler, "Sampler", SAMPLERS)
    model, data = state["model"], state["data"]
    progress(0.1, desc="sampling")
    path = toy2d.reverse_paths(model, len(data), method, int(steps), as_seed(seed))
    swd = toy2d.sliced_wasserstein(path[-1][1], data)
    progress(0.4, desc="rendering")
    keep = np.unique(np.linspace(0, len(path) - 1, min(len(path), 150)).round().astype(int))
    g = np.linspace(-2.6, 2.6, 15)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    abar = toy2d.schedule_of(CONFIG).alpha_bars
    clouds, temps, arrows = [], [], []
    for i in keep:
        t_, pts = path[i]
        t_field = min(max(path[min(i + 1, len(path) - 1)][0], 0), CONFIG.T - 1)
        s = toy2d.score_field(model, t_field, grid)
        s *= 0.16 / (np.linalg.norm(s, axis=1, keepdims=True).max() + 1e-12)
        clouds.append(pts[:FILM_POINTS])
        temps.append(float(np.sqrt(1 - abar[min(max(t_, 0), CONFIG.T - 1)])) if t_ >= 0 else 0.0)
        arrows.append((grid, s))
    video = _film(clouds, temps, arrows)
    status = f"{sampler}-{int(steps)}: sliced Wasserstein distance to the data {swd:.3f}"
    return video, score_figure(model, path), status


def compare(seed, state, progress=gr.Progress()):
    """Handler for /points_compare: DDPM vs DDIM paths from the same noise, and the distance against steps."""
    state = _trained(state)
    model, data = state["model"], state["data"]
    seed = as_seed(seed)
    paths = {f"{k}-50": toy2d.reverse_paths(model, 200, v, 50, seed) for k, v in SAMPLERS.items()}
    results: dict[str, list[tuple[int, float]]] = {}
    runs = [(k, v, s) for k, v in SAMPLERS.items() for s in (5, 10, 20, 50, 200, 1000)]
    n = min(len(data), 2000)  # enough points for the distance; keeps 12 samplings to a few seconds
    for i, (k, v, s) in enumerate(runs):
        progress(i / len(runs), desc=f"{k}-{s}")
        pts = toy2d.sample_points(model, n, v, s, seed)
        results.setdefault(k, []).append((s, toy2d.sliced_wasserstein(pts, data)))
    rng = np.random.default_rng(seed + 1)
    noise = toy2d.sliced_wasserstein(rng.standard_normal(data.shape), data)
    floor = toy2d.sliced_wasserstein(data[rng.permutation(len(data))[: len(data) // 2]], data)
    return paths_figure(paths, data), steps_figure(results, floor, noise)


# the controls at their defaults: the data set (name, word, shape, points, seed), training steps, the sampler
DATA_DEFAULTS = ("spiral", "Hi", None, 5000, 0)
TRAIN_DEFAULT, SAMPLER_DEFAULT = 3000, ("DDPM", 200)


@common.default_result
def default_run() -> tuple:
    """Every output of the panel for its default settings, before the first click (computed once, ~20 s):
    (forward film, its plot, training status, loss plot, the trained model, reverse film, score plot, reverse
    status, paths plot, steps plot). The visitor's session starts with that trained model."""
    video, stats = forward(*DATA_DEFAULTS, progress=common.no_progress)
    *_, (status, loss_plot, trained) = train(*DATA_DEFAULTS, TRAIN_DEFAULT, progress=common.no_progress)
    rev_video, score, rev_status = reverse(*SAMPLER_DEFAULT, DATA_DEFAULTS[4], trained, progress=common.no_progress)
    paths, steps = compare(DATA_DEFAULTS[4], trained, progress=common.no_progress)
    return (
        common.keep_file(video),
        stats,
        status,
        loss_plot,
        trained,
        common.keep_file(rev_video),
        score,
        rev_status,
        paths,
        steps,
    )


def build(page: gr.Blocks, api: bool = True) -> None:
    """Lay out the panel and wire its events (see markov.build for ``page`` and ``api``)."""
    vis, sfx = ("public", "") if api else ("private", "_page")
    gr.Markdown(t("points.intro"))
    model_state = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            name = gr.Radio(
                [(t(f"points.ds_{v}"), v) for v in toy2d.DATASETS], value=DATA_DEFAULTS[0], label=t("points.dataset")
            )
            word = gr.Textbox(DATA_DEFAULTS[1], label=t("points.word"), max_length=toy2d.MAX_TEXT)
            shape = ImageInput(None, type="filepath", label=t("points.shape"), sources=["upload"], height=140)
            n = Slider(
                toy2d.MIN_POINTS,
                toy2d.MAX_POINTS,
                DATA_DEFAULTS[3],
                step=100,
                name="Number of points",
                integer=True,
                label=t("points.n"),
            )
            seed = Slider(0, 1000, DATA_DEFAULTS[4], step=1, name="Seed", integer=True, label=t("points.seed"))
            forward_btn = gr.Button(t("points.forward"))
        with gr.Column(scale=2), gr.Row():
            forward_video = gr.Video(
                label=t("points.forward_video"),
                autoplay=True,
                loop=True,
                height=320,
                elem_id="points-forward" + sfx,
            )
            forward_plot = Plot(show_label=False, format="png")
    gr.Markdown(t("points.train_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            steps = Slider(
                100,
                MAX_TRAIN_STEPS,
                TRAIN_DEFAULT,
                step=100,
                name="Training steps",
                integer=True,
                label=t("points.steps"),
            )
            with gr.Row():
                train_btn = gr.Button(t("points.train"), variant="primary", elem_id="points-train" + sfx)
                stop_btn = gr.Button(t("points.stop"), variant="stop")
        with gr.Column(scale=2):
            train_status = gr.Markdown(elem_id="points-status" + sfx)
            train_plot = Plot(show_label=False, format="png")
    gr.Markdown(t("points.reverse_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            sampler = gr.Radio(list(SAMPLERS), value=SAMPLER_DEFAULT[0], label=t("points.sampler"))
            sample_steps = Slider(
                1,
                MAX_SAMPLE_STEPS,
                SAMPLER_DEFAULT[1],
                step=1,
                name="Sampling steps",
                integer=True,
                label=t("points.sample_steps"),
            )
            reverse_btn = gr.Button(t("points.reverse"), variant="primary")
            reverse_status = gr.Markdown(elem_id="points-reverse-status" + sfx)
            compare_btn = gr.Button(t("points.compare"))
        with gr.Column(scale=2):
            reverse_video = gr.Video(label=t("points.reverse_video"), autoplay=True, loop=True, height=360)
            score_plot = Plot(show_label=False, format="png")
    with gr.Row():
        paths_plot = Plot(show_label=False, format="png")
        steps_plot = Plot(show_label=False, format="png")

    heavy = {"concurrency_id": "model", "concurrency_limit": 1, "api_visibility": vis}
    shown = [forward_video, forward_plot, train_status, train_plot, model_state, reverse_video, score_plot]
    shown += [reverse_status, paths_plot, steps_plot]
    common.show_default(page, default_run, shown, concurrency_id="defaults", concurrency_limit=1)
    data_inputs = [name, word, shape, n, seed]
    forward_btn.click(
        forward,
        data_inputs,
        [forward_video, forward_plot],
        api_name="points_forward" + sfx,
        api_visibility=vis,
        concurrency_id="render",
        concurrency_limit=1,
    )
    train_event = train_btn.click(
        train, [*data_inputs, steps], [train_status, train_plot, model_state], api_name="points_train" + sfx, **heavy
    )
    stop_btn.click(None, None, None, cancels=[train_event], api_name="points_stop" + sfx, api_visibility="private")
    reverse_btn.click(
        reverse,
        [sampler, sample_steps, seed, model_state],
        [reverse_video, score_plot, reverse_status],
        api_name="points_reverse" + sfx,
        **heavy,
    )
    compare_btn.click(compare, [seed, model_state], [paths_plot, steps_plot], api_name="points_compare" + sfx, **heavy)
