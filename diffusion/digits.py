"""A labelled data set of 32 x 32 grayscale digits, rendered from the fonts that ship with matplotlib.

Nothing is downloaded and nothing is stored: every example is drawn on demand from a glyph atlas (each digit in
every matplotlib font whose digits are real digit glyphs: DejaVu Sans/Serif/Mono, STIX and Computer Modern, in
every weight and slant they come in, including Computer Modern's old-style figures), then augmented with seeded
random size, aspect, rotation, shear, translation, stroke weight, blur and contrast. The same seed gives the same
batch, bit for bit, on any machine with the same torch version; the stream is unlimited.

Images follow the library's convention: float32 (B, 1, 32, 32) in [-1, 1], white ink (+1) on black (-1), as
MNIST is usually shown. Labels are int64 (B,) in 0..9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

SIZE = 32  # output resolution
NUM_CLASSES = 10
_GLYPH = 64  # atlas resolution: glyphs are warped at 2x and averaged down (anti-aliasing)
_INK = 44  # glyph height in atlas pixels before augmentation (~22 px of 32)
_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
STROKES = (-1, 0, 1, 2)  # stroke weight levels: 3x3 erosions (< 0) or dilations (> 0) at atlas resolution


@dataclass(frozen=True)
class Augment:
    """Ranges of the random augmentation (uniform within each range)."""

    scale: tuple[float, float] = (0.72, 1.12)  # glyph size relative to _INK
    aspect: tuple[float, float] = (0.85, 1.15)  # width / height stretch
    rotation_deg: float = 14.0  # +- degrees
    shear: float = 0.28  # +- horizontal shear (x += shear * y)
    shift_px: float = 2.5  # +- translation in output pixels
    blur_sigma: tuple[float, float] = (0.0, 0.9)  # Gaussian blur in output pixels
    ink: tuple[float, float] = (0.75, 1.0)  # ink brightness in [0, 1] before mapping to [-1, 1]


DEFAULT_AUGMENT = Augment()


def font_dir() -> Path:
    """Where matplotlib keeps its TrueType fonts."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@lru_cache(maxsize=1)
def digit_fonts() -> tuple[Path, ...]:
    """Every matplotlib font whose characters 0-9 map to digit glyphs (sorted by file name).

    Symbol fonts (cmsy, cmex, STIX size variants) map the digit code points to other symbols, LastResort to one
    placeholder, the "Display" cuts to nothing: the glyph names tell them apart.
    """
    from matplotlib import ft2font

    fonts = []
    for path in sorted(font_dir().glob("*.ttf")):
        face = ft2font.FT2Font(str(path))
        names = [face.get_glyph_name(face.get_char_index(ord(str(d)))) for d in range(10)]
        if all(n.removesuffix("oldstyle") == want for n, want in zip(names, _DIGIT_NAMES, strict=True)):
            fonts.append(path)
    return tuple(fonts)


def _render_glyph(path: Path, digit: int) -> np.ndarray:
    """(_GLYPH, _GLYPH) float32 in [0, 1]: the digit, its ink box scaled to _INK px high and centred."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(path), size=96)
    canvas = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(canvas).text((30, 10), str(digit), fill=255, font=font)
    box = canvas.getbbox()
    glyph = canvas.crop(box)
    w, h = glyph.size
    k = _INK / h
    w_new = max(1, min(_GLYPH - 4, round(w * k)))  # a wide glyph never leaves the atlas tile
    glyph = glyph.resize((w_new, _INK), Image.Resampling.LANCZOS)
    tile = Image.new("L", (_GLYPH, _GLYPH), 0)
    tile.paste(glyph, ((_GLYPH - w_new) // 2, (_GLYPH - _INK) // 2))
    return np.asarray(tile, dtype=np.float32) / 255.0


def _stroke(tiles: torch.Tensor, level: int) -> torch.Tensor:
    """Thinner (level < 0) or bolder (level > 0) strokes by repeated 3x3 grey-scale erosion or dilation."""
    for _ in range(abs(level)):
        tiles = F.max_pool2d(tiles, 3, 1, 1) if level > 0 else -F.max_pool2d(-tiles, 3, 1, 1)
    return tiles


@lru_cache(maxsize=1)
def atlas() -> torch.Tensor:
    """(fonts, 10, len(STROKES), _GLYPH, _GLYPH) float32 glyph masks in [0, 1] (built once, ~0.5 s)."""
    fonts = digit_fonts()
    base = torch.from_numpy(np.stack([[_render_glyph(f, d) for d in range(10)] for f in fonts]))
    flat = base.reshape(-1, 1, _GLYPH, _GLYPH)
    levels = []
    for s in STROKES:
        tiles = _stroke(flat, s)
        if s < 0:  # thinning a hairline font would erase it: keep such glyphs as they are
            kept = tiles.sum((1, 2, 3)) / flat.sum((1, 2, 3))
            tiles = torch.where((kept < 0.6)[:, None, None, None], flat, tiles)
        levels.append(tiles.reshape(base.shape))
    return torch.stack(levels, dim=2).contiguous()


def _affine(n: int, aug: Augment, gen: torch.Generator) -> torch.Tensor:
    """(n, 2, 3) inverse affine maps (output -> atlas coordinates) for ``F.affine_grid``."""

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=gen, dtype=torch.float64)

    scale = uniform(*aug.scale)
    aspect = uniform(*aug.aspect)
    angle = uniform(-aug.rotation_deg, aug.rotation_deg) * math.pi / 180
    shear = uniform(-aug.shear, aug.shear)
    shift = torch.stack([uniform(-aug.shift_px, aug.shift_px), uniform(-aug.shift_px, aug.shift_px)], 1) * 2 / SIZE
    # forward map (atlas -> output), in normalised coordinates: rotate . shear . scale, then shift
    sx, sy = scale * aspect.sqrt(), scale / aspect.sqrt()
    cos, sin = angle.cos(), angle.sin()
    a = torch.zeros(n, 2, 2, dtype=torch.float64)
    a[:, 0, 0], a[:, 0, 1] = cos * sx, (cos * shear - sin) * sy
    a[:, 1, 0], a[:, 1, 1] = sin * sx, (sin * shear + cos) * sy
    inv = torch.linalg.inv(a)
    theta = torch.cat([inv, -(inv @ shift[:, :, None])], dim=2)
    return theta.float()


def _blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Per-image Gaussian blur: x (n, 1, H, W), sigma (n,) in pixels (0 = unchanged)."""
    r = torch.arange(-2, 3, dtype=torch.float32)
    s = sigma.clamp_min(1e-3)[:, None]
    k1 = torch.exp(-(r[None, :] ** 2) / (2 * s**2))
    k1 = k1 / k1.sum(1, keepdim=True)  # (n, 5)
    k2 = (k1[:, :, None] * k1[:, None, :])[:, None]  # (n, 1, 5, 5)
    out = F.conv2d(F.pad(x.transpose(0, 1), (2, 2, 2, 2), mode="replicate"), k2, groups=x.shape[0])
    return out.transpose(0, 1)


def render_batch(
    n: int, seed: int, labels: torch.Tensor | None = None, augment: Augment = DEFAULT_AUGMENT
) -> tuple[torch.Tensor, torch.Tensor]:
    """n random digits, deterministic in ``seed``.

    Args:
        n: batch size (>= 1).
        seed: any integer in [0, 2**63); the same seed gives the same batch.
        labels: optional (n,) int64 digits to draw; random otherwise.
        augment: augmentation ranges.

    Returns:
        images (n, 1, 32, 32) float32 in [-1, 1], labels (n,) int64.
    """
    if n < 1:
        raise ValueError(f"A batch needs at least one image, got n = {n}.")
    gen = torch.Generator().manual_seed(int(seed))
    glyphs = atlas()
    n_fonts = glyphs.shape[0]
    drawn = torch.randint(0, NUM_CLASSES, (n,), generator=gen)
    labels = drawn if labels is None else torch.as_tensor(labels, dtype=torch.long).reshape(n)
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError("Digit labels must be between 0 and 9.")
    font = torch.randint(0, n_fonts, (n,), generator=gen)
    stroke = torch.randint(0, len(STROKES), (n,), generator=gen)
    src = glyphs[font, labels, stroke][:, None]  # (n, 1, 64, 64)
    grid = F.affine_grid(_affine(n, augment, gen), [n, 1, _GLYPH, _GLYPH], align_corners=False)
    warped = F.avg_pool2d(F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False), 2)
    lo, hi = augment.blur_sigma
    sigma = lo + (hi - lo) * torch.rand(n, generator=gen)
    ink = augment.ink[0] + (augment.ink[1] - augment.ink[0]) * torch.rand(n, generator=gen)
    img = _blur(warped, sigma).clamp(0, 1) * ink[:, None, None, None]
    return img * 2 - 1, labels


def batch_seed(seed: int, index: int) -> int:
    """The seed of batch ``index`` of the stream ``seed`` (a SplitMix64-style mix: nearby streams don't overlap)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + int(index) + 1) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) >> 1  # < 2**63, what torch.Generator accepts


@dataclass(frozen=True)
class DigitStream:
    """An unlimited, deterministic stream of labelled batches: ``batch(i)`` is the same for the same (seed, i).

    Training uses ``TRAIN_SEED``; ``EVAL_SEED`` names a disjoint stream of fresh digits for measuring.
    """

    seed: int = 0
    batch_size: int = 64
    augment: Augment = DEFAULT_AUGMENT

    def batch(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(images (B, 1, 32, 32) in [-1, 1], labels (B,)) for batch number ``index`` >= 0."""
        return render_batch(self.batch_size, batch_seed(self.seed, index), augment=self.augment)

    def take(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The first n examples of the stream, (n, 1, 32, 32) and (n,)."""
        xs, ys, have, i = [], [], 0, 0
        while have < n:
            x, y = self.batch(i)
            xs.append(x)
            ys.append(y)
            have += x.shape[0]
            i += 1
        return torch.cat(xs)[:n], torch.cat(ys)[:n]


TRAIN_SEED = 0
EVAL_SEED = 1_000_001  # fresh digits for the classifier's accuracy and the sample metrics
