"""Pictures as the panels show them: small model outputs enlarged without blur, and frames as a looping GIF
(shared by the forward, reverse and training panels)."""

from __future__ import annotations

import math

import torch
from PIL import Image

from diffusion.imaging import to_pil


def frames_to_gif(frames: list[Image.Image], path: str, duration_ms: int = 80) -> str:
    """Write PIL frames as a looping GIF (the last frame held longer) and return the path."""
    durations = [duration_ms] * (len(frames) - 1) + [1200]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations, loop=0, optimize=False)
    return path


def upscale(image: Image.Image, min_size: int = 256) -> Image.Image:
    """Nearest-neighbour upscale so small noise images stay crisp in the browser."""
    factor = max(1, math.ceil(min_size / max(image.size)))
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST)


def tensor_image(x: torch.Tensor) -> Image.Image:
    """(C, H, W) in [-1, 1] -> an upscaled PIL image for display."""
    return upscale(to_pil(x))
