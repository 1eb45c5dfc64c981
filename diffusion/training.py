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
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from diffusion.forward import q_sample, target_for
from diffusion.schedules import NoiseSchedule, make_schedule
from diffusion.unet import UNet


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
    bf16: bool = True  # bf16 autocast on CUDA (ignored on CPU)

    def resolved_ema_decay(self) -> float:
        if self.ema_decay is not None:
            return self.ema_decay
        return min(max(1.0 - 10.0 / max(self.steps, 1), 0.9), 0.9995)


# The source post's recipe: batch 1, AdamW 2e-4, clip 1.0, CosineAnnealingLR(T_max=1000) stepped every
# iteration (so the LR hits 0 at step 1000, climbs back by 2000, ...), no warm-up, no EMA.
PRESETS: dict[str, TrainConfig] = {
    "post": TrainConfig(
        steps=15_000, batch_size=1, lr=2e-4, weight_decay=0.01, warmup_steps=0, lr_schedule="post", ema_decay=0.0
    ),
    "default": TrainConfig(),
}


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

    model: UNet
    ema: EMA
    optimizer: torch.optim.Optimizer
    generator: torch.Generator
    cfg: TrainConfig
    step: int = 0
    losses: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class TrainProgress:
    step: int  # optimiser steps done so far
    loss: float
    lr: float


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def new_state(model: UNet, cfg: TrainConfig, device: torch.device | None = None) -> TrainState:
    """Fresh optimiser, EMA and random stream for training ``model`` with ``cfg``."""
    device = device or pick_device()
    model = model.to(device)
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    return TrainState(
        model, EMA(model, cfg.resolved_ema_decay()), optimizer, torch.Generator().manual_seed(cfg.seed), cfg
    )


def loss_fn(model: UNet, schedule: NoiseSchedule, x0: torch.Tensor, gen: torch.Generator, use_bf16: bool):
    """MSE between the network output and its target at random timesteps; x0 is (B, C, H, W) images (or any
    (B, ...) data, e.g. 2-D points, for a model with the same ``config.prediction``/``schedule``/``T``)."""
    b = x0.shape[0]
    t = torch.randint(0, schedule.T, (b,), generator=gen)
    noise = torch.randn(x0.shape, generator=gen).to(x0.device)
    x_t = q_sample(schedule, x0, t, noise)
    target = target_for(model.config.prediction, schedule, x0, t, noise)
    if x0.device.type == "cpu" and x_t.dim() == 4:  # images; the 2-D toy model trains on (B, 2) points
        x_t = x_t.contiguous(memory_format=torch.channels_last)
    with torch.autocast(x0.device.type, dtype=torch.bfloat16, enabled=use_bf16):
        out = model(x_t, t.to(x0.device))
    return F.mse_loss(out.float(), target)


def train(state: TrainState, images: torch.Tensor) -> Iterator[TrainProgress]:
    """Train until ``state.cfg.steps``, yielding after every step.

    Args:
        state: from ``new_state`` or ``load_checkpoint`` (resumes at ``state.step``).
        images: (N, C, H, W) training images in [-1, 1]; each batch draws N-fold copies at random.

    Raises:
        FloatingPointError: when the loss becomes NaN or infinite (the state keeps the last good step).
    """
    model, cfg = state.model, state.cfg
    device = next(model.parameters()).device
    schedule = make_schedule(model.config.schedule, model.config.T)
    use_bf16 = cfg.bf16 and device.type == "cuda"
    images = images.to(device)
    model.train()
    while state.step < cfg.steps:
        idx = torch.randint(0, images.shape[0], (cfg.batch_size,), generator=state.generator)
        lr = lr_at(state.step, cfg)
        for group in state.optimizer.param_groups:
            group["lr"] = lr
        with torch.enable_grad():  # whatever grad mode the calling thread was left in
            loss = loss_fn(model, schedule, images[idx.to(device)], state.generator, use_bf16)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"The loss became {loss.item()} at step {state.step + 1}: training stopped. "
                    "Try a lower learning rate; the weights from the last good step are kept."
                )
            state.optimizer.zero_grad(set_to_none=True)
            loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        state.optimizer.step()
        state.ema.update(model)
        state.step += 1
        state.losses.append(loss.item())
        yield TrainProgress(state.step, state.losses[-1], lr)
    model.eval()


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


def state_from_dict(data: dict[str, Any], cfg: TrainConfig | None = None, device: torch.device | None = None):
    """Rebuild a ``TrainState`` from ``state_to_dict`` (copies the tensors); ``cfg`` may extend the run."""
    from diffusion.unet import UNetConfig

    model = UNet(UNetConfig.from_dict(data["model_config"]))
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


def load_checkpoint(path: str | Path, cfg: TrainConfig | None = None, device: torch.device | None = None) -> TrainState:
    """Rebuild a ``TrainState`` from ``save_checkpoint``; ``cfg`` may extend the run (e.g. more steps).

    Only our own checkpoints are read, and with ``weights_only=True`` (no pickle code execution).
    """
    return state_from_dict(torch.load(path, map_location="cpu", weights_only=True), cfg, device)
