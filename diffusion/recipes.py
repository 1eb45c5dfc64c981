"""Named recipes: a network (``UNetConfig``) and how to train it (``TrainConfig``), defined once.

Everything that trains or describes a model (CLI, panels, benchmarks, model cards) reads its numbers from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from diffusion.training import TrainConfig
from diffusion.unet import UNetConfig


@dataclass(frozen=True)
class Recipe:
    model: UNetConfig
    train: TrainConfig
    dataset: str  # "image" (one uploaded/bundled image) or "digits" (diffusion.digits)
    summary: str


# Digits: v-prediction on the cosine schedule. A real data set has many images per label, so at high noise the best
# x0 guess is a blurry average and an x0 target's error is dominated by those steps; eps and v are unit-variance
# targets at every t (v also stays informative at t -> T, where eps-prediction gives x0 = (x_t - s eps)/a with
# a -> 0). The one-image model predicts x0 because its answer is a constant: there the x0 target is the easy one.
DIGITS = Recipe(
    model=UNetConfig(
        in_channels=1,
        channels=(32, 64, 128),
        bottleneck=128,
        time_emb_dim=128,
        groups=8,
        shared_norm=False,
        residual=True,
        image_size=32,
        schedule="cosine",
        prediction="v",
        num_classes=10,
    ),
    train=TrainConfig(
        steps=7000, batch_size=64, lr=1e-3, weight_decay=0.01, warmup_steps=200, ema_decay=0.999, label_dropout=0.1
    ),
    dataset="digits",
    summary="class-conditional digits, 1.36 M parameters, v-prediction, cosine schedule, label dropout 0.1",
)

# The guidance w the digits panel and CLI start from, chosen from the measured accuracy-vs-guidance table
# (bench/README.md, weights/digits/README.md), not by habit.
DEFAULT_GUIDANCE = 1.0  # w = 0: 98.5% right; 0.5-5: 100%; 7: 99% and distorted (DDIM-20)

# The same design, small enough to learn something in a test (and for the torchrun test).
DIGITS_TINY = Recipe(
    model=replace(DIGITS.model, channels=(8, 16), bottleneck=16, time_emb_dim=16, groups=4),
    train=replace(DIGITS.train, steps=200, batch_size=16, lr=2e-3, warmup_steps=10, ema_decay=0.99),
    dataset="digits",
    summary="a tiny digits model for tests",
)

DIGITS_RECIPES: dict[str, Recipe] = {"digits": DIGITS, "digits-tiny": DIGITS_TINY}
