"""Generating digits and measuring them honestly: accuracy, confidence, diversity and novelty.

- ``generate``: one batched reverse process for many seeds at once; row i starts from the noise of seed i alone,
  so a seed gives the same digit in a grid of 16 as on its own.
- ``nearest``: each sample's nearest training example (RMS pixel distance): the memorisation test. A model that
  memorised its data returns its training images (distance ~0); one that generalises draws new ones, about as far
  from their nearest training example as a fresh real digit is from its own.
- ``report``: the figures of the model card and bench/README.md, judged by ``classifier.DigitClassifier``.
- ``invert_and_edit``: DDIM inversion of real digits, the round trip, and re-generation from the found noise
  under another label or guidance (the deterministic sampler is an invertible map).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import torch

from diffusion import inversion
from diffusion.classifier import DigitClassifier, predict
from diffusion.digits import EVAL_SEED, NUM_CLASSES, TRAIN_SEED, DigitStream
from diffusion.inversion import Inversion, mix_noise  # noqa: F401 (re-exported: the digits API)
from diffusion.process import Diffusion
from diffusion.sampling import Progress, classifier_free_guidance
from diffusion.unet import UNet

REFERENCE_SIZE = 8192  # training examples searched for nearest neighbours (the first 128 batches the model saw)


def seed_noise(seeds: Sequence[int], shape: tuple[int, ...]) -> torch.Tensor:
    """(len(seeds), *shape) standard normal noise, row i drawn from a generator seeded with seeds[i] alone."""
    return torch.stack([torch.randn(shape, generator=torch.Generator().manual_seed(int(s))) for s in seeds])


def generate_progressive(
    model: UNet,
    labels: torch.Tensor | None,
    guidance: float,
    steps: int,
    seeds: Sequence[int],
    method: str = "ddim",
    eta: float = 0.0,
    x_T: torch.Tensor | None = None,
) -> Iterator[Progress]:
    """The reverse process of a class-conditional model for every seed at once, yielding after every step.

    Args:
        model: a ``UNet`` with ``num_classes > 0``.
        labels: (B,) digits to draw, or None for unconditional samples.
        guidance: classifier-free guidance w in (1 + w) cond - w uncond (see ``classifier_free_guidance``).
        steps, method, eta: the sampler (as in ``sampling.sample_progressive``).
        seeds: B seeds: row i's starting noise, and (row 0's) the stream of the stochastic steps.
        x_T: optional (B, C, H, W) starting noise instead of the seeds' (inversion, editing).
    """
    cfg = model.config
    if cfg.num_classes <= 0:
        raise ValueError("This model has no label embedding: it cannot draw a chosen digit or use guidance.")
    if labels is not None and (labels.min() < 0 or labels.max() >= cfg.num_classes):
        raise ValueError(f"Labels must be between 0 and {cfg.num_classes - 1}.")
    shape = (cfg.in_channels, cfg.image_size, cfg.image_size)
    start = seed_noise(seeds, shape) if x_T is None else x_T
    gen = torch.Generator().manual_seed(int(seeds[0]) + 1)
    denoise = classifier_free_guidance(model, labels, guidance, cfg.null_label)
    yield from Diffusion.of(cfg).sample_progressive(denoise, start, steps, method=method, eta=eta, generator=gen)


@torch.inference_mode()
def generate(model: UNet, labels: torch.Tensor | None, guidance: float, steps: int, seeds: Sequence[int], **kw):
    """The final samples of ``generate_progressive``: (B, C, H, W) in [-1, 1]."""
    x = None
    for p in generate_progressive(model, labels, guidance, steps, seeds, **kw):
        x = p.x
    return x.clamp(-1, 1)


@lru_cache(maxsize=1)
def reference_set(n: int = REFERENCE_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """The first n training examples the digits model saw (its training stream), (n, 1, 32, 32) and (n,)."""
    return DigitStream(seed=TRAIN_SEED, batch_size=64).take(n)


def nearest(x: torch.Tensor, reference: torch.Tensor, exclude_self: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row's nearest reference image by RMS pixel distance (on [-1, 1]).

    Args:
        x: (B, C, H, W); reference: (N, C, H, W) (same C, H, W).
        exclude_self: x is reference[:B] itself: skip the zero distance to oneself.

    Returns:
        distances (B,) float, indices (B,) into reference.
    """
    a = x.reshape(x.shape[0], -1).double()
    b = reference.reshape(reference.shape[0], -1).double()
    d2 = (a * a).sum(1, keepdim=True) - 2 * a @ b.T + (b * b).sum(1)[None]
    if exclude_self:
        d2[torch.arange(a.shape[0]), torch.arange(a.shape[0])] = float("inf")
    best, idx = d2.clamp_min(0).min(dim=1)
    return (best / a.shape[1]).sqrt().float(), idx


def mean_pairwise_distance(x: torch.Tensor) -> float:
    """Mean RMS pixel distance over all pairs of rows of x (B >= 2, C, H, W): how different the images are."""
    flat = x.reshape(x.shape[0], -1).double()
    d = torch.cdist(flat, flat) / flat.shape[1] ** 0.5
    n = flat.shape[0]
    return (d.sum() / (n * (n - 1))).item()


@dataclass(frozen=True)
class Report:
    """Sample quality at one (guidance, steps) setting; distances are RMS pixel distances on [-1, 1]."""

    guidance: float
    steps: int
    accuracy: float  # conditional samples classified as the digit asked for
    confident: float  # unconditional samples classified with probability >= 0.9
    diversity: float  # mean pairwise distance of samples of one digit / the same for real digits of that digit
    novelty: float  # median distance of a sample to its nearest training example
    novelty_real: float  # the same for fresh real digits (what "new, not copied" looks like)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def report(model: UNet, judge: DigitClassifier, guidance: float, steps: int, per_class: int = 20) -> Report:
    """Measure ``per_class`` samples of every digit (seeds 0..) and as many unconditional ones."""
    n = per_class * NUM_CLASSES
    labels = torch.arange(n) % NUM_CLASSES
    cond = generate(model, labels, guidance, steps, range(n))
    uncond = generate(model, None, 0.0, steps, range(10_000, 10_000 + n))
    accuracy = (predict(judge, cond).argmax(1) == labels).float().mean().item()
    confident = (predict(judge, uncond).max(1).values >= 0.9).float().mean().item()
    real, real_labels = DigitStream(seed=EVAL_SEED, batch_size=250).take(n * 2)
    ratios = [
        mean_pairwise_distance(cond[labels == d]) / mean_pairwise_distance(real[real_labels == d][:per_class])
        for d in range(NUM_CLASSES)
    ]
    ref, _ = reference_set()
    novelty = nearest(cond, ref)[0].median().item()
    novelty_real = nearest(real[:n], ref)[0].median().item()
    return Report(guidance, steps, accuracy, confident, sum(ratios) / len(ratios), novelty, novelty_real)


def invert_and_edit(
    model: UNet,
    x_0: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    new_labels: torch.Tensor | None,
    guidance: float,
    mix_seed: int = 0,
    mix: float = 0.0,
) -> Inversion:
    """Invert x_0 (B, 1, 32, 32) with deterministic DDIM under its labels, come back, then re-generate from the
    found noise (mixed ``mix`` of the way towards seed ``mix_seed``'s noise) under ``new_labels`` and guidance."""
    cfg = model.config
    process = Diffusion.of(cfg)
    own = classifier_free_guidance(model, labels, 0.0, cfg.null_label)
    steer = classifier_free_guidance(model, new_labels, guidance, cfg.null_label)
    other = seed_noise([mix_seed] * x_0.shape[0], tuple(x_0.shape[1:]))
    return inversion.invert_and_edit(own, process.schedule, process.prediction, x_0, steps, steer, other, mix)
