"""Pictures as the panels show them: small model outputs enlarged without blur, and frames as a looping GIF
(shared by the forward, reverse and training panels)."""

from __future__ import annotations

import math

import torch
from PIL import Image, ImageDraw, ImageFont

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


def labelled_sheet(x: torch.Tensor, labels: list[str], nrow: int, scale: int = 3, pad: int = 6) -> Image.Image:
    """A contact sheet of images ``x`` (B, C, H, W) in [-1, 1], each enlarged ``scale`` times with its label
    written under it (light on black, as the pictures)."""
    tiles = [to_pil(xi) for xi in x]
    w, h = tiles[0].width * scale, tiles[0].height * scale
    font = ImageFont.load_default(size=max(10, 5 * scale))
    band = font.size + 4
    rows = math.ceil(len(tiles) / nrow)
    sheet = Image.new(tiles[0].mode, (nrow * (w + pad) + pad, rows * (h + band + pad) + pad), 0)
    draw = ImageDraw.Draw(sheet)
    for i, (tile, label) in enumerate(zip(tiles, labels, strict=True)):
        r, c = divmod(i, nrow)
        left, top = pad + c * (w + pad), pad + r * (h + band + pad)
        sheet.paste(tile.resize((w, h), Image.Resampling.NEAREST), (left, top))
        draw.text(
            (left + w / 2, top + h + 2), label, fill=200 if sheet.mode == "L" else (200,) * 3, font=font, anchor="mt"
        )
    return sheet
