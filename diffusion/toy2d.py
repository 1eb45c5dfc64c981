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

from diffusion import flow, imaging, limits, training
from diffusion.forward import split_prediction
from diffusion.process import Diffusion
from diffusion.sampling import classifier_free_guidance, sample_progressive, timestep_grid
from diffusion.unet import sinusoidal_embedding

DATASETS = ("spiral", "moons", "smiley", "text", "shape")
ODE_SOLVERS = ("euler", "heun")
SAMPLERS = ("ddpm", "ddim", *ODE_SOLVERS)
SAMPLERS_OF = {"denoise": SAMPLERS, "flow": ODE_SOLVERS}  # DDPM and DDIM are the denoising model's samplers
TEXT_CHARS = set(string.ascii_letters + string.digits + " !?&+-=#@$%*.")
MAX_TEXT = limits.TEXT_CHARACTERS


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
    """Points over the shape of a picture (``imaging.shape_mask``: the opaque strokes of a drawing, or the minority
    tone of a black-and-white image, any mode, bit depth or EXIF orientation)."""
    mask = imaging.shape_mask(image)
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
    n = limits.POINTS.check(n)
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
    objective: str = "denoise"  # "denoise": eps at integer t (DDPM); "flow": the velocity at s in [0, 1] (flow.py)
    num_classes: int = 0  # > 0: class-conditional, with one more "no label" row for classifier-free guidance
    label_dim: int = 16

    def __post_init__(self) -> None:
        if self.objective not in flow.OBJECTIVES:
            raise ValueError(f"Unknown objective {self.objective!r}: use {' or '.join(flow.OBJECTIVES)}.")

    @property
    def null_label(self) -> int:
        return self.num_classes


class ToyMLP(nn.Module):
    """The network of the 2-D lab: (x (B, 2), time (B,)[, labels (B,)]) -> (B, 2).

    A denoising model reads integer timesteps t and predicts eps; a flow model reads s in [0, 1] (embedded as
    s * T, so both see the same frequencies) and predicts the velocity. Time (and label) embeddings are
    concatenated to x, then an MLP."""

    def __init__(self, config: ToyConfig = ToyConfig()) -> None:
        super().__init__()
        self.config = config
        width = 2 + config.time_emb_dim
        if config.num_classes:
            self.label_emb = nn.Embedding(config.num_classes + 1, config.label_dim)
            width += config.label_dim
        blocks: list[nn.Module] = []
        for _ in range(config.layers):
            blocks += [nn.Linear(width, config.hidden), nn.SiLU()]
            width = config.hidden
        self.net = nn.Sequential(*blocks, nn.Linear(width, 2))

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        time = t.float() * self.config.T if self.config.objective == "flow" else t
        parts = [x, sinusoidal_embedding(time, self.config.time_emb_dim)]
        if self.config.num_classes:
            if labels is None:
                labels = torch.full((x.shape[0],), self.config.null_label, dtype=torch.long)
            parts.append(self.label_emb(labels.long()))
        return self.net(torch.cat(parts, dim=1))


@functools.cache
def schedule_of(config: ToyConfig):
    """The config's noise schedule, built once (score fields are drawn for every frame of a film)."""
    return Diffusion.of(config).schedule


def noise_levels(config: ToyConfig) -> np.ndarray:
    """(T + 1,) alpha_bar after t forward steps: 1 at t = 0 (the data), then the schedule's values."""
    return schedule_of(config).alpha_bars_from_start


def noise_share(config: ToyConfig, t: int) -> float:
    """sqrt(1 - abar) after t forward steps (0 at the data, about 1 at t = T): the share of noise in x_t."""
    return float(np.sqrt(1.0 - noise_levels(config)[t]))


def default_train_config(steps: int = 3000, seed: int = 0, objective: str = "denoise") -> training.TrainConfig:
    """Big batches of points, a higher LR than the UNet's, warm-up and cosine decay, EMA tied to the run length.
    Flow matching prefers half the LR (its target eps - x_0 has twice the variance of eps; measured in
    bench/toy2d.py); a class-conditional run drops 20% of the labels (classifier-free guidance)."""
    lr = 1e-2 if objective == "flow" else 2e-2
    return training.TrainConfig(steps=steps, batch_size=512, lr=lr, warmup_steps=100, seed=seed, label_dropout=0.2)


def new_toy_state(cfg: training.TrainConfig, config: ToyConfig = ToyConfig(), seed: int = 0) -> training.TrainState:
    torch.manual_seed(seed)
    return training.new_state(ToyMLP(config), cfg, torch.device("cpu"))  # a tiny MLP: the CPU is the right place


def score_field(model: ToyMLP, t: int, grid: np.ndarray) -> np.ndarray:
    """The learned score grad log p_t(x) = -eps_theta(x, t) / sqrt(1 - abar_t) at (K, 2) points -> (K, 2)."""
    schedule = schedule_of(model.config)
    x = torch.as_tensor(grid, dtype=torch.float32)
    with torch.inference_mode():
        eps = as_epsilon(model, model.config)(x, torch.full((len(x),), t, dtype=torch.long))
    return (-eps / math.sqrt(1 - schedule.alpha_bars[t])).numpy()


def as_epsilon(fn, config: ToyConfig):
    """A denoising network ``fn`` (x (K, 2), t (K,)) -> its output, as the noise estimate eps it implies: the
    probability-flow ODE and the score need eps whatever the network predicts (x0 and v are converted with
    ``forward.split_prediction``; timesteps t >= 0 only, where sigma > 0)."""
    if config.prediction == "eps":
        return fn
    schedule = schedule_of(config)

    def eps(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return split_prediction(config.prediction, schedule, x, t, fn(x, t))[1]

    return eps


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


def sample_floor(data: np.ndarray, n: int, seed: int = 0) -> float:
    """What a perfect model's n samples would score: the distance between n points of the data and the others
    (a fresh sample from the same distribution, as long as the data has at least 2n points; otherwise half)."""
    n = min(n, len(data) // 2)
    order = np.random.default_rng(seed).permutation(len(data))
    return sliced_wasserstein(data[order[:n]], data[order[n:]])


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


def noise_std(config: ToyConfig, s: float) -> float:
    """b(s), the share of noise in x_s = a x_0 + b eps: sqrt(1 - abar_t) at the timestep of s, or s itself on
    the flow's straight path (0 at the data, 1 at the noise)."""
    if config.objective == "flow":
        return float(s)
    t = timestep_at(config, s)
    return float(np.sqrt(1 - schedule_of(config).alpha_bar_at(min(t, config.T - 1))))


def start_noise(n: int, seed: int) -> tuple[torch.Tensor, torch.Generator]:
    """x_1 ~ N(0, I), (n, 2), and the generator that continues the same random stream (DDPM's kicks)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn((n, 2), generator=gen), gen


def denoiser(model: ToyMLP, labels: torch.Tensor | None = None, guidance: float = 0.0):
    """The network as the samplers call it, (x, time) -> output: a conditional model steered towards ``labels``
    with classifier-free guidance w = ``guidance`` (unconditional when labels is None); others as they are."""
    if not model.config.num_classes:
        return model
    return classifier_free_guidance(model, labels, guidance, model.config.null_label)


def node_times(config: ToyConfig, steps: int) -> np.ndarray:
    """(steps + 1,) flow times s from 1 (noise) to 0 (data) visited by a sampler. A denoising model's timestep t
    sits at s = (t + 1) / T: the grid T - 1 ... 0 of ``sampling.timestep_grid``, then the data at t = -1."""
    if config.objective == "flow":
        return flow.uniform_s(steps)
    return (np.append(timestep_grid(steps, config.T), -1) + 1) / config.T


def timestep_at(config: ToyConfig, s: float) -> int:
    """The denoising model's integer timestep at flow time s (-1 at s = 0, the data)."""
    return round(s * config.T) - 1


def ode_between(model: ToyMLP, s_nodes: np.ndarray, fn=None) -> flow.OdeField:
    """The model's ODE on the flow times ``s_nodes`` (either direction): the flow model's dx/ds = v, or the
    denoising model's probability-flow ODE on the timesteps at those times (``flow.pf_ode_field``)."""
    fn = fn or denoiser(model)
    if model.config.objective == "flow":
        return flow.flow_field(fn, s_nodes)
    ts = [timestep_at(model.config, float(s)) for s in s_nodes]
    return flow.pf_ode_field(as_epsilon(fn, model.config), schedule_of(model.config), np.array(ts))


def sample_path(
    model: ToyMLP,
    n: int,
    sampler: str = "ddim",
    steps: int = 100,
    seed: int = 0,
    labels: torch.Tensor | None = None,
    guidance: float = 0.0,
    eta: float = 0.0,
    x_1: np.ndarray | None = None,
) -> list[tuple[float, np.ndarray]]:
    """Sample n points, returning [(s, x_s)] from s = 1 (x_1 ~ N(0, I), or ``x_1`` (n, 2)) to s = 0 after every
    step. ``sampler``: ddpm or ddim (``sampling.sample_progressive``, a denoising model only) or the euler / heun
    ODE solvers (``flow.solve``, either objective). ``labels`` (n,) and ``guidance``: see ``denoiser``."""
    cfg = model.config
    if sampler not in SAMPLERS_OF[cfg.objective]:
        raise ValueError(
            f"A {cfg.objective} model is sampled with {', '.join(SAMPLERS_OF[cfg.objective])}, not {sampler!r}."
        )
    x, gen = start_noise(n, seed)
    if x_1 is not None:
        x = torch.as_tensor(x_1, dtype=torch.float32)
    fn = denoiser(model, labels, guidance)
    path = [(1.0, x.numpy().copy())]
    model.eval()
    with torch.inference_mode():
        if sampler in ODE_SOLVERS:
            s_nodes = node_times(cfg, steps)
            for k, x_s in enumerate(flow.solve(ode_between(model, s_nodes, fn), x, sampler), start=1):
                path.append((float(s_nodes[k]), x_s.numpy().copy()))
        else:
            for p in sample_progressive(fn, schedule_of(cfg), cfg.prediction, x, steps, sampler, eta, gen, clip=False):
                path.append(((p.t_prev + 1) / cfg.T, p.x.numpy().copy()))
    return path


def evaluations(config: ToyConfig, sampler: str, steps: int) -> int:
    """Network evaluations of a ``sample_path`` with these settings (Heun: two per step, one on the last step of
    the probability-flow ODE, which ends at sigma = 0)."""
    if sampler != "heun":
        return steps
    return 2 * steps - int(config.objective == "denoise")


def reverse_paths(
    model: ToyMLP, n: int, method: str = "ddim", steps: int = 100, seed: int = 0, eta: float = 0.0
) -> list[tuple[int, np.ndarray]]:
    """A denoising model's ``sample_path`` with integer timesteps: [(t, x_t)] from x_T ~ N(0, I) (t = T) through
    every step, to the final sample at t = 0 (the step that started from t = 0 and ended at the data)."""
    path = sample_path(model, n, method, steps, seed, eta=eta)
    grid = timestep_grid(steps, model.config.T).tolist()
    return [(model.config.T, path[0][1])] + [(t, x) for t, (_, x) in zip(grid, path[1:], strict=True)]


def sample_points(model: ToyMLP, n: int, method: str = "ddim", steps: int = 100, seed: int = 0, **kwargs) -> np.ndarray:
    """(n, 2) generated points: the end of ``sample_path`` (same noise and arguments)."""
    return sample_path(model, n, method, steps, seed, **kwargs)[-1][1]


# --- a class-labelled data set, for classifier-free guidance ---------------------------------------------------

CLASS_NAMES = ("ring", "cross", "triangle")


def labelled_shapes(n: int = 6000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three shapes side by side, one class each: a ring (0), a cross (1) and a triangle (2), outlines drawn
    with a little noise. Returns (n, 2) float32 points in [-1, 1]^2 and (n,) int64 labels."""
    n = limits.POINTS.check(n)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    u = rng.uniform(0, 1, n)
    ring = np.stack([np.cos(2 * math.pi * u), np.sin(2 * math.pi * u)], 1) * 0.42 + np.array([-0.55, 0.4])
    arm = rng.uniform(-0.45, 0.45, n)
    horizontal = rng.uniform(0, 1, n) < 0.5
    cross = np.where(horizontal[:, None], np.stack([arm, 0 * arm], 1), np.stack([0 * arm, arm], 1)) + np.array(
        [0.55, 0.4]
    )
    corners = np.array([[0.0, 0.5], [-0.5, -0.35], [0.5, -0.35]]) * 1.05 + np.array([0.0, -0.55])
    side = rng.integers(0, 3, n)
    triangle = corners[side] + u[:, None] * (corners[(side + 1) % 3] - corners[side])
    pts = np.select([labels[:, None] == 0, labels[:, None] == 1], [ring, cross], triangle)
    pts = pts + rng.normal(0, 0.025, pts.shape)
    return _normalise(pts), labels.astype(np.int64)


class LabelledPoints:
    """A ``training.BatchStream`` over a labelled cloud: batch i is ``batch_size`` random rows (and their labels),
    the same for the same i (so a resumed or repeated run sees the same batches)."""

    def __init__(self, points: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0) -> None:
        self.points, self.labels = torch.as_tensor(points), torch.as_tensor(labels)
        self.batch_size, self.seed = batch_size, seed

    def batch(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + index)
        idx = torch.randint(0, len(self.points), (self.batch_size,), generator=gen)
        return self.points[idx], self.labels[idx]


def guidance_scores(points: np.ndarray, asked: np.ndarray, data: np.ndarray, data_labels: np.ndarray) -> dict:
    """How well guided samples (N, 2), asked for classes ``asked`` (N,), obey: the fraction landing nearest to
    their own class, and the median distance to the nearest point of their own class (how far off the shape).
    One (N, M) distance matrix serves both (fine for a few thousand points)."""
    d2 = ((points[:, None, :] - data[None, :, :]) ** 2).sum(-1)
    got = data_labels[d2.argmin(1)]
    own = np.where(data_labels[None, :] == asked[:, None], d2, np.inf).min(1)
    return {"class_accuracy": float((got == asked).mean()), "median_off_shape": float(np.median(np.sqrt(own)))}


# --- what a trained model shows: fields, densities, the carried mesh, single trajectories ------------------------


def drift_field(model: ToyMLP, s: float, grid: np.ndarray) -> np.ndarray:
    """The direction particles move in at flow time s on their way to the data, at (K, 2) points -> (K, 2): the
    flow model's -v(x, s), the denoising model's score -eps / sqrt(1 - abar_t) (see ``score_field``)."""
    if model.config.objective == "denoise":
        return score_field(model, min(max(timestep_at(model.config, s), 0), model.config.T - 1), grid)
    x = torch.as_tensor(grid, dtype=torch.float32)
    with torch.inference_mode():
        return (-denoiser(model)(x, torch.full((len(x),), float(s)))).numpy()


DENSITY_STEPS = {"flow": 30, "denoise": 80}  # Heun steps for a density within ~2% of mass 1 (bench/toy2d.py)


def density(model: ToyMLP, s: float, points: np.ndarray, steps: int | None = None) -> np.ndarray:
    """log p_s(x) of the model at flow time s for (K, 2) points -> (K,): its ODE from s up to the noise, and the
    instantaneous change of variables (``flow.log_density``), with x_1 ~ N(0, I) at the end. The curved paths
    of the denoising model need more steps than the straight ones of flow matching (``DENSITY_STEPS``)."""
    steps = steps or DENSITY_STEPS[model.config.objective]
    s = float(min(max(s, 0.0), 1.0))
    if model.config.objective == "flow":
        s_nodes = np.linspace(s, 1.0, steps + 1)
    else:  # timesteps from t(s) (at least 0: sigma = 0 cannot be evaluated) up to T - 1, no repeats
        t0 = max(timestep_at(model.config, s), 0)
        s_nodes = (np.unique(np.round(np.linspace(t0, model.config.T - 1, steps + 1))) + 1) / model.config.T
    ode = ode_between(model, s_nodes)
    return flow.log_density(ode, torch.as_tensor(points, dtype=torch.float32), flow.standard_normal_log_prob).numpy()


def trajectory(model: ToyMLP, point: np.ndarray, s: float, steps: int = 50) -> np.ndarray:
    """The single ODE path through ``point`` (2,) at flow time s, from the noise (s = 1) to the data (s = 0):
    about ``steps`` + 1 positions (Heun, split between the two sides), the point itself among them."""
    s = float(min(max(s, 0.0), 1.0))
    down_n = max(round(steps * s), 1)
    up = _solve_from(model, point, np.linspace(s, 1.0, max(steps - down_n, 1) + 1))
    down = _solve_from(model, point, np.linspace(s, 0.0, down_n + 1))
    return np.concatenate([up[::-1], np.asarray(point, np.float32)[None], down])


def _solve_from(model: ToyMLP, point: np.ndarray, s_nodes: np.ndarray) -> np.ndarray:
    """Heun along the model's ODE from ``point`` over ``s_nodes``: (K, 2) positions after each step (K may be 0).
    A denoising model's nodes are snapped to distinct timesteps (>= 0, but -1 where the path ends at the data)."""
    if model.config.objective == "denoise":
        ts = [max(timestep_at(model.config, float(v)), 0) for v in s_nodes]
        ts[-1] = timestep_at(model.config, float(s_nodes[-1])) if s_nodes[-1] == 0 else ts[-1]
        ts = [t for i, t in enumerate(ts) if i == 0 or t != ts[i - 1]]
        s_nodes = (np.array(ts) + 1) / model.config.T
    if len(s_nodes) < 2:
        return np.zeros((0, 2), np.float32)
    x = torch.as_tensor(np.asarray(point, np.float32)[None])
    with torch.inference_mode():
        return np.concatenate([p.numpy() for p in flow.solve(ode_between(model, s_nodes), x, "heun")])


def mesh(model: ToyMLP, steps: int = 40, lines: int = 9, per_line: int = 60, extent: float = 2.5):
    """The grid carried by the flow: ``lines`` horizontal and vertical lines of N(0, I) space at s = 1, pushed
    through the model's ODE (Euler) to the data. Returns [(s, (2 * lines, per_line, 2))] after every step."""
    g = np.linspace(-extent, extent, lines)
    u = np.linspace(-extent, extent, per_line)
    horizontal = np.stack(np.broadcast_arrays(u[None, :], g[:, None]), -1)
    vertical = np.stack(np.broadcast_arrays(g[:, None], u[None, :]), -1)
    start = np.concatenate([horizontal, vertical]).reshape(-1, 2)
    path = sample_path(model, len(start), "euler", steps, x_1=start)
    return [(s, x.reshape(2 * lines, per_line, 2)) for s, x in path]


def sampler_curves(
    models: dict[str, ToyMLP], data: np.ndarray, n: int = 2000, seed: int = 0, budgets=(2, 4, 10, 20, 50, 100)
) -> dict[str, list[tuple[int, float]]]:
    """Sliced Wasserstein distance to ``data`` against network evaluations (NFE), for every sampler of every
    objective in ``models`` ({"denoise": ..., "flow": ...}), all from the same noise (``seed``). Heun spends two
    evaluations per step, so it gets half the steps for the same budget."""
    curves: dict[str, list[tuple[int, float]]] = {}
    for objective, model in models.items():
        for sampler in SAMPLERS_OF[objective]:
            for budget in budgets:
                steps = max((budget + 1) // 2, 1) if sampler == "heun" else budget
                pts = sample_points(model, n, sampler, steps, seed)
                nfe = evaluations(model.config, sampler, steps)
                curves.setdefault(f"{objective}/{sampler}", []).append((nfe, sliced_wasserstein(pts, data)))
    return curves
