"""Named recipes: a network (``UNetConfig``) and how to train it (``TrainConfig``), defined once.

Everything that trains or describes a model (CLI, panels, benchmarks, model cards) reads its numbers from here.
One word, one meaning: a *recipe* is a network and its training (``IMAGE_RECIPES`` for one image: the CLI's
``train --preset``; ``DIGITS_RECIPES``); a *fine-tuning preset* is what the Training panel's optimiser choice fills
in (``FINETUNE_PRESETS``), on top of an image recipe's optimiser.
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


# One image. The source post's: its network, eps-prediction, batch 1, AdamW 2e-4, clip 1.0, CosineAnnealingLR
# (T_max=1000) stepped every iteration (so the LR hits 0 at step 1000, climbs back by 2000, ...), no warm-up, no EMA.
IMAGE_POST = Recipe(
    model=UNetConfig(),
    train=TrainConfig(
        steps=15_000, batch_size=1, lr=2e-4, weight_decay=0.01, warmup_steps=0, lr_schedule="post", ema_decay=0.0
    ),
    dataset="image",
    summary="the source post's network and optimiser",
)
# Ours: Fourier coordinate features and x0-prediction on the cosine schedule: 31 dB after 1 minute of CPU training,
# 44 dB after 4 (bench/README.md); AdamW with warm-up and cosine decay.
IMAGE_DEFAULT = Recipe(
    model=UNetConfig(coord_channels=True, coord_octaves=5, prediction="x0", schedule="cosine"),
    train=TrainConfig(),
    dataset="image",
    summary="coordinate features, x0-prediction, cosine schedule, warm-up and cosine LR decay",
)
IMAGE_RECIPES: dict[str, Recipe] = {"default": IMAGE_DEFAULT, "post": IMAGE_POST}


@dataclass(frozen=True)
class FinetunePreset:
    """What choosing an optimiser in the Training panel fills in, and the image recipe whose optimiser it runs."""

    recipe: str  # a key of IMAGE_RECIPES
    prediction: str
    lr: float
    batch_size: int
    ema_decay: float


FINETUNE_PRESETS: dict[str, FinetunePreset] = {
    "ours": FinetunePreset("default", "x0", 5e-4, 2, 0.99),
    "post": FinetunePreset("post", "eps", 2e-4, 1, 0.0),
}


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
# The words-to-pictures model's, from its prompt-following table (bench/README.md, weights/scenes/README.md).
SCENES_GUIDANCE = 3.0

# The same design, small enough to learn something in a test (and for the torchrun test).
DIGITS_TINY = Recipe(
    model=replace(DIGITS.model, channels=(8, 16), bottleneck=16, time_emb_dim=16, groups=4),
    train=replace(DIGITS.train, steps=200, batch_size=16, lr=2e-3, warmup_steps=10, ema_decay=0.99),
    dataset="digits",
    summary="a tiny digits model for tests",
)

DIGITS_RECIPES: dict[str, Recipe] = {"digits": DIGITS, "digits-tiny": DIGITS_TINY}

# Words to pictures: the digits design in the autoencoder's 4 x 12 x 12 latent space (two levels: 12 -> 6 -> 3), no
# label embedding but cross-attention to the text encoder's 64-wide tokens; captions dropped to the empty prompt 10%.
SCENES = Recipe(
    model=replace(
        DIGITS.model, in_channels=4, channels=(64, 128), bottleneck=128, image_size=12, num_classes=0, context_dim=64
    ),
    train=replace(DIGITS.train, steps=20_000, warmup_steps=200),
    dataset="scenes",
    summary="text-conditional latent UNet, v-prediction, cosine schedule, caption dropout 0.1",
)
