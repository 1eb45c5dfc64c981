"""The 2-D lab (sections of the point-cloud panel): both objectives and every sampler on one chart, guidance on
labelled shapes, and what a trained model learned (density, carried mesh, a clicked trajectory).

Endpoints (``gradio_client``):
- ``/points_objectives(seed)`` streams (status, chart, JSON): the session's model and one of the other objective
  (trained on the same data if the session has none) sampled by every sampler at 2-200 network evaluations.
- ``/points_guidance(objective, w, seed)`` streams (status, triptych, scores plot, JSON) for the labelled shapes.
- ``/points_view(s)`` -> (picture, status, JSON): density at time s, the carried mesh.
- ``/points_trace(s, x, y)`` -> (picture, status, JSON): the same with the ODE path through (x, y) at time s.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import gradio as gr
import numpy as np
import torch
from matplotlib.figure import Figure

from diffusion import flow, limits, toy2d, training
from diffusion.limits import Limit
from panels import common
from panels.common import PanelContext, Slider, as_choice, check, say
from panels.lab_plots import (
    VIEW_EXTENT,
    VIEW_PIXELS,
    curve_label,
    guidance_figure,
    pixel_to_point,
    sampler_figure,
    scores_figure,
    view_figure,
)
from panels.lab_strings import STRINGS
from panels.priority import step_aside

t = common.make_translator(STRINGS)

OBJECTIVE_STEPS = 3000  # training steps of the other objective's model (about 15 s on 2 cores)
LABELLED_STEPS, LABELLED_POINTS = 2500, 6000
TRIPTYCH = (-0.5, 1.0, 10.0)  # too weak, about right, too strong (measured: bench/toy2d.py)
W_CURVE = (-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
GUIDED_SAMPLER = {"flow": ("heun", 10), "denoise": ("ddim", 50)}
CURVE_POINTS = 1000  # samples per point of the chart (2,000 take 3x as long for a smoother line)
UPDATE_S = 1.0
CURVE_BUDGETS = (2, 4, 10, 20, 50, 100)  # network evaluations
OBJECTIVES = {o: o for o in flow.OBJECTIVES}
VIEW_LIMIT = Limit("x", -VIEW_EXTENT, VIEW_EXTENT)  # a point traced in the view: inside its picture


def _err(key: str, request: gr.Request | None) -> gr.Error:
    return gr.Error(say(STRINGS, key, common.language(request)))


def session_model(state: dict | None, request: gr.Request | None) -> dict:
    """The session's trained point model (see points.train), or a gr.Error asking to train one."""
    if not state or state.get("model") is None:
        raise _err("lab.no_model", request)
    return state


class Fit:
    """Train a fresh point model: iterating yields the step about once a second; ``model`` is the EMA model at
    the end. ``data``: (N, 2) points, or a ``toy2d.LabelledPoints`` stream for a class-conditional config."""

    def __init__(self, config: toy2d.ToyConfig, data: np.ndarray | toy2d.LabelledPoints, steps: int, seed: int):
        self.state = toy2d.new_toy_state(toy2d.default_train_config(steps, seed, config.objective), config, seed)
        self.data = torch.as_tensor(data) if isinstance(data, np.ndarray) else data
        self.model: toy2d.ToyMLP | None = None

    def __iter__(self) -> Iterator[int]:
        last = time.perf_counter()
        for p in training.train(self.state, self.data):
            step_aside()
            if time.perf_counter() - last > UPDATE_S:
                last = time.perf_counter()
                yield p.step
        self.model = self.state.ema.model


def objectives(seed, state, request: gr.Request = None, progress=gr.Progress()):
    """Handler for /points_objectives: every sampler of both objectives against network evaluations."""
    state, lang, seed = session_model(state, request), common.language(request), check(limits.POINT_SEED, seed)
    models, data = dict(state.get("models") or {state["objective"]: state["model"]}), state["data"]
    for objective in flow.OBJECTIVES:
        if objective not in models:
            name = say(STRINGS, f"lab.{objective}", lang)
            run = Fit(toy2d.ToyConfig(objective=objective), data, OBJECTIVE_STEPS, seed)
            for step in run:
                progress(step / OBJECTIVE_STEPS)
                status = say(STRINGS, "lab.training_other", lang, objective=name, step=step, steps=OBJECTIVE_STEPS)
                yield status, None, None, state
            models[objective] = run.model
    state = {**state, "models": models}
    yield (*compare_all(models, data, seed, lang, common.plot_language(request)), state)


def compare_all(
    models: dict[str, toy2d.ToyMLP], data: np.ndarray, seed: int, lang: str, plot_lang: str
) -> tuple[str, Figure, dict]:
    """(status, chart, numbers) of ``toy2d.sampler_curves`` over ``models``: the status in ``lang``, the chart's
    labels in ``plot_lang`` (English where no Chinese font is installed)."""
    n = min(CURVE_POINTS, len(data) // 2)
    curves = toy2d.sampler_curves(models, data, n, seed, budgets=CURVE_BUDGETS)
    floor = toy2d.sample_floor(data, n, seed)
    noise = toy2d.sliced_wasserstein(np.random.default_rng(seed).standard_normal((n, 2)), data)
    best = min(((swd, name) for name, pts in curves.items() for nfe, swd in pts if nfe <= 20))
    status = say(STRINGS, "lab.compared", lang, best=curve_label(best[1], lang), swd=best[0], floor=floor)
    numbers = {"curves": {k: [[nfe, round(d, 5)] for nfe, d in v] for k, v in curves.items()}, "floor": floor}
    return status, sampler_figure(curves, floor, noise, plot_lang), {**numbers, "noise": noise}


_LABELLED: OrderedDict[tuple[str, int], toy2d.ToyMLP] = OrderedDict()  # (objective, seed) -> model
_LABELLED_LOCK = threading.Lock()
MAX_LABELLED = 8  # trained labelled models kept for everyone (each ~0.2 MB; deterministic from their key)


def labelled_model(objective: str, seed: int, lang: str) -> Iterator[tuple[str | None, toy2d.ToyMLP | None]]:
    """The labelled-shapes model for (objective, seed): from memory, or trained (yielding status lines)."""
    with _LABELLED_LOCK:
        hit = _LABELLED.get((objective, seed))
    if hit is None:
        pts, labels = toy2d.labelled_shapes(LABELLED_POINTS, seed)
        config = toy2d.ToyConfig(objective=objective, num_classes=len(toy2d.CLASS_NAMES))
        stream = toy2d.LabelledPoints(pts, labels, toy2d.default_train_config().batch_size, seed)
        name = say(STRINGS, f"lab.{objective}", lang)
        run = Fit(config, stream, LABELLED_STEPS, seed)
        for step in run:
            yield say(STRINGS, "lab.training_labelled", lang, objective=name, step=step, steps=LABELLED_STEPS), None
        hit = run.model
        with _LABELLED_LOCK:
            _LABELLED[(objective, seed)] = hit
            while len(_LABELLED) > MAX_LABELLED:
                _LABELLED.popitem(last=False)
    yield None, hit


def guided(model: toy2d.ToyMLP, w: float, seed: int, per_class: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """(points (3 per_class, 2), asked labels) sampled with guidance w, the same noise for every w."""
    asked = torch.arange(len(toy2d.CLASS_NAMES)).repeat_interleave(per_class)
    sampler, steps = GUIDED_SAMPLER[model.config.objective]
    pts = toy2d.sample_points(model, len(asked), sampler, steps, seed, labels=asked, guidance=w)
    return pts, asked.numpy()


_CURVES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # labelled model -> its scores over W_CURVE


def _w_curve(model: toy2d.ToyMLP, seed: int, data: np.ndarray, labels: np.ndarray) -> list[dict]:
    """The guidance scores at every w of ``W_CURVE`` (they depend on the model and seed only: computed once)."""
    if model not in _CURVES:
        _CURVES[model] = [toy2d.guidance_scores(*guided(model, v, seed, 100), data, labels) for v in W_CURVE]
    return _CURVES[model]


def guidance(objective, w, seed, request: gr.Request = None, progress=gr.Progress()):
    """Handler for /points_guidance: the same-noise triptych (too weak, right, too strong) and the chosen w."""
    objective, lang = as_choice(objective, "Objective", OBJECTIVES), common.language(request)
    plot_lang = common.plot_language(request)
    w, seed = check(limits.POINT_GUIDANCE, w), check(limits.POINT_SEED, seed)
    for status, model in labelled_model(objective, seed, lang):
        if model is None:
            yield status, None, None, None
    data, labels = toy2d.labelled_shapes(LABELLED_POINTS, seed)
    shown = [*zip(("lab.weak", "lab.right", "lab.strong"), TRIPTYCH, strict=True), ("lab.yours", w)]
    panels = [(f"{say(STRINGS, key, plot_lang)} · w = {v:g}", *guided(model, v, seed)) for key, v in shown]
    scores = _w_curve(model, seed, data, labels)
    mine = toy2d.guidance_scores(panels[-1][1], panels[-1][2], data, labels)
    sampler = "{} {}".format(*GUIDED_SAMPLER[objective]).title()
    model_name = say(STRINGS, f"lab.{objective}", lang)
    status = say(
        STRINGS,
        "lab.guided",
        lang,
        w=w,
        accuracy=mine["class_accuracy"],
        off=mine["median_off_shape"],
        model=model_name,
        sampler=sampler,
    )
    numbers = {"w": w, **mine, "curve": [{"w": v, **s} for v, s in zip(W_CURVE, scores, strict=True)]}
    figures = guidance_figure(panels, data, plot_lang), scores_figure(list(W_CURVE), scores, w, plot_lang)
    yield status, *figures, numbers


_VIEWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> {s: (log p on the grid, mesh)}
GRID = 64


def _density_and_mesh(model: toy2d.ToyMLP, s: float) -> tuple[np.ndarray, np.ndarray]:
    """log p_s on a GRID x GRID raster of the view and the mesh at the nearest step to s (kept per model)."""
    views = _VIEWS.setdefault(model, {})
    if "mesh" not in views:  # the whole carried mesh, every step: one per model, whatever the time shown
        views["mesh"] = toy2d.mesh(model)
    if s not in views:
        g = np.linspace(-VIEW_EXTENT, VIEW_EXTENT, GRID)
        points = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
        views[s] = toy2d.density(model, s, points).reshape(GRID, GRID)
        while len(views) > 9:  # the mesh and 8 times
            views.pop(next(k for k in views if k != "mesh"))
    return views[s], min(views["mesh"], key=lambda f: abs(f[0] - s))[1]


def _picture(fig: Figure) -> str:
    path = common.output_path(".png")
    fig.savefig(path, dpi=100)
    return path


def view(s, state, request: gr.Request = None):
    """Handler for /points_view: the model's density and carried mesh at time s."""
    return trace(s, None, None, state, request)


def trace(s, x, y, state, request: gr.Request = None):
    """Handler for /points_trace: the view at time s with the ODE path through (x, y) (None, None: no path)."""
    state, lang, plot_lang = session_model(state, request), common.language(request), common.plot_language(request)
    s = round(check(limits.FLOW_TIME, s), 2)
    model, t0 = state["model"], time.perf_counter()
    log_p, mesh = _density_and_mesh(model, s)
    path = None
    if x is not None and y is not None:
        point = np.array([check(VIEW_LIMIT.named("x"), x), check(VIEW_LIMIT.named("y"), y)])
        path = toy2d.trajectory(model, point, s)
    mass = float(np.exp(log_p).sum() * (2 * VIEW_EXTENT / (GRID - 1)) ** 2)
    model_name = say(STRINGS, f"lab.{model.config.objective}", plot_lang)
    title = say(STRINGS, "lab.density_title", plot_lang, s=s, model=model_name)
    picture = _picture(view_figure(log_p, mesh, path, state["data"][:3000], title))
    status = say(STRINGS, "lab.viewed", lang, s=s, mass=mass, seconds=time.perf_counter() - t0)
    numbers: dict[str, Any] = {"s": s, "mass": round(mass, 4), "objective": model.config.objective}
    if path is not None:
        (x1, y1), (x0, y0) = path[0], path[-1]
        status += " " + say(STRINGS, "lab.traced", lang, x=point[0], y=point[1], s=s, x1=x1, y1=y1, x0=x0, y0=y0)
        numbers.update(
            noise_end=[round(float(x1), 4), round(float(y1), 4)], data_end=[round(float(x0), 4), round(float(y0), 4)]
        )
    return picture, status, numbers


def trace_click(s, state, evt: gr.SelectData, request: gr.Request = None):
    """A click on the view: trace the path through the clicked point (pixel -> plane)."""
    u, v = evt.index
    x, y = pixel_to_point(u, v, (VIEW_PIXELS, VIEW_PIXELS))
    return trace(s, x, y, state, request)


# the controls at their defaults: guidance (objective, w, seed), the view's time s
GUIDANCE_DEFAULTS, VIEW_DEFAULT = ("flow", 3.0, 0), 0.0


def default_outputs(state: dict, lang: str = "en") -> tuple:
    """What the lab shows before the first click, for the session's default model ``state`` (points.default_run),
    with its text in ``lang``: (objectives status, chart, JSON, the state with both models, guidance status,
    triptych, scores, JSON, view picture, status, JSON). Models already trained are reused (``state``'s, and the
    labelled one kept by ``labelled_model``), so a second language costs only the figures."""
    reader = common.ReaderLanguage(lang)
    *_, objectives_out = objectives(GUIDANCE_DEFAULTS[2], state, reader, progress=common.no_progress)
    *_, guidance_out = guidance(*GUIDANCE_DEFAULTS, reader, progress=common.no_progress)
    picture, status, numbers = view(VIEW_DEFAULT, objectives_out[3], reader)
    return (*objectives_out, *guidance_out, common.keep_file(picture), status, numbers)


def build(ctx: PanelContext, model_state: gr.State, seed: gr.Slider) -> list:
    """Lay out the lab's sections under the point-cloud panel and wire them; returns the outputs that
    ``default_outputs`` fills, in its order."""
    objectives_out = _objectives_section(ctx, model_state, seed)
    guidance_out = _guidance_section(ctx)
    view_out = _view_section(ctx, model_state)
    return [*objectives_out, model_state, *guidance_out, *view_out]


def objective_choice(value: str, **kwargs: Any) -> gr.Radio:
    """The objective picker (denoising or flow matching), labelled in the reader's language."""
    return common.Radio(
        [(t(f"lab.obj_{o}"), o) for o in flow.OBJECTIVES], value=value, label=t("lab.objective"), **kwargs
    )


def _objectives_section(ctx: PanelContext, model_state: gr.State, seed: gr.Slider) -> list:
    gr.Markdown(t("lab.objectives_intro"))
    button = gr.Button(t("lab.compare"), variant="primary")
    status = gr.Markdown(elem_id="lab-objectives-status" + ctx.suffix)
    chart = common.Plot(show_label=False, format="png")
    numbers = gr.JSON(visible=False)
    outputs, name = [status, chart, numbers], ctx.api_name("points_objectives")
    lane = {"api_visibility": ctx.visibility, **common.MODEL_LANE}
    button.click(objectives, [seed, model_state], [*outputs, model_state], api_name=name, **lane)
    return outputs


def _guidance_section(ctx: PanelContext) -> list:
    gr.Markdown(t("lab.guidance_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            objective = objective_choice(GUIDANCE_DEFAULTS[0])
            w = Slider(limits.POINT_GUIDANCE, GUIDANCE_DEFAULTS[1], step=0.5, label=t("lab.guidance"))
            seed = Slider(limits.POINT_SEED, GUIDANCE_DEFAULTS[2], label=t("lab.seed"))
            button = gr.Button(t("lab.guide"), variant="primary")
            status = gr.Markdown(elem_id="lab-guidance-status" + ctx.suffix)
        with gr.Column(scale=2):
            triptych = common.Plot(show_label=False, format="png")
            scores = common.Plot(show_label=False, format="png")
    numbers = gr.JSON(visible=False)
    outputs, lane = [status, triptych, scores, numbers], {"api_visibility": ctx.visibility, **common.MODEL_LANE}
    button.click(guidance, [objective, w, seed], outputs, api_name=ctx.api_name("points_guidance"), **lane)
    return outputs


def _view_section(ctx: PanelContext, model_state: gr.State) -> list:
    gr.Markdown(t("lab.views_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            s = Slider(limits.FLOW_TIME, VIEW_DEFAULT, step=0.05, label=t("lab.time"))
            button = gr.Button(t("lab.show"))
            status = gr.Markdown(elem_id="lab-view-status" + ctx.suffix)
            x = gr.Number(None, visible=False)
            y = gr.Number(None, visible=False)
        with gr.Column(scale=2):
            picture = gr.Image(label=t("lab.view"), interactive=False, height=460, elem_id="lab-view" + ctx.suffix)
    numbers = gr.JSON(visible=False)
    outputs, lane = [picture, status, numbers], {"api_visibility": ctx.visibility, **common.MODEL_LANE}
    button.click(view, [s, model_state], outputs, api_name=ctx.api_name("points_view"), **lane)
    picture.select(trace_click, [s, model_state], outputs, **{**lane, "api_visibility": "private"})
    # the API's way to trace a point (a click carries the point in its event data instead)
    trace_in = [s, x, y, model_state]
    gr.Button(visible=False).click(trace, trace_in, outputs, api_name=ctx.api_name("points_trace"), **lane)
    return outputs
