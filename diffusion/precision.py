"""The arithmetic a network runs in: float32, or bfloat16 autocast where the chip has units for it.

Many x86 CPUs multiply bf16 matrices several times faster than float32 (AVX-512 BF16 dot products; AMX tiles on
recent Xeons), as do GPUs from Ampere on. Only the network's forward runs in bf16 (``torch.autocast``: matrix
products and convolutions in bf16, normalisations and reductions in float32), with channels-last activations,
which the CPU's convolution kernels prefer. Everything around it stays float32: the schedule and the sampler's
arithmetic, the loss, the optimiser state and the EMA (the weights themselves are float32).

The choice: ``DIFFUSION_PRECISION`` (``auto``, ``float32``, ``bf16``; the CLI's ``--precision`` sets it), where
``auto`` means bf16 on a chip with bf16 units and float32 elsewhere. What bf16 costs was measured per model before
it became a default (bench/precision.py): sampling of both UNets holds (the one-image sample against its float32
twin, the digits by their judge); the 2-D lab's tiny MLP gains nothing and stays float32.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import torch

PRECISIONS = ("auto", "float32", "bf16")
ENV = "DIFFUSION_PRECISION"
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})  # /proc/cpuinfo flags of the x86 bf16 units


@functools.cache
def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (empty where there is no /proc/cpuinfo)."""
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def has_bf16_units(device: torch.device | None = None, flags: frozenset[str] | None = None) -> bool:
    """Whether ``device`` multiplies bf16 natively: a GPU that supports it, or a CPU with AVX-512 BF16 or AMX."""
    device = device or torch.device("cpu")
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bool(BF16_CPU_FLAGS & (cpu_flags() if flags is None else flags))


def requested(value: str | None = None) -> str:
    """``value``, else ``DIFFUSION_PRECISION``, else "auto"; a clear error for anything else."""
    want = (value or os.environ.get(ENV) or "auto").strip().lower()
    if want not in PRECISIONS:
        raise ValueError(
            f"Unknown precision {want!r} (from {'--precision' if value else ENV}): use auto, float32 or bf16."
        )
    return want


def choose(value: str | None = None, device: torch.device | None = None, flags: frozenset[str] | None = None) -> str:
    """The precision to run in: "float32" or "bf16" (``auto``: bf16 where the device has the units for it)."""
    want = requested(value)
    if want != "auto":
        return want
    return "bf16" if has_bf16_units(device, flags) else "float32"


def use(model: torch.nn.Module, value: str | None = None) -> torch.nn.Module:
    """Set ``model`` (a network with a ``precision`` attribute, e.g. ``UNet``) to run in ``choose(value)``, on the
    device its weights are on; channels-last weights in bf16 on a CPU. Other networks are left as they are."""
    if not hasattr(model, "precision"):
        return model
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    model.precision = choose(value, device)
    if model.precision == "bf16" and device.type == "cpu":
        model.to(memory_format=torch.channels_last)
    return model


def autocast(precision: str, device_type: str):
    """The context a forward runs in: bf16 autocast for "bf16", else a no-op (autocast disabled)."""
    return torch.autocast(device_type, dtype=torch.bfloat16, enabled=precision == "bf16")
