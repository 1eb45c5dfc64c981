"""Fine-tuning in chunks: the engine behind the training panel, built to cross a process boundary.

On a ZeroGPU Space each GPU call runs in another process, for a limited time. So a run is a *job* held as
plain data (``training.state_to_dict``: CPU tensors, numbers, lists) and advanced by ``train_chunk``, which
rebuilds the state on the best device, trains for at most a few seconds, optionally draws preview samples,
and returns the new job data. The caller (the panel) keeps the data in the visitor's session between chunks;
stopping between chunks keeps everything learned. Off Spaces the same function simply runs in-process.
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from diffusion import imaging, limits, precision, training
from diffusion.process import sample_from_seed
from diffusion.recipes import FINETUNE_PRESETS, IMAGE_RECIPES
from diffusion.unet import UNet, UNetConfig

# Network widths a run can start from scratch with: the post's, and a small one that trains ~15x faster.
NETWORKS: dict[str, dict[str, Any]] = {
    "full": {"channels": (64, 128, 256), "bottleneck": 512},
    "small": {"channels": (16, 32, 64), "bottleneck": 128},
}
SIZES = (32, 64, 128)
PREVIEW_STEPS = 10  # DDIM steps of a preview sample: a one-image x0 model needs few, and it runs every N steps
PREVIEW_SEED = 1234  # the same starting noise for every preview, so successive previews are comparable


@dataclass(frozen=True)
class RunSpec:
    """What a visitor chose; ``preset`` "post" is the source post's optimiser (constant-period cosine LR,
    weight decay 0.01, no warm-up), "ours" is AdamW with warm-up and cosine decay (``recipes.FINETUNE_PRESETS``)."""

    start: str = "pretrained"  # "pretrained" (the model passed to new_job) or "scratch"
    network: str = "full"  # for "scratch": a key of NETWORKS
    prediction: str = "x0"  # "eps" (as in the post), "v" or "x0"
    size: int = 64  # working resolution (the network is fully convolutional)
    preset: str = "ours"  # "ours" or "post"
    steps: int = 300
    lr: float = 5e-4
    batch_size: int = 2
    ema_decay: float = 0.99  # 0: no averaging (the EMA equals the raw weights)
    seed: int = 0

    def __post_init__(self) -> None:
        checks = [
            (self.start in ("pretrained", "scratch"), f"start must be pretrained or scratch, got {self.start!r}"),
            (self.network in NETWORKS, f"network must be one of {', '.join(NETWORKS)}, got {self.network!r}"),
            (self.prediction in ("eps", "v", "x0"), f"prediction must be eps, v or x0, got {self.prediction!r}"),
            (self.size in SIZES, f"size must be one of {', '.join(map(str, SIZES))}, got {self.size!r}"),
            (self.preset in FINETUNE_PRESETS, f"preset must be {' or '.join(FINETUNE_PRESETS)}, got {self.preset!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message[0].upper() + message[1:] + ".")
        numbers = ((limits.TRAIN_STEPS, "steps"), (limits.LEARNING_RATE, "lr"), (limits.BATCH_SIZE, "batch_size"))
        for limit, name in (*numbers, (limits.EMA_DECAY, "ema_decay")):
            object.__setattr__(self, name, limit.check(getattr(self, name)))

    def train_config(self, total_steps: int | None = None) -> training.TrainConfig:
        base = IMAGE_RECIPES[FINETUNE_PRESETS[self.preset].recipe].train
        return replace(
            base,
            steps=total_steps or self.steps,
            lr=self.lr,
            batch_size=self.batch_size,
            ema_decay=self.ema_decay,
            seed=self.seed,
            # bf16 where the chip has the units (or as DIFFUSION_PRECISION says): 300 steps of the default run end
            # at the same PSNR in either precision (bench/precision.py), 1.6x sooner on this project's CPU
            precision=precision.requested(),
        )


def model_config(spec: RunSpec, pretrained: UNetConfig | None) -> UNetConfig:
    """The architecture a run trains: the pretrained one (re-targeted to the spec's size and prediction), or for
    a run from scratch the chosen width with our positional inputs (Fourier coordinate features, cosine schedule)."""
    if spec.start == "pretrained":
        if pretrained is None:
            raise ValueError("No pretrained model is available: start from scratch.")
        return replace(pretrained, image_size=spec.size, prediction=spec.prediction)
    return UNetConfig(
        **NETWORKS[spec.network],
        coord_channels=True,
        coord_octaves=5,
        schedule="cosine",
        image_size=spec.size,
        prediction=spec.prediction,
    )


def initial_model(spec: RunSpec, pretrained: UNet | None) -> UNet:
    """The network a run starts from: a copy of ``pretrained``'s weights, or fresh seeded weights."""
    config = model_config(spec, pretrained.config if pretrained is not None else None)
    torch.manual_seed(spec.seed)  # the initial weights are part of a reproducible run
    model = UNet(config)
    if spec.start == "pretrained":
        model.load_state_dict(pretrained.state_dict(), strict=True)
    return model


def new_job(spec: RunSpec, pretrained: UNet | None = None) -> dict[str, Any]:
    """A fresh job (``training.state_to_dict`` format) on the CPU, ready for ``train_chunk``."""
    state = training.new_state(initial_model(spec, pretrained), spec.train_config(), torch.device("cpu"))
    return training.state_to_dict(state)


def extend_job(job: dict[str, Any], more_steps: int) -> dict[str, Any]:
    """The same job with ``more_steps`` added to its plan (the LR schedule is re-planned over the new total)."""
    more_steps = limits.TRAIN_STEPS.check(more_steps)
    cfg = dict(job["train_config"], steps=job["step"] + more_steps)
    return dict(job, train_config=cfg)


@dataclass(frozen=True)
class Preview:
    """DDIM samples from the EMA and raw weights after ``step`` steps: uint8 (H, W) images and their PSNR (dB)
    against the training image."""

    step: int
    ema: np.ndarray
    raw: np.ndarray
    psnr_ema: float
    psnr_raw: float


@dataclass(frozen=True)
class ChunkResult:
    job: dict[str, Any]  # the job after this chunk (or as it was before it, when ``error`` is set)
    preview: Preview | None
    error: str | None  # e.g. a NaN loss: training stopped, the job holds the last good weights
    seconds: float  # wall time of the training steps in this chunk
    device: str


def preview_samples(model: UNet, image: torch.Tensor, steps: int = PREVIEW_STEPS) -> tuple[np.ndarray, float]:
    """One DDIM sample (fixed seed, eta 0) as uint8 (H, W[, C]) and its PSNR against ``image`` (C, H, W)."""
    was_training = model.training
    model.eval()
    out = sample_from_seed(model, PREVIEW_SEED, steps)[0].float().cpu()
    model.train(was_training)
    pixels = ((out + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
    return (pixels[..., 0] if pixels.shape[-1] == 1 else pixels), imaging.psnr(out, image)


def train_chunk(
    job: dict[str, Any],
    image: torch.Tensor,
    until_step: int,
    max_seconds: float,
    preview_every: int = 0,
    force_preview: bool = False,
    between_steps: Callable[[], None] | None = None,
) -> ChunkResult:
    """Advance ``job`` on the best device (CUDA with bf16 autocast, else CPU) for at most ``max_seconds``.

    Args:
        job: from ``new_job`` / a previous chunk (not modified).
        image: (C, H, W) training image in [-1, 1] at the job's size.
        until_step: stop at this total step count (at most the job's planned steps).
        max_seconds: wall-time budget of the training steps (one step always runs).
        preview_every: when a step count multiple of this is reached, stop there and draw previews (0: never).
        force_preview: draw previews at the end of the chunk in any case (with ``until_step`` = the job's step:
            previews of the job as it is, no training).
        between_steps: called after every step (the app uses it to let cheap requests go first).
    """
    device = training.pick_device()
    state = training.state_from_dict(job, device=device)
    until_step = min(until_step, state.cfg.steps)
    preview, error, t0 = None, None, time.perf_counter()
    try:
        if state.step < until_step:
            for p in training.train(state, image[None]):
                if p.step >= until_step or (preview_every and p.step % preview_every == 0):
                    break
                if time.perf_counter() - t0 > max_seconds:
                    break
                if between_steps is not None:
                    between_steps()
    except FloatingPointError as exc:
        error = f"{exc} Kept the weights of step {job['step']}."
    seconds = time.perf_counter() - t0
    if error:
        return ChunkResult(job, None, error, seconds, device.type)
    at_boundary = preview_every and (state.step % preview_every == 0 or state.step >= state.cfg.steps)
    if force_preview or at_boundary:
        ema, psnr_ema = preview_samples(state.ema.model, image.to(device))
        raw, psnr_raw = preview_samples(state.model, image.to(device))
        preview = Preview(state.step, ema, raw, psnr_ema, psnr_raw)
    return ChunkResult(training.state_to_dict(state), preview, None, seconds, device.type)


def model_from_job(job: dict[str, Any], which: str = "ema") -> UNet:
    """The EMA (or raw) network of a job, in eval mode on the CPU."""
    model = UNet(UNetConfig.from_dict(job["model_config"]))
    model.load_state_dict(job["ema" if which == "ema" else "model"], strict=True)
    return model.eval()


def model_card(job: dict[str, Any], spec: RunSpec, psnr: float | None, note: str = "") -> str:
    """A Hub model card (README.md) that states what was trained, how, and how well."""
    cfg = job["model_config"]
    start = "the app's pretrained model" if spec.start == "pretrained" else "random weights"
    quality = f"DDIM-{PREVIEW_STEPS} sample PSNR {psnr:.1f} dB against the training image." if psnr else ""
    return (
        "---\nlibrary_name: diffusion-from-first-principles\nlicense: mit\n"
        "tags:\n  - diffusion\n  - ddim\n  - unet\n  - pytorch_model_hub_mixin\n---\n\n"
        "# A UNet fine-tuned on one image\n\n"
        "Trained in the *Training* panel of Diffusion from first principles.\n\n"
        f"- **Start:** {start}; "
        f"channels {list(cfg['channels'])}, bottleneck {cfg['bottleneck']}.\n"
        f"- **Diffusion:** {cfg['schedule']} schedule, T = {cfg['T']}, predicts **{cfg['prediction']}**, "
        f"{cfg['image_size']} x {cfg['image_size']} pixels, {cfg['in_channels']} channel(s).\n"
        f"- **Optimiser:** {spec.preset} preset, AdamW, peak LR {spec.lr:g}, batch {spec.batch_size}, "
        f"EMA decay {spec.ema_decay:g}; {job['step']} steps. These are the EMA weights.\n"
        f"- **Quality:** {quality or 'not measured.'} {note}\n\n"
        "Load with safetensors only: `UNet.from_pretrained(folder, strict=True)` from the project's "
        "`diffusion.unet`.\n"
    )


def export_folder(job: dict[str, Any], folder: str | Path, card: str) -> Path:
    """Write the EMA weights in Hub format: config.json, model.safetensors, README.md."""
    folder = Path(folder)
    model_from_job(job).save_pretrained(folder)
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def export_zip(job: dict[str, Any], path: str | Path, card: str) -> Path:
    """``export_folder`` packed into one zip file (files at its top level)."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        folder = export_folder(job, tmp, card)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in ("config.json", "model.safetensors", "README.md"):
                zf.write(folder / name, name)
    return path


_STEP_SECONDS: dict[tuple[UNetConfig, int, str], float] = {}


@dataclass(frozen=True)
class Estimate:
    """How long a fine-tuning run takes, from the measured time of one training step."""

    per_step: float  # seconds per training step
    previews: float  # seconds spent sampling the previews
    total: float  # the whole run


def estimate_run(per_step: float, steps: int, batch_size: int, preview_every: int) -> Estimate:
    """The run's duration: ``steps`` training steps plus a preview every ``preview_every`` steps.

    A training step costs about 3 forward passes of its batch (forward, and a backward of about twice that); a
    preview samples 2 images (EMA and raw weights) with PREVIEW_STEPS forward passes of one image each, so it
    costs 2 * PREVIEW_STEPS / (3 * batch_size) training steps.
    """
    previews = steps // max(preview_every, 1) * 2 * PREVIEW_STEPS * per_step / (3 * batch_size)
    return Estimate(per_step, previews, steps * per_step + previews)


def steps_within(seconds: float, per_step: float, batch_size: int, preview_every: int) -> int:
    """How many steps of ``estimate_run``'s run fit in ``seconds`` (its previews included, at the same rate)."""
    per_step_with_previews = estimate_run(per_step, 1000, batch_size, preview_every).total / 1000
    return int(seconds // per_step_with_previews)


def step_seconds_at(model_config: UNetConfig, batch_size: int, device: torch.device | None = None) -> float:
    """One training step's time at ``batch_size``, measuring at most batch 2.

    Timing a large batch directly cost up to 50 s (batch 16 at 128 px on 2 cores) for an estimate. The step time
    is close to affine in the batch, a + b * batch (fixed per-step costs, then work per image), so batches 1 and 2
    fix the line; measured at 64 px on 2 cores it predicts batch 8 at 0.70 s against 0.78 s (linear scaling of
    batch 2 alone said 0.96 s).
    """
    if batch_size <= 2:
        return step_seconds(model_config, batch_size, device)
    one, two = step_seconds(model_config, 1, device), step_seconds(model_config, 2, device)
    return two + max(two - one, 0.0) * (batch_size - 2)


def step_seconds(model_config: UNetConfig, batch_size: int, device: torch.device | None = None) -> float:
    """Measured wall time of one training step of this network and batch on ``device`` (cached per process)."""
    device = device or training.pick_device()
    # UNetConfig is a frozen dataclass: hashable; a run in another precision has another step time
    key = (model_config, batch_size, device.type, precision.choose(device=device))
    if key not in _STEP_SECONDS:
        cfg = training.TrainConfig(steps=5, batch_size=batch_size, warmup_steps=1, precision=precision.requested())
        state = training.new_state(UNet(model_config), cfg, device)
        image = torch.zeros(model_config.in_channels, model_config.image_size, model_config.image_size)
        steps = training.train(state, image[None])
        next(steps)  # warm-up: allocator, kernels
        times = []
        t0 = time.perf_counter()
        for _ in steps:
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
        # the fastest step, not the mean: the measurement often runs while the page's other first events compete
        # for the cores, which made the estimate up to 2x too long (an idle run then takes the estimated time)
        _STEP_SECONDS[key] = min(times)
    return _STEP_SECONDS[key]
