"""Load any image robustly and convert between PIL and tensors in [-1, 1].

PIL only lives at the edges: ``load_image`` -> (C, H, W) float32 tensor in [-1, 1] -> ``to_pil``.
Every PIL mode is handled (L, LA, P, PA, RGB, RGBA, CMYK, YCbCr, LAB, HSV, I;16*, I, F, 1); animated images
use their first frame; EXIF orientation is applied; transparency is composited on white.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # 40 MP: a 6,000 x 6,000 photo fits; a decompression bomb does not
DEFAULT_SIZE = 128
CONVERT_PIXELS = 4_000_000  # high-bit-depth images are reduced to about this many pixels before conversion


def sample_image_path() -> str:
    """Matplotlib's public-domain sample photo of Grace Hopper (installed with matplotlib)."""
    import matplotlib.cbook

    return str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def open_image(source: str | os.PathLike | bytes | Image.Image, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open an image and check its pixel count before decoding it.

    ``Image.open`` only reads the header, so the size check happens before any pixel is decoded.

    Raises:
        ValueError: for a file that is not an image, is truncated, or is larger than ``max_pixels``.
    """
    image = open_header(source, max_pixels)
    try:
        image.seek(0)  # animated GIF/WebP/APNG: the first frame
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValueError(f"This image file is damaged or truncated ({exc}).") from None
    return image


def open_header(source: str | os.PathLike | bytes | Image.Image, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """An image opened by its header only (no pixel decoded yet), its size checked: what ``open_image`` checks
    first, cheap enough to check an upload before any work is queued for it.

    Raises:
        ValueError: for a file that is not an image, or is larger than ``max_pixels``.
    """
    if isinstance(source, Image.Image):
        image = source
    else:
        try:
            image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else Path(source))
        except (UnidentifiedImageError, OSError):
            raise ValueError(NOT_AN_IMAGE) from None
        except Image.DecompressionBombError:
            raise ValueError(f"This image is too large: at most {max_pixels:,} pixels.") from None
    w, h = image.size
    if w * h > max_pixels:
        raise ValueError(f"This image is too large: {w} x {h} = {w * h:,} pixels, at most {max_pixels:,}.")
    if w < 1 or h < 1:
        raise ValueError("This image is empty.")
    return image


NOT_AN_IMAGE = "This file is not an image that can be read: choose a PNG, JPEG, WebP or GIF picture."


class BlankImageError(ValueError):
    """A picture with nothing drawn on it (``shape_mask``)."""


def to_8bit(image: Image.Image) -> Image.Image:
    """Convert high-bit-depth and exotic modes to L or RGB (8 bits per channel), keeping the look."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        if image.mode != "F":
            image = image.convert("I")  # 32-bit integers: a mode that PIL can reduce
        # Shrink before any float array exists (a 40 MP 16-bit PNG of a few kB would otherwise cost ~1.2 GB of
        # float64 copies): every caller resizes to at most 1024 pixels afterwards.
        factor = math.ceil(math.sqrt(image.width * image.height / CONVERT_PIXELS))
        if factor > 1:
            image = image.reduce(factor)
        arr = np.asarray(image, dtype=np.float32)
        finite = np.isfinite(arr)
        lo, hi = (float(arr[finite].min()), float(arr[finite].max())) if finite.any() else (0.0, 1.0)
        # Stretch the range of the finite pixels to 0..255 (a 16-bit scan or a float image is not in 0..255); the
        # rule for the others, the same on every input: +inf is white, -inf and NaN black.
        arr = np.where(np.isposinf(arr), hi, np.where(finite, arr, lo))
        scaled = np.zeros_like(arr) if hi <= lo else (arr - lo) / (hi - lo) * 255.0
        return Image.fromarray(scaled.round().astype(np.uint8), mode="L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("RGB")  # P, 1, CMYK, YCbCr, LAB, HSV, ...


def prepare(image: Image.Image, size: int = DEFAULT_SIZE, channels: int = 1) -> Image.Image:
    """EXIF-rotate, convert to L (channels=1) or RGB (3), resize the short side and centre-crop to size x size."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}.")
    if not 8 <= size <= 1024:
        raise ValueError(f"size must be between 8 and 1024 pixels, got {size}.")
    image = ImageOps.exif_transpose(image) or image
    image = to_8bit(image).convert("L" if channels == 1 else "RGB")
    return ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def shape_mask(image: Image.Image, max_side: int = 256) -> np.ndarray:
    """The drawn shape of a picture as an (H, W) bool mask, at most ``max_side`` pixels a side.

    EXIF-rotated; high-bit-depth and float images stretched to 8 bits first (``to_8bit``). A picture with
    transparency (RGBA, LA, PA, P with a transparent colour: a drawing on a transparent canvas) is its opaque
    pixels; otherwise the minority tone: dark ink on light paper, or light on dark.

    Raises:
        ValueError: a blank picture (one tone, or fully transparent / fully opaque with one tone).
    """
    image = ImageOps.exif_transpose(image) or image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        alpha = image.convert("RGBA").getchannel("A")
        alpha.thumbnail((max_side, max_side))
        a = np.asarray(alpha)
        if a.max() - a.min() >= 32:  # some pixels opaque, some transparent: the opaque ones are the shape
            return a > 127
    gray = to_8bit(image).convert("L")
    gray.thumbnail((max_side, max_side))
    pixels = np.asarray(gray, dtype=np.float32)
    if pixels.max() - pixels.min() < 32:
        raise BlankImageError("This image is blank (a single tone): draw a dark shape on a light background.")
    dark = pixels < (float(pixels.min()) + float(pixels.max())) / 2
    return dark if dark.mean() <= 0.5 else ~dark


def pil_to_tensor(image: Image.Image) -> torch.Tensor:
    """An L or RGB PIL image -> (C, H, W) float32 tensor in [-1, 1]."""
    arr = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
    if arr.ndim == 2:
        arr = arr[None]
    else:
        arr = arr.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(arr))


def to_pil(x: torch.Tensor) -> Image.Image:
    """A (C, H, W) or (H, W) tensor in [-1, 1] -> L or RGB PIL image (values outside are clipped)."""
    arr = x.detach().float().cpu().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8).numpy()
    if arr.ndim == 3:
        arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    return Image.fromarray(arr, mode="L" if arr.ndim == 2 else "RGB")


def load_image(source, size: int = DEFAULT_SIZE, channels: int = 1, max_pixels: int = MAX_PIXELS) -> torch.Tensor:
    """Open, check, convert, resize and normalise: any image -> (channels, size, size) float32 in [-1, 1]."""
    return pil_to_tensor(prepare(open_image(source, max_pixels), size, channels))


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB between images in [-1, 1] (peak-to-peak range 2)."""
    mse = torch.mean((a.double().clamp(-1, 1) - b.double().clamp(-1, 1)) ** 2).item()
    return float("inf") if mse == 0 else 10.0 * np.log10(4.0 / mse)


def grid_image(x: torch.Tensor, nrow: int, pad: int = 2, scale: int = 1) -> Image.Image:
    """A contact sheet of images x (B, C, H, W) in [-1, 1]: nrow per row, ``pad`` black pixels between them,
    each enlarged ``scale`` times with nearest-neighbour (small digits stay crisp). Grayscale or RGB PIL image."""
    b, c, h, w = x.shape
    rows = -(-b // nrow)
    sheet = torch.full((c, rows * (h + pad) + pad, nrow * (w + pad) + pad), -1.0)
    for i in range(b):
        r, col = divmod(i, nrow)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        sheet[:, top : top + h, left : left + w] = x[i].clamp(-1, 1)
    image = to_pil(sheet)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    return image
