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
import functools
import time
from typing import Any

import gradio as gr
import numpy as np
import torch

from diffusion import flow, imaging, limits, toy2d, training
from diffusion.render import CloudRenderer, write_mp4
from panels import common, lab
from panels.common import ImageInput, PanelContext, Plot, Slider, as_choice, check, say, user_errors
from panels.lab_strings import STRINGS as LAB_STRINGS
from panels.points_plots import forward_stats_figure, paths_figure, score_figure, steps_figure, training_figure
from panels.points_strings import STRINGS as POINTS_STRINGS
from panels.priority import step_aside

STRINGS = common.merge_strings(POINTS_STRINGS, LAB_STRINGS)
t = common.make_translator(STRINGS)

CONFIG = toy2d.ToyConfig()
FPS = 30
FORWARD_FRAMES = 90
FILM_POINTS = 2000  # particles in the reverse film (the distance uses all of them)
UPDATE_S = 1.0  # streamed training updates at most once a second
SAMPLERS = {"DDPM": "ddpm", "DDIM": "ddim", "Euler": "euler", "Heun": "heun"}
OBJECTIVES = {o: o for o in flow.OBJECTIVES}
PREVIEW = {"denoise": ("ddim", 50), "flow": ("heun", 10)}  # the samples shown while training


def dataset(name: Any, word: Any, shape: Any, n: Any, seed: Any) -> np.ndarray:
    """The chosen cloud, (n, 2), or a gr.Error saying what is wrong."""
    n = check(limits.POINTS, n)
    image = None
    if name == "shape" and shape is not None:
        with user_errors():
            image = imaging.open_image(shape)
    with user_errors():
        return toy2d.make_dataset(
            name, n, check(limits.POINT_SEED, seed), word=word if isinstance(word, str) else "", image=image
        )


def _film(frames_points: list[np.ndarray], temps: list[float], arrows: list | None = None) -> str:
    renderer = CloudRenderer()
    frames, trail = [], []
    for i, (pts, temp) in enumerate(zip(frames_points, temps, strict=True)):
        frames.append(renderer.draw(pts, temp, trail[-3:], arrows[i] if arrows else None))
        trail.append(pts)
    frames += [frames[-1]] * FPS  # hold the last frame for a second
    return write_mp4(frames, common.output_path(".mp4"), fps=FPS)


def forward(name, word, shape, n, seed, progress=gr.Progress()):
    """Handler for /points_forward: every particle follows the forward chain to N(0, I)."""
    video, ts, clouds = _forward(name, word, shape, n, seed, progress)
    return video, forward_stats_figure(ts, clouds, CONFIG)


def _forward(name, word, shape, n, seed, progress) -> tuple[str, list[int], list[np.ndarray]]:
    """The forward film, and the timesteps and clouds its figure is drawn from."""
    data = dataset(name, word, shape, n, seed)
    progress(0.2, desc=say(STRINGS, "points.p_simulating"))
    ts = np.unique(np.round(np.linspace(0, 1, FORWARD_FRAMES) ** 2 * CONFIG.T).astype(int)).tolist()
    clouds = toy2d.forward_chain(data, CONFIG, ts, seed=check(limits.POINT_SEED, seed))
    progress(0.5, desc=say(STRINGS, "points.p_rendering"))
    video = _film([c[:FILM_POINTS] for c in clouds], [toy2d.noise_share(CONFIG, t_) for t_ in ts])
    return video, ts, clouds


def _kept_models(previous: dict | None, data: np.ndarray) -> dict:
    """The session's models of the other objective, kept when they learned the same data."""
    if previous and previous.get("data") is not None and np.array_equal(previous["data"], data):
        return dict(previous.get("models") or {})
    return {}


def train(name, word, shape, n, seed, steps, objective="denoise", previous=None, progress=gr.Progress()):
    """Handler for /points_train: train the MLP with either objective, streaming the loss and samples."""
    data, objective = dataset(name, word, shape, n, seed), as_choice(objective, "Objective", OBJECTIVES)
    seed, config = check(limits.POINT_SEED, seed), toy2d.ToyConfig(objective=objective)
    state = toy2d.new_toy_state(toy2d.default_train_config(int(steps), seed, objective), config, seed)
    noise_swd = toy2d.sliced_wasserstein(np.random.default_rng(seed).standard_normal(data.shape), data)
    trained = {"model": None, "objective": objective, "models": _kept_models(previous, data), "data": data}
    last, t0 = 0.0, time.perf_counter()
    for p in training.train(state, torch.from_numpy(data)):
        step_aside()
        if time.perf_counter() - last > UPDATE_S or p.step == state.cfg.steps:
            samples = toy2d.sample_points(state.ema.model, 1000, *PREVIEW[objective], seed=seed)
            swd = toy2d.sliced_wasserstein(samples, data)
            trained["model"] = copy.deepcopy(state.ema.model)  # the session keeps this if the run is stopped
            trained["models"] = {**trained["models"], objective: trained["model"]}
            progress(p.step / state.cfg.steps, desc=say(STRINGS, "points.p_step", step=p.step))
            numbers = {"step": p.step, "total": state.cfg.steps, "objective": objective, "loss": p.loss}
            numbers.update(seconds=time.perf_counter() - t0, swd=swd, noise=noise_swd)
            trained["report"] = (numbers, list(state.losses), samples)
            yield (*training_report(trained), dict(trained))
            last = time.perf_counter()


def training_report(trained: dict) -> tuple[str, Any]:
    """The training status and figure of a run (``trained["report"]``), in the reader's language."""
    numbers, losses, samples = trained["report"]
    objective = say(STRINGS, f"lab.obj_{numbers['objective']}")
    status = say(STRINGS, "points.train_line", **{**numbers, "objective": objective})
    return status, training_figure(losses, samples, trained["data"], numbers["total"], numbers["objective"])


def _trained(state: dict | None, request: gr.Request | None = None) -> dict:
    return lab.session_model(state, request)


def _film_of_path(model: toy2d.ToyMLP, path: list[tuple[float, np.ndarray]]) -> str:
    """The reverse film: every particle along ``path`` [(s, x)], over the field it follows."""
    keep = np.unique(np.linspace(0, len(path) - 1, min(len(path), 150)).round().astype(int))
    g = np.linspace(-2.6, 2.6, 15)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    clouds, temps, arrows = [], [], []
    for i in keep:
        s_, pts = path[i]
        s_field = path[i + 1][0] if i + 1 < len(path) else s_  # the field that moves the particles on from here
        field = toy2d.drift_field(model, s_field, grid)
        field *= 0.16 / (np.linalg.norm(field, axis=1, keepdims=True).max() + 1e-12)
        clouds.append(pts[:FILM_POINTS])
        temps.append(toy2d.noise_std(model.config, s_))
        arrows.append((grid, field))
    return _film(clouds, temps, arrows)


def samplers_for(objective: Any, current: Any) -> gr.Radio:
    """The sampler picker offering only the samplers of ``objective``'s model (a flow-matching model has no DDPM):
    ``current`` kept when it is one of them, else the one its training previews use."""
    objective = objective if objective in toy2d.SAMPLERS_OF else "denoise"
    names = [k for k, v in SAMPLERS.items() if v in toy2d.SAMPLERS_OF[objective]]
    first = next(k for k, v in SAMPLERS.items() if v == PREVIEW[objective][0])
    return common.Radio(choices=names, value=current if current in names else first)


def _method(sampler: Any, model: toy2d.ToyMLP, request: gr.Request | None) -> str:
    method = as_choice(sampler, "Sampler", SAMPLERS)
    if method not in toy2d.SAMPLERS_OF[model.config.objective]:
        raise lab._err("lab.wrong_sampler", request)
    return method


def reverse(sampler, steps, seed, state, request: gr.Request = None, progress=gr.Progress()):
    """Handler for /points_reverse: the particles flow back along the learned field (score or velocity)."""
    state = _trained(state, request)
    model, data = state["model"], state["data"]
    method = _method(sampler, model, request)
    progress(0.1, desc=say(STRINGS, "points.p_sampling"))
    path = toy2d.sample_path(model, len(data), method, int(steps), check(limits.POINT_SEED, seed))
    progress(0.4, desc=say(STRINGS, "points.p_rendering"))
    return _film_of_path(model, path), *reverse_report(model, path, data, sampler, int(steps))


def reverse_report(model: toy2d.ToyMLP, path: list, data: np.ndarray, sampler: str, steps: int) -> tuple[Any, str]:
    """The reverse film's field figure and its status, in the reader's language."""
    swd = toy2d.sliced_wasserstein(path[-1][1], data)
    nfe = toy2d.evaluations(model.config, SAMPLERS[sampler], steps)
    status = say(STRINGS, "points.reverse_status", run=f"{sampler}-{steps}", nfe=nfe, swd=swd)
    return score_figure(model, path), status


def compare(seed, state, request: gr.Request = None, progress=gr.Progress()):
    """Handler for /points_compare: the model's samplers' paths from the same noise, and the distance against
    the number of steps."""
    state = _trained(state, request)
    return _compare_figures(_compare(check(limits.POINT_SEED, seed), state["model"], state["data"], progress))


def _compare(seed: int, model: toy2d.ToyMLP, data: np.ndarray, progress: Any) -> tuple:
    """What ``compare`` draws: (paths of 200 points, data, {sampler: [(steps, distance)]}, the distance of a fresh
    sample of the data, the distance of pure noise)."""
    samplers = [k for k, v in SAMPLERS.items() if v in toy2d.SAMPLERS_OF[model.config.objective]]
    paths = {f"{k}-50": toy2d.sample_path(model, 200, SAMPLERS[k], 50, seed) for k in samplers}
    results: dict[str, list[tuple[int, float]]] = {}
    runs = [(k, s) for k in samplers for s in (5, 10, 20, 50, 200, 1000)]
    n = min(len(data), 2000)  # enough points for the distance; keeps the samplings to a few seconds
    for i, (k, s) in enumerate(runs):
        progress(i / len(runs), desc=f"{k}-{s}")
        pts = toy2d.sample_points(model, n, SAMPLERS[k], s, seed)
        results.setdefault(k, []).append((s, toy2d.sliced_wasserstein(pts, data)))
    rng = np.random.default_rng(seed + 1)
    noise = toy2d.sliced_wasserstein(rng.standard_normal(data.shape), data)
    return paths, data, results, toy2d.sample_floor(data, n, seed), noise


def _compare_figures(computed: tuple) -> tuple:
    """``compare``'s figures, in the reader's language, from what ``_compare`` computed."""
    paths, data, results, floor, noise = computed
    return paths_figure(paths, data), steps_figure(results, floor, noise)


def use_drawing(sketch: Any, request: gr.Request = None) -> tuple[str, str]:
    """The drawing on the sketchpad as the "your shape" image (a PNG of its strokes), and that data set chosen.
    ``sketch`` is its composite undecoded (``DrawingInput``): opened here with the pixel cap of a drawing."""
    if sketch is None:
        raise lab._err("lab.no_drawing", request)
    path = common.output_path(".png")
    with user_errors():
        drawing = imaging.open_image(sketch, limits.DRAWING_PIXELS)
        try:
            imaging.shape_mask(drawing)  # a blank canvas says so here, not at training
        except imaging.BlankImageError:
            raise lab._err("lab.no_drawing", request) from None
        imaging.to_8bit(drawing).save(path)
    return path, "shape"


# the controls at their defaults: the data set (name, word, shape, points, seed), training steps, the sampler
DATA_DEFAULTS = ("spiral", "Hi", None, 5000, 0)
TRAIN_DEFAULT, SAMPLER_DEFAULT = 3000, ("DDPM", 200)


@functools.cache
def _default_computation() -> dict[str, Any]:
    """What the panel's default result is drawn from, in no language: the films, the trained models (with their
    training report) and the samplers' paths (computed once, ~1 min)."""
    video, ts, clouds = _forward(*DATA_DEFAULTS, progress=common.no_progress)
    *_, (_, _, trained) = train(*DATA_DEFAULTS, TRAIN_DEFAULT, progress=common.no_progress)
    model, data = trained["model"], trained["data"]
    sampler, steps = SAMPLER_DEFAULT
    path = toy2d.sample_path(model, len(data), SAMPLERS[sampler], steps, DATA_DEFAULTS[4])
    return {
        "forward": (common.keep_file(video), ts, clouds),
        "trained": trained,
        "path": path,
        "reverse_video": common.keep_file(_film_of_path(model, path)),
        "compare": _compare(DATA_DEFAULTS[4], model, data, common.no_progress),
        # the session's state with the lab's models too (the flow-matching one trained once, for every language)
        "lab_state": lab.default_outputs(trained)[3],
    }


@common.default_result
def default_run() -> tuple:
    """Every output of the panel for its default settings, before the first click, in the reader's language:
    (forward film, its plot, training status, loss plot, reverse film, score plot, reverse status, paths plot,
    steps plot, then ``lab.default_outputs``: the visitor's session starts with the default models). The models
    and films are the same in every language (``_default_computation``); only the text and figures differ."""
    computed = _default_computation()
    video, ts, clouds = computed["forward"]
    trained = computed["trained"]
    status, loss_plot = training_report(trained)
    score, rev_status = reverse_report(trained["model"], computed["path"], trained["data"], *SAMPLER_DEFAULT)
    paths, steps = _compare_figures(computed["compare"])
    lab_out = lab.default_outputs(computed["lab_state"], common.reader_language())
    stats = forward_stats_figure(ts, clouds, CONFIG)
    return (video, stats, status, loss_plot, computed["reverse_video"], score, rev_status, paths, steps, *lab_out)


def _data_controls(sfx: str) -> tuple[list, gr.Button]:
    """The data set column: (name, word, shape, n, seed), the drawing pad, the forward button."""
    name = common.Radio(
        [(t(f"points.ds_{v}"), v) for v in toy2d.DATASETS], value=DATA_DEFAULTS[0], label=t("points.dataset")
    )
    word = gr.Textbox(DATA_DEFAULTS[1], label=t("points.word"), max_length=toy2d.MAX_TEXT)
    shape = ImageInput(None, type="filepath", label=t("points.shape"), sources=["upload"], height=140)
    with gr.Accordion(t("lab.sketch"), open=False):
        gr.Markdown(t("lab.draw_intro"))
        sketch = common.DrawingInput(
            type="pil", height=260, canvas_size=(400, 400), label=t("lab.sketch"), elem_id="points-sketch" + sfx
        )
        use = gr.Button(t("lab.use_drawing"), size="sm", elem_id="points-use-drawing" + sfx)
    # queued in a lane of its own: the queue's per-visitor limits apply to it as to every input (panels/fairness.py)
    drawing_lane = {"concurrency_id": "drawing", "concurrency_limit": 1}
    use.click(use_drawing, sketch, [shape, name], api_visibility="private", **drawing_lane)
    n = Slider(limits.POINTS, DATA_DEFAULTS[3], step=100, label=t("points.n"))
    seed = Slider(limits.POINT_SEED, DATA_DEFAULTS[4], label=t("points.seed"))
    return [name, word, shape, n, seed], gr.Button(t("points.forward"))


def build(ctx: PanelContext) -> None:
    """The panel: data, forward film, training, the reverse film and its comparisons, then the 2-D lab."""
    common.intro(ctx, STRINGS, "points.intro")
    ui = _layout_data_and_training(ctx)
    ui.update(_layout_reverse(ctx.suffix))
    ui["model"] = gr.State(None)  # the session's trained models (points.train), for the reverse film and the lab
    ui["lab"] = lab.build(ctx, ui["model"], ui["data"][4])
    _wire(ctx, ui)


def _layout_data_and_training(ctx: PanelContext) -> dict[str, Any]:
    sfx, ui = ctx.suffix, {}
    with gr.Row():
        with gr.Column(scale=1, min_width=280, elem_classes="controls"):
            ui["data"], ui["forward"] = _data_controls(sfx)
        with gr.Column(scale=2), gr.Row():
            video = {"autoplay": True, "loop": True, "height": 320, "elem_id": "points-forward" + sfx}
            ui["forward_video"] = gr.Video(label=t("points.forward_video"), **video)
            ui["forward_plot"] = Plot(show_label=False, format="png")
    gr.Markdown(t("points.train_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=280, elem_classes="controls"):
            ui["objective"] = lab.objective_choice("denoise", elem_id="points-objective" + sfx)
            ui["steps"] = Slider(limits.POINT_TRAIN_STEPS, TRAIN_DEFAULT, step=100, label=t("points.steps"))
            with gr.Row():
                ui["train"] = gr.Button(t("points.train"), variant="primary", elem_id="points-train" + sfx)
                ui["stop"] = gr.Button(t("points.stop"), variant="stop")
        with gr.Column(scale=2):
            ui["train_status"] = gr.Markdown(elem_id="points-status" + sfx)
            ui["train_plot"] = Plot(show_label=False, format="png")
    return ui


def _layout_reverse(sfx: str) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    gr.Markdown(t("points.reverse_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=280, elem_classes="controls"):
            ui["sampler"] = common.Radio(list(SAMPLERS), value=SAMPLER_DEFAULT[0], label=t("points.sampler"))
            ui["sample_steps"] = Slider(limits.POINT_SAMPLE_STEPS, SAMPLER_DEFAULT[1], label=t("points.sample_steps"))
            ui["reverse"] = gr.Button(t("points.reverse"), variant="primary")
            ui["reverse_status"] = gr.Markdown(elem_id="points-reverse-status" + sfx)
            ui["compare"] = gr.Button(t("points.compare"))
        with gr.Column(scale=2):
            ui["reverse_video"] = gr.Video(label=t("points.reverse_video"), autoplay=True, loop=True, height=360)
            ui["score_plot"] = Plot(show_label=False, format="png")
    with gr.Row():
        ui["paths_plot"] = Plot(show_label=False, format="png")
        ui["steps_plot"] = Plot(show_label=False, format="png")
    return ui


def _wire(ctx: PanelContext, ui: dict[str, Any]) -> None:
    data, model, name = ui["data"], ui["model"], ctx.api_name
    heavy, render = {**common.MODEL_LANE, "api_visibility": ctx.visibility}, {"concurrency_id": "render"}
    # the shape upload is not a link's to set
    linked = [*data[:2], *data[3:], *(ui[k] for k in ("steps", "objective", "sampler", "sample_steps"))]
    common.url_params(ctx, "dataset word n seed steps objective sampler sample_steps", *linked)
    shown = ("forward_video", "forward_plot", "train_status", "train_plot", "reverse_video", "score_plot")
    outputs = [*(ui[k] for k in shown), ui["reverse_status"], ui["paths_plot"], ui["steps_plot"], *ui["lab"]]
    common.show_default(ctx.page, default_run, outputs, inputs=linked, concurrency_id="defaults", concurrency_limit=1)
    forward_out = [ui["forward_video"], ui["forward_plot"]]
    on_render = {**render, "concurrency_limit": 1, "api_visibility": ctx.visibility}
    ui["forward"].click(forward, data, forward_out, api_name=name("points_forward"), **on_render)
    train_in, train_out = [*data, ui["steps"], ui["objective"], model], [ui["train_status"], ui["train_plot"], model]
    train_event = ui["train"].click(train, train_in, train_out, api_name=name("points_train"), **heavy)
    ui["stop"].click(None, None, None, cancels=[train_event], api_name=name("points_stop"), api_visibility="private")
    # the samplers offered follow the objective picked, then the objective of the model trained
    private = {"queue": False, "api_visibility": "private"}
    ui["objective"].change(samplers_for, [ui["objective"], ui["sampler"]], ui["sampler"], **private)
    of_model = lambda m, s: samplers_for((m or {}).get("objective", "denoise"), s)  # noqa: E731
    train_event.then(of_model, [model, ui["sampler"]], ui["sampler"], **private)
    reverse_in = [ui["sampler"], ui["sample_steps"], data[4], model]
    reverse_out = [ui["reverse_video"], ui["score_plot"], ui["reverse_status"]]
    ui["reverse"].click(reverse, reverse_in, reverse_out, api_name=name("points_reverse"), **heavy)
    compare_out = [ui["paths_plot"], ui["steps_plot"]]
    ui["compare"].click(compare, [data[4], model], compare_out, api_name=name("points_compare"), **heavy)
