"""Training panel: fine-tune the UNet on an uploaded image, live, on the GPU when there is one.

Endpoints (``gradio_client``; each visitor's run lives in their session):
- ``/train_start(image, start, network, prediction, size, preset, steps, lr, batch_size, ema_decay, preview_every)``
  streams (status, plot, EMA preview, raw preview, zip) after every chunk of training (a few seconds, or a
  preview boundary); the last update carries the zip of the model in Hub format.
- ``/train_stop()`` asks this session's run to stop after the current chunk (what was learned is kept: the
  run then ends with its zip, as if it had finished).
- ``/train_resume(steps, preview_every)`` continues this session's run for ``steps`` more steps.
- ``/train_push(repo_id, token, private)`` uploads this session's model to the Hub.
- ``/train_estimate(start, network, size, batch_size, steps, preview_every)`` -> the time estimate.

ZeroGPU: ``finetune.train_chunk`` runs under ``@spaces.GPU``; on a ZeroGPU Space it runs in another process, so
it takes and returns the whole run as plain data, which the session keeps between chunks. Off Spaces the
decorator returns the function itself and the chunks run here, on CUDA when present, else on the CPU.
"""

from __future__ import annotations

import functools
import math
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import torch
from PIL import Image

from diffusion import finetune, hub, imaging, limits, precision
from diffusion.recipes import FINETUNE_PRESETS
from panels import common, memory
from panels.common import (
    EXAMPLES,
    ImageInput,
    Number,
    PanelContext,
    Plot,
    Slider,
    as_choice,
    make_translator,
    output_path,
    user_errors,
)
from panels.models import ModelChoice, prepare_model, startup_models
from panels.pictures import upscale
from panels.priority import step_aside
from panels.training_plots import training_figure
from panels.training_strings import STRINGS

try:  # the `spaces` package is installed by the Space builder (and requirements-dev.txt), not requirements.txt
    import spaces
except ImportError:  # pragma: no cover - only without requirements.txt
    spaces = None

t = make_translator(STRINGS)

ZERO_GPU = bool(spaces is not None and spaces.config.Config.zero_gpu)
# Seconds of training per chunk: each chunk ends with a UI update (and, on ZeroGPU, is one GPU call whose
# start-up costs a second or two, so chunks there are longer; a visitor's quota is ~120 s).
CHUNK_SECONDS = 40.0 if ZERO_GPU else 10.0 if torch.cuda.is_available() else 3.0
# Budgets on a shared machine: training time per Start or Resume, and per session in all (runs and resumes).
# 5,000 steps of batch 16 at 128 px would otherwise hold the machine for 14 hours on the CPU.
RUN_BUDGET_S = 120.0
# On a CPU one training step holds the cores until it ends (a heavy loop can only step aside between steps):
# batch x size^2 is capped so a step takes about a second (batch 16 at 128 px took 9.8 s a step).
MAX_STEP_PIXELS_CPU = 2 * 128 * 128
# Runs kept in memory for Resume and Push (weights, EMA and optimiser: ~150 MB each at the full network): past
# this many, the least recently used idle run is dropped, and its session is told so.
MAX_LIVE_RUNS = 6
RUN_MB = 200  # what a new run allocates at first (weights, EMA, optimiser, a batch): what make_room must find
SESSION_BUDGET_S = 600.0
CLI = (
    "`python -m diffusion train --image your.png --out run --steps 3000 --resume` "
    "(README: The model on the command line)"
)
STARTS = ("pretrained", "scratch")
PREDICTIONS = ("x0", "v", "eps")


def _chunk_duration(job, image, until_step, max_seconds, preview_every=0, force_preview=False) -> int:
    """ZeroGPU's time request for one chunk: its training budget plus previews and start-up."""
    return int(max_seconds + 30)


# On the CPU the chunk steps aside for cheap requests between steps; a ZeroGPU chunk runs in another process.
PAUSE: dict[str, Any] = {} if ZERO_GPU else {"between_steps": step_aside}
# Off Spaces (SPACES_ZERO_GPU unset) spaces.GPU returns the function itself.
gpu_train_chunk = spaces.GPU(duration=_chunk_duration)(finetune.train_chunk) if spaces else finetune.train_chunk


@dataclass
class Job:
    """One visitor's run: the plain-data training state and what the UI shows of it."""

    spec: finetune.RunSpec
    image: torch.Tensor  # (1, S, S) in [-1, 1]
    data: dict[str, Any] | None  # training.state_to_dict format; None once dropped from memory (keep_live)
    previews: list[tuple[int, float, float]] = field(default_factory=list)  # (step, PSNR EMA, PSNR raw)
    last: finetune.Preview | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    running: bool = False
    seconds: float = 0.0  # training wall time, all chunks
    run_start: int = 0  # the step this Start/Resume began at, and its training time, for the time-left estimate
    run_seconds: float = 0.0
    spent_before: float = 0.0  # training time of this session's earlier runs (they count towards its budget)
    device: str = "cpu"
    error: str | None = None

    @property
    def step(self) -> int:
        return int(self.data["step"])

    @property
    def total(self) -> int:
        return int(self.data["train_config"]["steps"])

    def budget_left(self) -> tuple[float, str]:
        """(seconds of training this request may still use, the message to give when it is 0)."""
        run_left = RUN_BUDGET_S - self.run_seconds
        session_left = SESSION_BUDGET_S - self.spent_before - self.seconds
        if session_left <= min(run_left, 0.5):
            longer = common.say(STRINGS, "train.longer", cli=CLI)
            return max(session_left, 0.0), common.say(
                STRINGS, "train.session_spent", budget=_duration(SESSION_BUDGET_S), longer=longer
            )
        return max(run_left, 0.0), common.say(STRINGS, "train.paused", budget=_duration(RUN_BUDGET_S))


_LIVE: OrderedDict[int, weakref.ref] = OrderedDict()  # id(job) -> the job, least recently used first
_LIVE_LOCK = threading.Lock()


def keep_live(job: Job) -> None:
    """Mark ``job`` as just used, and drop the training state of the oldest idle runs beyond MAX_LIVE_RUNS."""
    with _LIVE_LOCK:
        _LIVE[id(job)] = weakref.ref(job)
        _LIVE.move_to_end(id(job))
        for key, ref in list(_LIVE.items()):
            if (held := ref()) is None or held.data is None:
                del _LIVE[key]
        for key, ref in list(_LIVE.items()):
            if len(_LIVE) <= MAX_LIVE_RUNS:
                break
            held = ref()
            if held is not None and not held.running and held is not job:
                held.data = None  # the weights and optimiser state go; the session's Job says it was dropped
                del _LIVE[key]


def drop_idle_runs() -> None:
    """Drop the training state of every run that is not training now (to make room: ``memory.make_room``)."""
    with _LIVE_LOCK:
        for key, ref in list(_LIVE.items()):
            held = ref()
            if held is not None and not held.running:
                held.data = None
                del _LIVE[key]


memory.RELEASERS.append(drop_idle_runs)


def live_runs() -> int:
    """How many runs hold their training state in memory now."""
    with _LIVE_LOCK:
        return sum(1 for ref in _LIVE.values() if (held := ref()) is not None and held.data is not None)


def device_name() -> str:
    if ZERO_GPU:
        return "ZeroGPU"
    if torch.cuda.is_available():
        return f"GPU ({torch.cuda.get_device_name(0)}, {precision.choose(device=torch.device('cuda'))})"
    return common.say(STRINGS, "train.cpu", threads=torch.get_num_threads(), precision=precision.choose())


def _size_key(size: Any) -> Any:
    """64, 64.0 and "64" name the same size; anything else is passed on to be rejected by name."""
    if isinstance(size, int | float) and not isinstance(size, bool) and math.isfinite(size) and size == int(size):
        return str(int(size))
    return size


def parse_spec(start, network, prediction, size, preset, steps, lr, batch_size, ema_decay) -> finetune.RunSpec:
    with user_errors():
        return finetune.RunSpec(
            start=as_choice(start, "Start from", {v: v for v in STARTS}),
            network=as_choice(network, "Network", {k: k for k in finetune.NETWORKS}),
            prediction=as_choice(prediction, "Prediction", {v: v for v in PREDICTIONS}),
            size=as_choice(_size_key(size), "Size", {str(s): s for s in finetune.SIZES}),
            preset=as_choice(preset, "Optimiser", {k: k for k in FINETUNE_PRESETS}),
            steps=steps,
            lr=lr,
            batch_size=batch_size,
            ema_decay=ema_decay,
        )


def estimate(start, network, size, batch_size, steps, preview_every) -> str:
    """Handler for /train_estimate: the run's duration from one step measured on this machine (cached)."""
    if ZERO_GPU:
        return common.say(STRINGS, "train.zerogpu", chunk=CHUNK_SECONDS)
    try:
        spec = parse_spec(start, network, "x0", size, "ours", steps, 5e-4, batch_size, 0.9)
        preview_every = int(preview_every)
    except (gr.Error, TypeError, ValueError):
        return ""  # the start button reports the bad value
    pre = startup_models()["ema"].model.config if spec.start == "pretrained" else None
    per_step = finetune.step_seconds_at(finetune.model_config(spec, pre), spec.batch_size)
    run = finetune.estimate_run(per_step, spec.steps, spec.batch_size, preview_every)
    text = common.say(
        STRINGS,
        "train.estimate",
        device=device_name(),
        total=_duration(run.total),
        per_step=per_step,
        previews=_duration(run.previews),
        run=_duration(RUN_BUDGET_S),
        session=_duration(SESSION_BUDGET_S),
    )
    if run.total > RUN_BUDGET_S:  # said before Start: where one click will pause
        reach = finetune.steps_within(RUN_BUDGET_S, per_step, spec.batch_size, preview_every)
        text += " " + common.say(STRINGS, "train.one_click", step=reach, steps=spec.steps)
    return text


def _duration(seconds: float) -> str:
    """A duration as the reader says it: "55 s", "2 min 05 s" (or "55 秒", "2 分 05 秒")."""
    seconds = max(seconds, 0.0)
    sec, minute = ("秒", "分") if common.reader_language() == "zh" else ("s", "min")
    if seconds < 90:
        return f"{math.ceil(seconds)} {sec}"
    return f"{int(seconds // 60)} {minute} {int(seconds % 60):02d} {sec}"


def status_text(job: Job, head: str) -> str:
    recent = job.data["losses"][-20:]
    loss = common.say(STRINGS, "train.loss", last=recent[-1], mean=sum(recent) / len(recent)) if recent else ""
    done = job.step - job.run_start
    rate = job.run_seconds / done if done > 0 else None
    left = (
        common.say(STRINGS, "train.left", left=_duration(rate * (job.total - job.step))) if rate and job.running else ""
    )
    psnr = ""
    if job.last is not None:
        last = job.last
        psnr = "\n\n" + common.say(STRINGS, "train.preview", step=last.step, ema=last.psnr_ema, raw=last.psnr_raw)
    return common.say(
        STRINGS,
        "train.status_line",
        head=head,
        step=job.step,
        total=job.total,
        loss=loss,
        seconds=job.seconds,
        device=job.device.upper(),  # CPU, CUDA: a name in any language
        left=left,
        psnr=psnr,
    )


def _figure(job: Job):
    return training_figure(job.data["losses"], job.previews, job.total)


def _show(pixels) -> Image.Image:
    """A preview at 256 pixels or more (nearest neighbour: the browser does not enlarge a small image)."""
    return upscale(Image.fromarray(pixels))


@dataclass
class Update:
    """What the panel shows after a chunk of a run, one field per output (``gr.skip()``: leave it as it is)."""

    status: str
    plot: Any
    job: Job
    ema: Any = field(default_factory=gr.skip)
    raw: Any = field(default_factory=gr.skip)
    download: Any = field(default_factory=gr.skip)
    model: Any = field(default_factory=gr.skip)  # the fine-tuned model for the page's Reverse panel, at the end

    def outputs(self) -> tuple:
        """In the order of the events' outputs: status, plot, EMA and raw previews, zip, run, model."""
        return self.status, self.plot, self.ema, self.raw, self.download, self.job, self.model


def _run(job: Job, preview_every: int, progress: gr.Progress, tabs: bool = True) -> Iterator[tuple]:
    """Advance ``job`` chunk by chunk until done, stopped or out of budget, yielding the panel's outputs after each
    chunk, then its zip and the model for the Reverse panel."""
    job.running, job.error = True, None
    job.run_start, job.run_seconds = job.step, 0.0
    yield Update(status_text(job, common.say(STRINGS, "train.h_starting")), _figure(job), job).outputs()
    try:
        budget_hit = yield from _chunks(job, preview_every, progress)
        if job.last is None or job.last.step != job.step:  # stopped between previews: show the model as it is
            _record(job, gpu_train_chunk(job.data, job.image, job.step, 0.0, 0, True).preview)
    finally:
        job.running = False
        job.stop.clear()
    yield _finish(job, _headline(job, budget_hit, tabs)).outputs()


def _chunks(job: Job, preview_every: int, progress: gr.Progress) -> Iterator[tuple]:
    """The training chunks of one Start or Resume (each at most CHUNK_SECONDS and what the budgets leave); returns
    the budget's message when a budget ended the run."""
    while job.step < job.total and not job.stop.is_set():
        left, limit = job.budget_left()
        if left < 0.5:
            return limit
        res = gpu_train_chunk(job.data, job.image, job.total, min(CHUNK_SECONDS, left), preview_every, **PAUSE)
        job.data, job.device = res.job, res.device
        job.seconds, job.run_seconds = job.seconds + res.seconds, job.run_seconds + res.seconds
        if res.error:
            job.error = res.error
            return None
        _record(job, res.preview)
        progress(
            (job.step - job.run_start) / max(job.total - job.run_start, 1),
            desc=common.say(STRINGS, "train.step", step=job.step, total=job.total),
        )
        update = Update(status_text(job, common.say(STRINGS, "train.h_training")), _figure(job), job)
        if res.preview is not None:
            update.ema, update.raw = _show(job.last.ema), _show(job.last.raw)
        yield update.outputs()
    return None


def _record(job: Job, preview: finetune.Preview | None) -> None:
    if preview is not None:
        job.last = preview
        job.previews.append((preview.step, preview.psnr_ema, preview.psnr_raw))


def _headline(job: Job, budget_hit: str | None, tabs: bool) -> str:
    """How the run ended, and where its model can be sampled (on a stand-alone route there is no Reverse tab)."""
    if job.error:
        head = common.say(STRINGS, "train.h_error", error=job.error)
    elif budget_hit:
        head = budget_hit
    else:
        head = common.say(STRINGS, "train.h_stopped" if job.step < job.total else "train.h_done")
    return head + common.say(STRINGS, "train.h_tabs" if tabs else "train.h_alone")


def _finish(job: Job, head: str) -> Update:
    """The run's last update: its model as a zip in Hub format, and as the page's model for the Reverse panel."""
    path = output_path(".zip")
    finetune.export_zip(job.data, path, finetune.model_card(job.data, job.spec, job.last.psnr_ema))
    choice = ModelChoice(
        prepare_model(finetune.model_from_job(job.data)),
        f"fine-tuned (EMA, step {job.step})",
        job.image,
        f"Sampling from the model you fine-tuned in the Training tab (EMA weights, step {job.step}).",
    )
    last = job.last
    held = memory.hold(choice)  # held by the server (bounded), the session keeps the ticket
    return Update(status_text(job, head), _figure(job), job, _show(last.ema), _show(last.raw), path, held)


def check_step_size(spec: finetune.RunSpec) -> None:
    """Refuse, with what to do instead, a step too large for a shared CPU (see MAX_STEP_PIXELS_CPU)."""
    if ZERO_GPU or torch.cuda.is_available() or spec.batch_size * spec.size**2 <= MAX_STEP_PIXELS_CPU:
        return
    largest = MAX_STEP_PIXELS_CPU // spec.size**2
    raise gr.Error(
        common.say(
            STRINGS,
            "train.too_big",
            batch=spec.batch_size,
            size=spec.size,
            largest=largest,
            cap=MAX_STEP_PIXELS_CPU,
            cli=CLI,
        )
    )


def start(
    image,
    start_from,
    network,
    prediction,
    size,
    preset,
    steps,
    lr,
    batch_size,
    ema_decay,
    preview_every,
    job: Job | None,
    progress=gr.Progress(),
    tabs: bool = True,
):
    """Handler for /train_start: a new run from the chosen starting point (replacing this session's run)."""
    if job is not None and job.running:
        raise gr.Error(common.say(STRINGS, "train.err_running"))
    if image is None:
        raise gr.Error(common.say(STRINGS, "train.err_upload"))
    spec = parse_spec(start_from, network, prediction, size, preset, steps, lr, batch_size, ema_decay)
    check_step_size(spec)
    if not memory.make_room(RUN_MB):
        raise gr.Error(common.say(STRINGS, "train.err_memory", cli=CLI))
    with user_errors():
        x = imaging.load_image(image, size=spec.size, channels=1)
        pretrained = startup_models()["ema"].model if spec.start == "pretrained" else None
        data = finetune.new_job(spec, pretrained)
    spent = job.spent_before + job.seconds if job is not None else 0.0
    new = Job(spec, x, data, spent_before=spent)
    keep_live(new)
    yield from _run(new, int(preview_every), progress, tabs)


def resume(steps, preview_every, job: Job | None, progress=gr.Progress(), tabs: bool = True):
    """Handler for /train_resume: ``steps`` more steps of this session's run."""
    if job is None:
        raise gr.Error(common.say(STRINGS, "train.err_nothing"))
    if job.running:
        raise gr.Error(common.say(STRINGS, "train.err_still"))
    if job.data is None:
        raise gr.Error(common.say(STRINGS, "train.evicted", most=MAX_LIVE_RUNS))
    keep_live(job)
    with user_errors():
        job.data = finetune.extend_job(job.data, int(steps))
    yield from _run(job, int(preview_every), progress, tabs)


def stop(job: Job | None) -> str:
    """Handler for /train_stop: ask this session's run to stop after its current chunk."""
    if job is None or not job.running:
        return common.say(STRINGS, "train.no_run")
    job.stop.set()
    return common.say(STRINGS, "train.stopping")


def push(repo_id: Any, token: Any, private: Any, job: Job | None) -> str:
    """Handler for /train_push: upload this session's model to the Hub (the token is used once, never kept)."""
    if job is None or job.last is None:
        raise gr.Error(common.say(STRINGS, "train.err_push"))
    if job.data is None:
        raise gr.Error(common.say(STRINGS, "train.evicted", most=MAX_LIVE_RUNS))
    keep_live(job)
    card = finetune.model_card(job.data, job.spec, job.last.psnr_ema)
    with tempfile.TemporaryDirectory() as tmp:
        folder = finetune.export_folder(job.data, tmp, card)
        try:
            url = hub.push_folder(folder, (repo_id or "").strip(), token or "", bool(private))
        except (hub.WeightsError, ConnectionError) as exc:
            raise gr.Error(str(exc)) from None
    return common.say(STRINGS, "train.pushed", url=url)


def fill_preset(preset: str) -> tuple:
    """(prediction, lr, batch size, EMA decay) of an optimiser preset, for the fields it fills in."""
    chosen = FINETUNE_PRESETS.get(preset, FINETUNE_PRESETS["ours"])
    return chosen.prediction, chosen.lr, chosen.batch_size, chosen.ema_decay


def build(ctx: PanelContext) -> None:
    """The panel: its layout, then its events."""
    common.intro(ctx, STRINGS, "train.intro")
    ui = _layout_run(ctx)
    ui.update(_layout_push())
    _wire(ctx, ui)


def _layout_run(ctx: PanelContext) -> dict[str, Any]:
    sfx, ui = ctx.suffix, {}
    with gr.Row():
        with gr.Column(scale=1, min_width=300, elem_classes="controls"):
            ui["image"] = ImageInput(EXAMPLES[1], type="filepath", label=t("train.image"), height=220)
            gr.Examples(EXAMPLES, inputs=ui["image"], cache_examples=False, label=t("train.examples"))
            # (translated label, value): the API takes the values
            starts = [(t(f"train.start_{v}"), v) for v in STARTS]
            ui["start_from"] = common.Radio(starts, value="pretrained", label=t("train.start_from"))
            networks = [(t(f"train.net_{v}"), v) for v in finetune.NETWORKS]
            ui["network"] = common.Radio(networks, value="full", label=t("train.network"))
            ui["size"] = common.Radio(list(finetune.SIZES), value=64, label=t("train.size"))
            ui["steps"] = Slider(limits.TRAIN_STEPS, 300, label=t("train.steps"))
            with common.more_settings(ctx):
                _layout_optimiser(ui)
            ui["estimate"] = gr.Markdown()
            with gr.Row():
                ui["start"] = gr.Button(t("train.start"), variant="primary", elem_id="train-start" + sfx)
                ui["stop"] = gr.Button(t("train.stop"), variant="stop", elem_id="train-stop" + sfx)
                ui["resume"] = gr.Button(t("train.resume"))
        with gr.Column(scale=2):
            ui["status"] = gr.Markdown(t("train.waiting"), elem_id="train-status" + sfx)
            # nothing to show before a run: the results appear with the first Start (no empty boxes)
            with gr.Column(visible=False) as ui["results"]:
                ui["plot"] = Plot(show_label=False, format="png", elem_id="train-plot" + sfx)
                with gr.Row():
                    ui["ema_img"], ui["raw_img"] = (
                        gr.Image(
                            label=t(f"train.preview_{key}"),
                            height=220,
                            interactive=False,
                            format="png",
                            elem_classes="pixelated",
                            elem_id=f"train-{key}{sfx}",
                        )
                        for key in ("ema", "raw")
                    )
                download_id = "train-download" + sfx
                ui["download"] = gr.File(label=t("train.download"), interactive=False, height=90, elem_id=download_id)
            gr.Markdown(t("train.prediction_why"))
            gr.Markdown(t("train.ema_why"))
    return ui


def _layout_optimiser(ui: dict[str, Any]) -> None:
    presets = [(t(f"train.preset_{v}"), v) for v in FINETUNE_PRESETS]
    ui["preset"] = common.Radio(presets, value="ours", label=t("train.preset"))
    gr.Markdown(t("train.preset_info"))
    predictions = [(t(f"train.pred_{v}"), v) for v in PREDICTIONS]
    ui["prediction"] = common.Radio(predictions, value="x0", label=t("train.prediction"))
    with gr.Row():
        ui["lr"] = Number(limits.LEARNING_RATE, 5e-4, label=t("train.lr"))
        ui["batch"] = Slider(limits.BATCH_SIZE, 2, label=t("train.batch"))
    with gr.Row():
        ui["ema"] = Number(limits.EMA_DECAY, 0.99, label=t("train.ema"))
        ui["preview_every"] = Slider(limits.PREVIEW_EVERY, 50, label=t("train.preview_every"))


def _layout_push() -> dict[str, Any]:
    ui: dict[str, Any] = {}
    gr.Markdown(t("train.push_intro"))
    with gr.Row():
        ui["repo"] = gr.Textbox(label=t("train.repo"), placeholder="owner/name", scale=2)
        ui["token"] = gr.Textbox(label=t("train.token"), type="password", scale=2)
        ui["private"] = gr.Checkbox(True, label=t("train.private"), scale=1)
        ui["push"] = gr.Button(t("train.push"), scale=1)
    ui["push_note"] = gr.Markdown()
    return ui


def _wire(ctx: PanelContext, ui: dict[str, Any]) -> None:
    # A run holds ~125 MB (weights, EMA, optimiser): forget it 30 minutes after its last update.
    job, name, public = gr.State(None, time_to_live=1800), ctx.api_name, {"api_visibility": ctx.visibility}
    outputs = [*(ui[k] for k in ("status", "plot", "ema_img", "raw_img", "download")), job, ctx.session_model]
    # its own lane: a fine-tune (at most RUN_BUDGET_S a click) never makes a visitor's generation wait behind it
    # progress "minimal": the curve and previews stay in view while the run streams (Gradio's full progress
    # overlay covered them with a bar; the status line says the step)
    heavy = {"concurrency_id": "train", "concurrency_limit": 1, "show_progress": "minimal", **public}
    # On a stand-alone route there is no Reverse tab beside the panel: the final message says so.
    on_route = {} if ctx.tabbed else {"tabs": False}
    # Registered before the runs: Gradio dispatches a click's events in order, and one registered after a long
    # generator on the same button waited for its end (the curve and previews stayed hidden during the run).
    for button in (ui["start"], ui["resume"]):
        button.click(lambda: gr.Column(visible=True), None, ui["results"], queue=False, api_visibility="private")
    settings = ("image", "start_from", "network", "prediction", "size", "preset", "steps", "lr", "batch", "ema")
    start_in = [*(ui[k] for k in settings), ui["preview_every"], job]
    ui["start"].click(functools.partial(start, **on_route), start_in, outputs, api_name=name("train_start"), **heavy)
    resume_in = [ui["steps"], ui["preview_every"], job]
    ui["resume"].click(
        functools.partial(resume, **on_route), resume_in, outputs, api_name=name("train_resume"), **heavy
    )
    # Not in the "train" lane: a stop must get through while the run holds it.
    ui["stop"].click(stop, job, ui["status"], api_name=name("train_stop"), concurrency_limit=None, **public)
    preset_out = [ui[k] for k in ("prediction", "lr", "batch", "ema")]
    ui["preset"].change(fill_preset, ui["preset"], preset_out, api_visibility="private")
    linked = ("start_from", "network", "size", "prediction", "steps", "lr", "batch")
    common.url_params(ctx, "start_from network size prediction steps lr batch", *(ui[k] for k in linked))
    estimate_in = [ui[k] for k in ("start_from", "network", "size", "batch", "steps", "preview_every")]
    lane = {"concurrency_id": "estimate", "concurrency_limit": 1}
    for component in estimate_in:
        on = {"trigger_mode": "always_last", "show_progress": "hidden", **lane}
        component.change(estimate, estimate_in, ui["estimate"], api_name=False, **on)
    ctx.page.load(estimate, estimate_in, ui["estimate"], api_name=name("train_estimate"), **public)
    push_in = [ui["repo"], ui["token"], ui["private"], job]
    ui["push"].click(push, push_in, ui["push_note"], api_name=name("train_push"), **public)
