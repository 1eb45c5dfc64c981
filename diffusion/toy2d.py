"""Diffusion of a 2-D point cloud: datasets, a small MLP noise predictor, its training, and a distance.

Every point is a particle. The forward process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) moves each one
like the particles of the thermodynamics panel, in a harmonic potential (a discretised Ornstein-Uhlenbeck
process): the cloud forgets its shape and relaxes to N(0, I). The network learns eps(x_t, t), i.e. the score
-eps / sqrt(1 - abar_t) of the noisy cloud: the "force" that, followed backwards, undoes the diffusion.

Training uses ``training.train`` and sampling ``sampling.sample_progressive``: the same engine and the same DDIM/
DDPM maths as the image model, on (B, 2) tensors instead of (B, C, H, W).
"""

from __future__ import annotations

import functools
import math
import string
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from diffusion import training
from diffusion.schedules import make_schedule
from diffusion.unet import sinusoidal_embedding

DATASETS = ("spiral", "moons", "smiley", "text", "shape")
MIN_POINTS, MAX_POINTS = 100, 20_000
TEXT_CHARS = set(string.ascii_letters + string.digits + " !?&+-=#@$%*.")
MAX_TEXT = 12


def _normalise(points: np.ndarray) -> np.ndarray:
    """Centre the cloud and scale it into [-1, 1]^2 (aspect kept), like image pixels."""
    points = points - points.mean(0)
    return (points / np.abs(points).max()).astype(np.float32)


def spiral(n: int, rng: np.random.Generator) -> np.ndarray:
    theta = np.sqrt(rng.uniform(0, 1, n)) * 3 * math.pi  # uniform along the arm's length
    r = theta / (3 * math.pi)
    pts = np.stack([r * np.cos(theta), r * np.sin(theta)], 1)
    return pts + rng.normal(0, 0.02, pts.shape)


def moons(n: int, rng: np.random.Generator) -> np.ndarray:
    upper = rng.uniform(0, 1, n) < 0.5
    a = rng.uniform(0, math.pi, n)
    pts = np.where(upper[:, None], np.stack([np.cos(a), np.sin(a)], 1), np.stack([1 - np.cos(a), 0.5 - np.sin(a)], 1))
    return pts + rng.normal(0, 0.06, pts.shape)


def smiley(n: int, rng: np.random.Generator) -> np.ndarray:
    """A face outline (50%), two eyes (10% each) and a smile (30%)."""
    part = rng.choice(4, n, p=[0.5, 0.1, 0.1, 0.3])
    a = rng.uniform(0, 2 * math.pi, n)
    face = np.stack([np.cos(a), np.sin(a)], 1)
    eye = 0.08 * np.stack([np.cos(a), np.sin(a)], 1) * np.sqrt(rng.uniform(0, 1, n))[:, None]
    s = rng.uniform(math.pi * 1.15, math.pi * 1.85, n)
    smile = np.stack([0.55 * np.cos(s), 0.55 * np.sin(s) - 0.05], 1)
    pts = np.select(
        [part[:, None] == 0, part[:, None] == 1, part[:, None] == 2],
        [face, eye + np.array([-0.35, 0.35]), eye + np.array([0.35, 0.35])],
        smile,
    )
    return pts + rng.normal(0, 0.015, pts.shape)


def _ink_points(mask: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points spread uniformly over the True pixels of an (H, W) mask, y pointing up."""
    ys, xs = np.nonzero(mask)
    pick = rng.integers(0, len(xs), n)
    jitter = rng.uniform(-0.5, 0.5, (n, 2))
    return np.stack([xs[pick], mask.shape[0] - 1 - ys[pick]], 1) + jitter


def text(word: str, n: int, rng: np.random.Generator) -> np.ndarray:
    word = (word or "").strip()
    if not word:
        raise ValueError("Type a word (1 to 12 letters or digits) to make a point cloud of it.")
    if len(word) > MAX_TEXT:
        raise ValueError(f"Use at most {MAX_TEXT} characters, got {len(word)}.")
    bad = sorted(set(word) - TEXT_CHARS)
    if bad:
        raise ValueError(f"Only Latin letters, digits and simple punctuation can be drawn; not: {' '.join(bad)}.")
    font = ImageFont.load_default(size=64)
    left, top, right, bottom = font.getbbox(word)
    canvas = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(canvas).text((4 - left, 4 - top), word, fill=255, font=font)
    mask = np.asarray(canvas) > 127
    if not mask.any():
        raise ValueError("That text draws no pixels: use letters or digits.")
    return _ink_points(mask, n, rng)


def shape(image: Image.Image, n: int, rng: np.random.Generator) -> np.ndarray:
    """Points over the shape of a black-and-white image: its minority tone (dark ink on light, or light on dark)."""
    gray = image.convert("L")
    gray.thumbnail((256, 256))
    pixels = np.asarray(gray, dtype=np.float32)
    if pixels.max() - pixels.min() < 32:
        raise ValueError("This image is blank (a single tone): draw a dark shape on a light background.")
    dark = pixels < (float(pixels.min()) + float(pixels.max())) / 2
    mask = dark if dark.mean() <= 0.5 else ~dark
    if mask.sum() < 20:
        raise ValueError("The shape is too small to draw points from (fewer than 20 pixels).")
    return _ink_points(mask, n, rng)


def make_dataset(name: str, n: int = 5000, seed: int = 0, word: str = "", image: Image.Image | None = None):
    """(n, 2) float32 points in [-1, 1]^2, reproducible from ``seed``.

    Raises:
        ValueError: unknown dataset, point count out of range, bad text or shape image (message for the UI).
    """
    if name not in DATASETS:
        raise ValueError(f"Dataset must be one of {', '.join(DATASETS)}, got {name!r}.")
    if not isinstance(n, int) or not MIN_POINTS <= n <= MAX_POINTS:
        raise ValueError(f"Number of points must be between {MIN_POINTS} and {MAX_POINTS}, got {n!r}.")
    rng = np.random.default_rng(seed)
    if name == "text":
        return _normalise(text(word, n, rng))
    if name == "shape":
        if image is None:
            raise ValueError("Upload a black-and-white shape image first.")
        return _normalise(shape(image, n, rng))
    return _normalise({"spiral": spiral, "moons": moons, "smiley": smiley}[name](n, rng))


@dataclass(frozen=True)
class ToyConfig:
    """The MLP and the diffusion it learns (the fields ``training`` and ``sampling`` read: prediction, schedule, T)."""

    hidden: int = 128
    layers: int = 3
    time_emb_dim: int = 32
    schedule: str = "linear"  # the DDPM paper's: alpha_bar_T = 4e-5, so x_T is N(0, I) to 4 decimals
    T: int = 1000
    prediction: str = "eps"


class ToyMLP(nn.Module):
    """eps_theta(x_t, t): (B, 2), (B,) -> (B, 2). Sinusoidal time embedding, concatenated to x, then an MLP."""

    def __init__(self, config: ToyConfig = ToyConfig()) -> None:
        super().__init__()
        self.config = config
        width = 2 + config.time_emb_dim
        blocks: list[nn.Module] = []
        for _ in range(config.layers):
            blocks += [nn.Linear(width, config.hidden), nn.SiLU()]
            width = config.hidden
        self.net = nn.Sequential(*blocks, nn.Linear(width, 2))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = sinusoidal_embedding(t, self.config.time_emb_dim)
        return self.net(torch.cat([x, emb], dim=1))


@functools.cache
def schedule_of(config: ToyConfig):
    """The config's noise schedule, built once (score fields are drawn for every frame of a film)."""
    return make_schedule(config.schedule, config.T)


def noise_levels(config: ToyConfig) -> np.ndarray:
    """(T + 1,) alpha_bar after t forward steps: 1 at t = 0 (the data), then the schedule's values."""
    return np.concatenate([[1.0], schedule_of(config).alpha_bars])


def default_train_config(steps: int = 3000, seed: int = 0) -> training.TrainConfig:
    """Big batches of points, a higher LR than the UNet's, warm-up and cosine decay, EMA tied to the run length."""
    return training.TrainConfig(steps=steps, batch_size=512, lr=2e-2, warmup_steps=100, seed=seed)


def new_toy_state(cfg: training.TrainConfig, config: ToyConfig = ToyConfig(), seed: int = 0) -> training.TrainState:
    torch.manual_seed(seed)
    return training.new_state(ToyMLP(config), cfg, torch.device("cpu"))  # a tiny MLP: the CPU is the right place


def score_field(model: ToyMLP, t: int, grid: np.ndarray) -> np.ndarray:
    """The learned score grad log p_t(x) = -eps_theta(x, t) / sqrt(1 - abar_t) at (K, 2) points -> (K, 2)."""
    schedule = schedule_of(model.config)
    x = torch.as_tensor(grid, dtype=torch.float32)
    with torch.inference_mode():
        eps = model(x, torch.full((len(x),), t, dtype=torch.long))
    return (-eps / math.sqrt(1 - schedule.alpha_bars[t])).numpy()


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, projections: int = 128, seed: int = 0) -> float:
    """Sliced 1-Wasserstein distance between two (N, 2) and (M, 2) clouds: the mean over random directions of
    the 1-D W1 between the projected clouds (quantile functions compared on a common grid)."""
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0, math.pi, projections)
    dirs = np.stack([np.cos(angles), np.sin(angles)], 1)
    qs = (np.arange(512) + 0.5) / 512
    pa = np.quantile(np.asarray(a, np.float64) @ dirs.T, qs, axis=0)
    pb = np.quantile(np.asarray(b, np.float64) @ dirs.T, qs, axis=0)
    return float(np.abs(pa - pb).mean())


def forward_chain(points: np.ndarray, config: ToyConfig, record: list[int], seed: int = 0) -> list[np.ndarray]:
    """Run the forward Markov chain x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps on every particle (float64),
    returning the (N, 2) cloud at each timestep in ``record`` (0 = the data, t = after t noising steps)."""
    betas = schedule_of(config).betas
    rng = np.random.default_rng(seed)
    x, out, wanted = np.asarray(points, np.float64), [], sorted(set(record))
    if 0 in wanted:
        out.append(x.copy())
    for t in range(1, max(wanted) + 1):
        x = math.sqrt(1 - betas[t - 1]) * x + math.sqrt(betas[t - 1]) * rng.standard_normal(x.shape)
        if t in wanted:
            out.append(x.copy())
    return out


def reverse_paths(
    model: ToyMLP, n: int, method: str = "ddim", steps: int = 100, seed: int = 0, eta: float = 0.0
) -> list[tuple[int, np.ndarray]]:
    """Sample n points, returning [(t, x_t)] from x_T ~ N(0, I) (t = T) through every step to x_0 (t = -1 at the
    end: the final sample). Uses ``sampling.sample_progressive``, the image model's sampler."""
    from diffusion.sampling import sample_progressive

    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    x_T = torch.randn((n, 2), generator=gen)
    path = [(cfg.T, x_T.numpy().copy())]
    model.eval()
    with torch.inference_mode():
        progress = sample_progressive(model, schedule_of(cfg), cfg.prediction, x_T, steps, method, eta, gen, clip=False)
        path += [(p.t, p.x.numpy().copy()) for p in progress]
    return path


def sample_points(model: ToyMLP, n: int, method: str = "ddim", steps: int = 100, seed: int = 0) -> np.ndarray:
    """(n, 2) generated points: the end of ``reverse_paths`` (same noise), without keeping every step."""
    from diffusion.sampling import sample_progressive

    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn((n, 2), generator=gen)
    model.eval()
    with torch.inference_mode():
        for p in sample_progressive(model, schedule_of(cfg), cfg.prediction, x, steps, method, 0.0, gen, clip=False):
            x = p.x
    return x.numpy().copy()
