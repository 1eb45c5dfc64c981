"""The small UNet the unit tests build (a few thousand parameters: a training step takes milliseconds)."""

from __future__ import annotations

from typing import Any

from diffusion.unet import UNetConfig

TINY_UNET: dict[str, Any] = {"channels": (8, 16), "bottleneck": 16, "groups": 4, "time_emb_dim": 8, "image_size": 16}


def tiny_config(**overrides: Any) -> UNetConfig:
    """The tests' small UNet config, with ``overrides`` (prediction, schedule, ...)."""
    return UNetConfig(**{**TINY_UNET, **overrides})
