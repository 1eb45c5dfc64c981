"""Training: the loss, EMA with warm-up, a resumable loop that yields progress, checkpoints.

The loop is a generator: UIs and CLIs iterate over it, show each ``TrainProgress``, and stop whenever
they like (the state keeps everything learned so far). It runs on CUDA when present (bf16 autocast)
and on the CPU otherwise (channels_last, which is ~35% faster for this network on CPU).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn
from torch.nn import functional as F

from diffusion import precision
from diffusion.flow import flow_loss
from diffusion.forward import q_sample, target_for
from diffusion.process import Diffusion
from diffusion.schedules import NoiseSchedule
from diffusion.unet import UNet


class Denoiser(Protocol):
    """What the engine trains: a module mapping (x_t, t[, labels]) to ``config.prediction`` (a ``UNet``, the
    point-cloud MLP) whose ``config`` names its prediction target, schedule and T."""

    config: Any

    def __call__(self, x: torch.Tensor, t: torch.Tensor, *args: Any) -> torch.Tensor: ...


class BatchStream(Protocol):
    """An unlimited data set: ``batch(i)`` returns (x0 (B, ...), labels (B,) or None), the same for the same i."""

    def batch(self, index: int) -> tuple[torch.Tensor, torch.Tensor | None]: ...


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (what the network predicts lives in ``UNetConfig``)."""

    steps: int = 2000  # optimiser steps in this run
    batch_size: int = 2  # noisy copies of the image(s) per step, each at its own random t
    lr: float = 5e-4  # peak AdamW learning rate
    weight_decay: float = 0.0  # AdamW weight decay (a one-image model has nothing to regularise towards)
    warmup_steps: int = 50  # linear LR warm-up from 0
    lr_schedule: str = "cosine"  # "cosine" decay to 10% after warm-up, "constant", or "post" (see lr_at)
    grad_clip: float = 1.0  # max global gradient norm
    ema_decay: float | None = None  # None: tied to the run length, 1 - 10 / steps, within [0.9, 0.9995]
    seed: int = 0  # seeds the timesteps and noise of the whole run
    bf16: bool = True  # bf16 autocast on CUDA (ignored on CPU), when ``precision`` is None
    # None: as ``bf16`` says (float32 on a CPU); "auto", "float32" or "bf16": ``precision.choose`` on the device
    precision: str | None = None
    label_dropout: float = 0.0  # class-conditional models: probability of training a row as "no label" (CFG)

    def resolved_ema_decay(self) -> float:
        if self.ema_decay is not None:
            return self.ema_decay
        return min(max(1.0 - 10.0 / max(self.steps, 1), 0.9), 0.9995)


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Learning rate for optimiser step ``step`` (0-based)."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if cfg.lr_schedule == "constant":
        return cfg.lr
    if cfg.lr_schedule == "post":  # PyTorch CosineAnnealingLR(T_max=1000) past T_max: a periodic cosine
        return cfg.lr * (1 + math.cos(math.pi * step / 1000)) / 2
    if cfg.lr_schedule == "cosine":
        progress = min((step - cfg.warmup_steps) / max(cfg.steps - cfg.warmup_steps, 1), 1.0)
        return cfg.lr * (0.1 + 0.9 * (1 + math.cos(math.pi * progress)) / 2)
    raise ValueError(f"Unknown lr_schedule {cfg.lr_schedule!r}: use cosine, constant or post.")


class EMA:
    """Exponential moving average of a model's weights, with warm-up.

    At update n (1-based) the decay is min(decay, (1 + n) / (10 + n)): early updates move the average fast,
    so a short run's EMA is not stuck near the initial weights.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.updates = 0

    def current_decay(self) -> float:
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = self.current_decay()
        for ema_p, p in zip(self.model.parameters(), model.parameters(), strict=True):
            ema_p.lerp_(p.detach().to(ema_p.dtype), 1.0 - d)  # ema = d * ema + (1 - d) * p


@dataclass
class TrainState:
    """Everything a run needs to continue exactly where it stopped."""

    model: Denoiser
    ema: EMA
    optimizer: torch.optim.Optimizer
    generator: torch.Generator
    cfg: TrainConfig
    step: int = 0
    losses: list[float] = field(default_factory=list)
    rank: int = 0  # this process's rank and the number of processes (DistributedDataParallel; 1 = not distributed)
    world: int = 1
    forward_model: nn.Module | None = None  # what the loss calls: the DDP wrapper when distributed, else ``model``


@dataclass(frozen=True)
class TrainProgress:
    step: int  # optimiser steps done so far
    loss: float
    lr: float


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def uses_bf16(cfg: TrainConfig, device: torch.device) -> bool:
    """Whether the training forward runs in bf16 autocast (the loss, gradients' accumulation into float32 weights,
    the optimiser and the EMA stay float32)."""
    if cfg.precision is None:
        return cfg.bf16 and device.type == "cuda"
    return precision.choose(cfg.precision, device) == "bf16"


def new_state(model: Denoiser, cfg: TrainConfig, device: torch.device | None = None) -> TrainState:
    """Fresh optimiser, EMA and random stream for training ``model`` with ``cfg``."""
    device = device or pick_device()
    model = model.to(device)
    if hasattr(model, "precision"):  # training says how it runs (``loss_fn``'s autocast), not how it was loaded
        model.precision = "float32"
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    return TrainState(
        model, EMA(model, cfg.resolved_ema_decay()), optimizer, torch.Generator().manual_seed(cfg.seed), cfg
    )


def drop_labels(labels: torch.Tensor, p: float, null_label: int, gen: torch.Generator) -> torch.Tensor:
    """Replace each label by ``null_label`` with probability p (classifier-free guidance's label dropout):
    one network learns both the conditional and the unconditional model. labels (B,) -> (B,); or token rows
    (B, L) -> (B, L), a dropped row becoming the empty prompt [null_label, 0, 0, ...] (0: padding)."""
    if p <= 0:
        return labels
    dropped = (torch.rand(labels.shape[:1], generator=gen) < p).to(labels.device)
    if labels.dim() == 1:
        return torch.where(dropped, torch.full_like(labels, null_label), labels)
    empty = torch.zeros_like(labels[0])
    empty[0] = null_label
    return torch.where(dropped[:, None], empty, labels)


def loss_fn(
    model: nn.Module,
    schedule: NoiseSchedule,
    x0: torch.Tensor,
    gen: torch.Generator,
    use_bf16: bool,
    labels: torch.Tensor | None = None,
    prediction: str | None = None,
    objective: str | None = None,
):
    """MSE between the network output and its target at random timesteps; x0 is (B, C, H, W) images (or any
    (B, ...) data, e.g. 2-D points, for a model with the same ``config.prediction``/``schedule``/``T``).

    ``labels`` (B,) go to a class-conditional model (already dropped out); ``prediction`` defaults to
    ``model.config.prediction`` and ``objective`` to its ``config.objective`` ("denoise"; "flow": flow matching on
    the straight path, see flow.flow_loss) (give both when ``model`` is a wrapper, e.g. DistributedDataParallel)."""
    extra = () if labels is None else (labels.to(x0.device),)
    if (objective or getattr(model.config, "objective", "denoise")) == "flow":
        return flow_loss(model, x0, gen, *extra)
    b = x0.shape[0]
    t = torch.randint(0, schedule.T, (b,), generator=gen)
    noise = torch.randn(x0.shape, generator=gen).to(x0.device)
    x_t = q_sample(schedule, x0, t, noise)
    target = target_for(prediction or model.config.prediction, schedule, x0, t, noise)
    if x0.device.type == "cpu" and x_t.dim() == 4:  # images; the 2-D toy model trains on (B, 2) points
        x_t = x_t.contiguous(memory_format=torch.channels_last)
    with torch.autocast(x0.device.type, dtype=torch.bfloat16, enabled=use_bf16):
        out = model(x_t, t.to(x0.device), *extra)
    return F.mse_loss(out.float(), target)


def _next_batch(state: TrainState, data: torch.Tensor | BatchStream, device: torch.device):
    """(x0, labels or None) for the coming step: N-fold copies of a tensor data set, or the stream's batch for
    this step and rank. Streams draw each step's t and noise from a generator seeded by (seed, step, rank), so
    every rank of a distributed run sees different data and a resumed run continues the same stream."""
    if isinstance(data, torch.Tensor):
        idx = torch.randint(0, data.shape[0], (state.cfg.batch_size,), generator=state.generator)
        return data[idx.to(device)], None, state.generator
    from diffusion.digits import batch_seed

    index = state.step * state.world + state.rank
    x0, labels = data.batch(index)
    gen = torch.Generator().manual_seed(batch_seed(state.cfg.seed + 1, index))
    return x0.to(device), labels, gen


def train(state: TrainState, images: torch.Tensor | BatchStream) -> Iterator[TrainProgress]:
    """Train until ``state.cfg.steps``, yielding after every step.

    Args:
        state: from ``new_state`` or ``load_checkpoint`` (resumes at ``state.step``).
        images: (N, C, H, W) training images in [-1, 1], each batch drawing N-fold copies at random; or a
            ``BatchStream`` (e.g. ``digits.DigitStream``) whose labels go to a class-conditional model, with
            ``cfg.label_dropout`` of them replaced by "no label".

    Raises:
        FloatingPointError: when the loss becomes NaN or infinite (the state keeps the last good step).
    """
    model, cfg = state.model, state.cfg
    forward_model = state.forward_model or model
    device = next(model.parameters()).device
    schedule = Diffusion.of(model.config).schedule
    use_bf16 = uses_bf16(cfg, device)
    if isinstance(images, torch.Tensor):
        images = images.to(device)
    conditional = getattr(model.config, "num_classes", 0) > 0
    model.train()
    while state.step < cfg.steps:
        x0, labels, gen = _next_batch(state, images, device)
        if conditional:
            labels = torch.full((x0.shape[0],), model.config.null_label) if labels is None else labels
            labels = drop_labels(labels, cfg.label_dropout, model.config.null_label, gen)
        else:
            labels = None
        lr = lr_at(state.step, cfg)
        for group in state.optimizer.param_groups:
            group["lr"] = lr
        with torch.enable_grad():  # whatever grad mode the calling thread was left in
            objective = getattr(model.config, "objective", "denoise")
            loss = loss_fn(forward_model, schedule, x0, gen, use_bf16, labels, model.config.prediction, objective)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"The loss became {loss.item()} at step {state.step + 1}: training stopped. "
                    "Try a lower learning rate; the weights from the last good step are kept."
                )
            state.optimizer.zero_grad(set_to_none=True)
            loss.backward()  # under DDP this also averages the gradients over the ranks
        nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        state.optimizer.step()
        state.ema.update(model)
        state.step += 1
        state.losses.append(_mean_over_ranks(loss.detach(), state.world))
        yield TrainProgress(state.step, state.losses[-1], lr)
    model.eval()


def _mean_over_ranks(loss: torch.Tensor, world: int) -> float:
    """The loss averaged over every rank (what one process would have seen with the whole batch)."""
    if world > 1:
        import torch.distributed as dist

        loss = loss.clone()
        dist.all_reduce(loss)
        loss = loss / world
    return loss.item()


def state_to_dict(state: TrainState) -> dict[str, Any]:
    """Everything in ``state`` as plain data and CPU tensors: what a checkpoint holds, and what crosses a process
    boundary (a ZeroGPU worker returns it). The tensors of a CPU state are shared, not copied."""
    return {
        "model_config": asdict(state.model.config),
        "train_config": asdict(state.cfg),
        "model": _to_cpu(state.model.state_dict()),
        "ema": _to_cpu(state.ema.model.state_dict()),
        "ema_updates": state.ema.updates,
        "optimizer": _to_cpu(state.optimizer.state_dict()),
        "step": state.step,
        "generator": state.generator.get_state(),
        "losses": list(state.losses),
    }


def _unet_from_config(config: dict[str, Any]) -> nn.Module:
    from diffusion.unet import UNetConfig

    return UNet(UNetConfig.from_dict(config))


def state_from_dict(
    data: dict[str, Any], cfg: TrainConfig | None = None, device: torch.device | None = None, build=_unet_from_config
):
    """Rebuild a ``TrainState`` from ``state_to_dict`` (copies the tensors); ``cfg`` may extend the run. ``build``
    makes the network from its config dict (a UNet by default)."""
    model = build(data["model_config"])
    model.load_state_dict(data["model"], strict=True)
    state = new_state(model, cfg or TrainConfig(**data["train_config"]), device)
    state.ema.model.load_state_dict(data["ema"], strict=True)
    state.ema.updates = data["ema_updates"]
    state.optimizer.load_state_dict(data["optimizer"])
    state.step = data["step"]
    state.generator.set_state(data["generator"])
    state.losses = list(data["losses"])
    return state


def _to_cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def save_checkpoint(state: TrainState, path: str | Path) -> None:
    """Write model, EMA, optimiser, step, RNG state and losses (tensors and plain data only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state_to_dict(state), tmp)
    tmp.replace(path)  # atomic: a crash mid-write never leaves a half checkpoint


def load_checkpoint(
    path: str | Path, cfg: TrainConfig | None = None, device: torch.device | None = None, build=_unet_from_config
) -> TrainState:
    """Rebuild a ``TrainState`` from ``save_checkpoint``; ``cfg`` may extend the run (e.g. more steps).

    Only our own checkpoints are read, and with ``weights_only=True`` (no pickle code execution).
    """
    return state_from_dict(torch.load(path, map_location="cpu", weights_only=True), cfg, device, build)
