"""A small digit classifier, trained on the same generator as the diffusion model: our own quality metric.

It is a judge, not a teacher: the diffusion model never sees it. Trained on a stream of rendered digits
(``CLASSIFIER_SEED``) and measured on another (``digits.EVAL_SEED``), it tells whether a generated sample looks like
the digit it was asked for, and how sure it is. Saved in Hub format (config.json + model.safetensors).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from diffusion import hub
from diffusion.digits import EVAL_SEED, NUM_CLASSES, DigitStream

CLASSIFIER_SEED = 3_000_017  # its training stream: disjoint from the diffusion model's and from the eval stream


@dataclass(frozen=True)
class ClassifierConfig:
    widths: tuple[int, int, int] = (32, 64, 128)
    num_classes: int = NUM_CLASSES

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))


def conv_stages(c_in: int, widths: tuple[int, ...]) -> nn.Sequential:
    """A judge's feature extractor: per width, conv-ReLU-conv-ReLU (3 x 3) then a 2 x 2 max-pool (halves the size)."""
    layers: list[nn.Module] = []
    for w in widths:
        layers += [nn.Conv2d(c_in, w, 3, padding=1), nn.ReLU(), nn.Conv2d(w, w, 3, padding=1), nn.ReLU()]
        layers.append(nn.MaxPool2d(2))
        c_in = w
    return nn.Sequential(*layers)


class DigitClassifier(nn.Module):
    """(B, 1, 32, 32) images in [-1, 1] -> (B, 10) logits. Three conv-ReLU-conv-ReLU-pool stages, global average."""

    def __init__(self, config: ClassifierConfig = ClassifierConfig()) -> None:
        super().__init__()
        self.config = config
        self.features = conv_stages(1, config.widths)
        self.head = nn.Linear(config.widths[-1], config.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def train_classifier(
    steps: int = 1500, batch_size: int = 128, lr: float = 2e-3, seed: int = 0
) -> Iterator[tuple[int, float, DigitClassifier]]:
    """Train from scratch on fresh rendered digits; yields (step, loss, model) after every step."""
    with torch.random.fork_rng():  # seeded initial weights without touching the caller's global RNG
        torch.manual_seed(seed)
        model = DigitClassifier()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    stream = DigitStream(seed=CLASSIFIER_SEED, batch_size=batch_size)
    model.train()
    for step in range(steps):
        for group in opt.param_groups:  # linear warm-up, then cosine decay to zero
            warm = min(1.0, (step + 1) / 100)
            group["lr"] = lr * warm * 0.5 * (1 + math.cos(math.pi * step / steps))
        x, y = stream.batch(step)
        with torch.enable_grad():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
        opt.step()
        yield step + 1, loss.item(), model
    model.eval()


@torch.no_grad()
def predict(model: DigitClassifier, x: torch.Tensor, batch: int = 512) -> torch.Tensor:
    """(B, 10) class probabilities for images x (B, 1, 32, 32) in [-1, 1]."""
    model.eval()
    return torch.cat([F.softmax(model(x[i : i + batch].float()), dim=1) for i in range(0, x.shape[0], batch)])


def accuracy_on_fresh_digits(model: DigitClassifier, n: int = 5000) -> float:
    """Top-1 accuracy on the first n digits of the evaluation stream (never used for training anything)."""
    x, y = DigitStream(seed=EVAL_SEED, batch_size=250).take(n)
    return (predict(model, x).argmax(1) == y).float().mean().item()


def save(model: DigitClassifier, folder: str | Path, card: str = "") -> None:
    hub.save_module(model, folder, card)


def load(folder: str | Path) -> DigitClassifier:
    """Load a folder strictly (config.json + model.safetensors; safetensors only)."""
    return hub.load_module(folder, lambda config: DigitClassifier(ClassifierConfig(**config)))
