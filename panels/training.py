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
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import torch
from PIL import Image

from diffusion import finetune, hub, imaging
from panels import common
from panels.common import (
    EXAMPLES,
    ImageInput,
    Number,
    Plot,
    Slider,
    as_choice,
    make_translator,
    output_path,
    session_model,
    user_errors,
)
from panels.forward_plots import upscale
from panels.priority import step_aside
from panels.reverse_model import ModelChoice, prepare_model, startup_models
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
MAX_STEPS = 5000
# Budgets on a shared machine: training time per Start or Resume, and per session in all (runs and resumes).
# 5,000 steps of batch 16 at 128 px would otherwise hold the machine for 14 hours on the CPU.
RUN_BUDGET_S = 120.0
# On a CPU one training step holds the cores until it ends (a heavy loop can only step aside between steps):
# batch x size^2 is capped so a step takes about a second (batch 16 at 128 px took 9.8 s a step).
MAX_STEP_PIXELS_CPU = 2 * 128 * 128
# Runs kept in memory for Resume and Push (weights, EMA and optimiser: ~150 MB each at the full network): past
# this many, the least recently used idle run is dropped, and its session is told so.
MAX_LIVE_RUNS = 6
SESSION_BUDGET_S = 600.0
CLI = (
    "`python -m diffusion train --image your.png --out run --steps 3000 --resume` "
    "(README: The model on the command line)"
)
PRESETS = {  # what choosing an optimiser preset fills in: (prediction, lr, batch size, EMA decay)
    "ours": ("x0", 5e-4, 2, 0.99),
    "post": ("eps", 2e-4, 1, 0.0),
}
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


def live_runs() -> int:
    """How many runs hold their training state in memory now."""
    with _LIVE_LOCK:
        return sum(1 for ref in _LIVE.values() if (held := ref()) is not None and held.data is not None)


def device_name() -> str:
    if ZERO_GPU:
        return "ZeroGPU"
    if torch.cuda.is_available():
        return f"GPU ({torch.cuda.get_device_name(0)})"
    return f"CPU ({torch.get_num_threads()} threads)"


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
            preset=as_choice(preset, "Optimiser", {k: k for k in PRESETS}),
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
    return common.say(
        STRINGS,
        "train.estimate",
        device=device_name(),
        total=_duration(run.total),
        per_step=per_step,
        previews=_duration(run.previews),
        run=_duration(RUN_BUDGET_S),
        session=_duration(SESSION_BUDGET_S),
    )


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
        device=job.device,
        left=left,
        psnr=psnr,
    )


def _figure(job: Job):
    return training_figure(job.data["losses"], job.previews, job.total)


def _show(pixels) -> Image.Image:
    """A preview at 256 pixels or more (nearest neighbour: the browser does not enlarge a small image)."""
    return upscale(Image.fromarray(pixels))


def _previews(job: Job, new: bool) -> tuple:
    if not new or job.last is None:
        return gr.skip(), gr.skip()
    return _show(job.last.ema), _show(job.last.raw)


def _run(job: Job, preview_every: int, progress: gr.Progress, tabs: bool = True):
    """Advance ``job`` chunk by chunk until done or stopped, yielding the panel's outputs after each chunk."""
    skip = gr.skip()
    job.running, job.error, budget_hit = True, None, None
    job.run_start, job.run_seconds = job.step, 0.0
    yield status_text(job, common.say(STRINGS, "train.h_starting")), _figure(job), skip, skip, skip, job, skip
    try:
        while job.step < job.total and not job.stop.is_set():
            left, limit = job.budget_left()
            if left < 0.5:
                budget_hit = limit
                break
            res = gpu_train_chunk(job.data, job.image, job.total, min(CHUNK_SECONDS, left), preview_every, **PAUSE)
            job.data, job.device = res.job, res.device
            job.seconds, job.run_seconds = job.seconds + res.seconds, job.run_seconds + res.seconds
            if res.error:
                job.error = res.error
                break
            if res.preview is not None:
                job.last = res.preview
                job.previews.append((res.preview.step, res.preview.psnr_ema, res.preview.psnr_raw))
            done = (job.step - job.run_start) / max(job.total - job.run_start, 1)
            progress(done, desc=common.say(STRINGS, "train.step", step=job.step, total=job.total))
            yield (
                status_text(job, common.say(STRINGS, "train.h_training")),
                _figure(job),
                *_previews(job, res.preview is not None),
                skip,
                job,
                skip,
            )
        if job.last is None or job.last.step != job.step:  # stopped between previews: show the model as it is
            res = gpu_train_chunk(job.data, job.image, job.step, 0.0, 0, True)
            job.last = res.preview
            job.previews.append((res.preview.step, res.preview.psnr_ema, res.preview.psnr_raw))
    finally:
        job.running = False
        job.stop.clear()
    path = output_path(".zip")
    card = finetune.model_card(job.data, job.spec, job.last.psnr_ema)
    finetune.export_zip(job.data, path, card)
    choice = ModelChoice(
        prepare_model(finetune.model_from_job(job.data)),
        f"fine-tuned (EMA, step {job.step})",
        job.image,
        f"Sampling from the model you fine-tuned in the Training tab (EMA weights, step {job.step}).",
    )
    if job.error:
        head = common.say(STRINGS, "train.h_error", error=job.error)
    elif budget_hit:
        head = budget_hit
    elif job.step < job.total:
        head = common.say(STRINGS, "train.h_stopped")
    else:
        head = common.say(STRINGS, "train.h_done")
    # on a stand-alone route there is no Reverse tab beside the panel
    head += common.say(STRINGS, "train.h_tabs" if tabs else "train.h_alone")
    yield status_text(job, head), _figure(job), _show(job.last.ema), _show(job.last.raw), path, job, choice


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
        return "No run is going in this session."
    job.stop.set()
    return "Stopping after the current chunk…"


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
    return PRESETS.get(preset, PRESETS["ours"])


def build(page: gr.Blocks, api: bool = True) -> None:
    """Lay out the panel and wire its events (see markov.build for ``page`` and ``api``)."""
    vis, sfx = ("public", "") if api else ("private", "_page")
    common.intro(api, STRINGS, "train.intro")
    # A run holds ~125 MB (weights, EMA, optimiser): forget it 30 minutes after its last update.
    job_state, model_state = gr.State(None, time_to_live=1800), session_model(page)
    with gr.Row():
        with gr.Column(scale=1, min_width=300, elem_classes="controls"):
            image = ImageInput(EXAMPLES[1], type="filepath", label=t("train.image"), height=220)
            gr.Examples(EXAMPLES, inputs=image, cache_examples=False, label=t("train.examples"))
            # (translated label, value): the API takes the values
            start_from = gr.Radio(
                [(t(f"train.start_{v}"), v) for v in STARTS], value="pretrained", label=t("train.start_from")
            )
            network = gr.Radio(
                [(t(f"train.net_{v}"), v) for v in finetune.NETWORKS], value="full", label=t("train.network")
            )
            size = gr.Radio(list(finetune.SIZES), value=64, label=t("train.size"))
            steps = Slider(1, MAX_STEPS, 300, step=1, name="Steps", integer=True, label=t("train.steps"))
            with common.more_settings(api):
                preset = gr.Radio([(t(f"train.preset_{v}"), v) for v in PRESETS], value="ours", label=t("train.preset"))
                gr.Markdown(t("train.preset_info"))
                prediction = gr.Radio(
                    [(t(f"train.pred_{v}"), v) for v in PREDICTIONS], value="x0", label=t("train.prediction")
                )
                with gr.Row():
                    lr = Number(
                        5e-4, name="Learning rate", minimum=1e-6, maximum=0.1, integer=False, label=t("train.lr")
                    )
                    batch = Slider(1, 16, 2, step=1, name="Batch size", integer=True, label=t("train.batch"))
                with gr.Row():
                    ema = Number(
                        0.99, name="EMA decay", minimum=0.0, maximum=0.9999, integer=False, label=t("train.ema")
                    )
                    preview_every = Slider(
                        1, 1000, 50, step=1, name="Preview every", integer=True, label=t("train.preview_every")
                    )
            estimate_md = gr.Markdown()
            with gr.Row():
                start_btn = gr.Button(t("train.start"), variant="primary", elem_id="train-start" + sfx)
                stop_btn = gr.Button(t("train.stop"), variant="stop", elem_id="train-stop" + sfx)
                resume_btn = gr.Button(t("train.resume"))
        with gr.Column(scale=2):
            status = gr.Markdown(t("train.waiting"), elem_id="train-status" + sfx)
            # nothing to show before a run: the results appear with the first Start (no empty boxes)
            results = gr.Column(visible=False)
            with results:
                plot = Plot(show_label=False, format="png")
                with gr.Row():
                    ema_img, raw_img = (
                        gr.Image(label=t(key), height=220, interactive=False, format="png", elem_classes="pixelated")
                        for key in ("train.preview_ema", "train.preview_raw")
                    )
                download = gr.File(
                    label=t("train.download"), interactive=False, height=90, elem_id="train-download" + sfx
                )
            gr.Markdown(t("train.prediction_why"))
            gr.Markdown(t("train.ema_why"))
    gr.Markdown(t("train.push_intro"))
    with gr.Row():
        repo = gr.Textbox(label=t("train.repo"), placeholder="owner/name", scale=2)
        token = gr.Textbox(label=t("train.token"), type="password", scale=2)
        private = gr.Checkbox(True, label=t("train.private"), scale=1)
        push_btn = gr.Button(t("train.push"), scale=1)
    push_note = gr.Markdown()

    outputs = [status, plot, ema_img, raw_img, download, job_state, model_state]
    # its own lane: a fine-tune (at most RUN_BUDGET_S a click) never makes a visitor's generation wait behind it
    heavy = {"concurrency_id": "train", "concurrency_limit": 1, "api_visibility": vis}
    # On a stand-alone route there is no Reverse tab beside the panel: the final message says so.
    on_route = {} if api else {"tabs": False}
    start_btn.click(
        functools.partial(start, **on_route),
        [image, start_from, network, prediction, size, preset, steps, lr, batch, ema, preview_every, job_state],
        outputs,
        api_name="train_start" + sfx,
        **heavy,
    )
    resume_btn.click(
        functools.partial(resume, **on_route),
        [steps, preview_every, job_state],
        outputs,
        api_name="train_resume" + sfx,
        **heavy,
    )
    for button in (start_btn, resume_btn):
        button.click(lambda: gr.Column(visible=True), None, results, queue=False, api_visibility="private")
    # Not in the "train" lane: a stop must get through while the run holds it.
    stop_btn.click(stop, job_state, status, api_name="train_stop" + sfx, api_visibility=vis, concurrency_limit=None)
    preset.change(fill_preset, preset, [prediction, lr, batch, ema], api_visibility="private")
    estimate_inputs = [start_from, network, size, batch, steps, preview_every]
    names = "start_from network size prediction steps lr batch"
    common.url_params(api, names, start_from, network, size, prediction, steps, lr, batch)
    for component in estimate_inputs:
        component.change(
            estimate,
            estimate_inputs,
            estimate_md,
            api_name=False,
            trigger_mode="always_last",
            concurrency_id="estimate",
            concurrency_limit=1,
            show_progress="hidden",
        )
    page.load(estimate, estimate_inputs, estimate_md, api_name="train_estimate" + sfx, api_visibility=vis)
    push_btn.click(push, [repo, token, private, job_state], push_note, api_name="train_push" + sfx, api_visibility=vis)
