"""The judge of the words-to-pictures model: a classifier that reads a scene's objects back from its pixels.

It is trained on the same scene generator as the model (``JUDGE_SEED``), held-out compositions included (the judge
must read a green triangle even though the model never saw one), and measured on scenes drawn from another seed
range (``EVAL_SEED``). For each side of a scene it says what stands there: nothing, or an object with its kind
(a digit or a shape), colour and size. Comparing that reading with the prompt's words gives, per attribute, how
often a sample shows what it was asked for. The diffusion model never sees the judge.

Saved in Hub format (config.json + model.safetensors).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from diffusion import hub, scenes
from diffusion.classifier import conv_stages

JUDGE_SEED = 5_000_000  # its training scenes: disjoint from the model's pool (0..) and from the evaluation scenes
EVAL_SEED = 6_000_000
NONE = "none"  # what a side holds when nothing stands there
KIND_CLASSES = (*scenes.KINDS, NONE)
COLOUR_CLASSES = tuple(scenes.COLOURS)
SIZE_CLASSES = tuple(scenes.SIZES)
ATTRIBUTES = ("kind", "colour", "size", "position", "count")  # what ``agreement`` scores


@dataclass(frozen=True)
class JudgeConfig:
    widths: tuple[int, int, int] = (32, 64, 128)  # the digits judge's: narrower ones misread small digits (2%)
    hidden: int = 256

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))


class SceneJudge(nn.Module):
    """(B, 3, 48, 48) scenes in [-1, 1] -> logits per side: kind (B, 2, 14), colour (B, 2, 6), size (B, 2, 2); side 0
    is the left. Three conv-ReLU-conv-ReLU-pool stages (48 -> 6), then a shared hidden layer and three heads."""

    def __init__(self, config: JudgeConfig = JudgeConfig()) -> None:
        super().__init__()
        self.config = config
        self.features = conv_stages(3, config.widths)
        cells = (scenes.SIZE // 8) ** 2
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(config.widths[-1] * cells, config.hidden), nn.ReLU())
        self.kind = nn.Linear(config.hidden, 2 * len(KIND_CLASSES))
        self.colour = nn.Linear(config.hidden, 2 * len(COLOUR_CLASSES))
        self.size = nn.Linear(config.hidden, 2 * len(SIZE_CLASSES))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.hidden(self.features(x))
        return (
            self.kind(h).view(-1, 2, len(KIND_CLASSES)),
            self.colour(h).view(-1, 2, len(COLOUR_CLASSES)),
            self.size(h).view(-1, 2, len(SIZE_CLASSES)),
        )


def targets(scenes_: Sequence[scenes.Scene]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(kind, colour, size) class indices (B, 2) per side; colour and size are -1 (ignored) where a side is empty."""
    kind = torch.full((len(scenes_), 2), KIND_CLASSES.index(NONE))
    colour = torch.full((len(scenes_), 2), -1)
    size = torch.full((len(scenes_), 2), -1)
    for row, scene in enumerate(scenes_):
        for thing in scene.things:
            side = scenes.SIDES.index(thing.side)
            kind[row, side] = KIND_CLASSES.index(thing.kind)
            colour[row, side] = COLOUR_CLASSES.index(thing.colour)
            size[row, side] = SIZE_CLASSES.index(thing.size)
    return kind, colour, size


def loss(model: SceneJudge, x: torch.Tensor, target: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """The three heads' cross-entropies summed (colour and size only where an object stands)."""
    return sum(
        F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=-1)
        for logits, y in zip(model(x), target, strict=True)
    )  # type: ignore[return-value]


def training_scenes(n: int, first_seed: int = JUDGE_SEED, held_out_share: float = 0.25) -> list[scenes.Scene]:
    """The judge's ``n`` training scenes (not rendered): mostly training compositions, ``held_out_share`` held-out."""
    n_held = round(n * held_out_share)
    return [scenes.random_scene(first_seed + i) for i in range(n - n_held)] + [
        scenes.random_scene(first_seed + n + i, held_out=True) for i in range(n_held)
    ]


def training_pool(n: int, first_seed: int = JUDGE_SEED, held_out_share: float = 0.25) -> tuple[torch.Tensor, list]:
    """``training_scenes`` rendered: (uint8 images (n, 3, 48, 48), their scenes)."""
    pool = training_scenes(n, first_seed, held_out_share)
    images = torch.stack([((scenes.render(s) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8) for s in pool])
    return images, pool


def train_judge(
    images: torch.Tensor, scenes_: list[scenes.Scene], steps: int = 4000, batch_size: int = 64, lr: float = 2e-3,
    seed: int = 0,
) -> Iterator[tuple[int, float, SceneJudge]]:  # fmt: skip
    """Train from scratch on uint8 scenes ``images`` (N, 3, 48, 48); yields (step, loss, model) after every step.
    Each batch is shifted by up to 2 pixels (the model's samples are not pixel-aligned with the renderer's)."""
    with torch.random.fork_rng():  # seeded initial weights without touching the caller's global RNG
        torch.manual_seed(seed)
        model = SceneJudge()
    all_targets = targets(scenes_)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for step in range(steps):
        for group in opt.param_groups:  # linear warm-up, then cosine decay to zero
            group["lr"] = lr * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / steps))
        index = torch.randint(0, len(images), (batch_size,), generator=gen)
        dy, dx = (int(v) for v in torch.randint(-2, 3, (2,), generator=gen))
        x = torch.roll(scenes.to_float(images[index]), (dy, dx), dims=(2, 3))
        with torch.enable_grad():
            total = loss(model, x, tuple(y[index] for y in all_targets))
            opt.zero_grad(set_to_none=True)
            total.backward()
        opt.step()
        yield step + 1, total.item(), model
    model.eval()


@torch.no_grad()
def read(model: SceneJudge, x: torch.Tensor, batch: int = 512) -> list[tuple[scenes.Thing | None, ...]]:
    """What stands on each side of scenes x (B, 3, 48, 48) in [-1, 1]: (left, right), each a Thing or None."""
    model.eval()
    out = []
    for start in range(0, x.shape[0], batch):
        kind, colour, size = (logits.argmax(-1) for logits in model(x[start : start + batch].float()))
        for row in range(kind.shape[0]):
            sides = []
            for s, side in enumerate(scenes.SIDES):
                k = KIND_CLASSES[int(kind[row, s])]
                sides.append(
                    None
                    if k == NONE
                    else scenes.Thing(k, COLOUR_CLASSES[int(colour[row, s])], SIZE_CLASSES[int(size[row, s])], side)
                )
            out.append(tuple(sides))
    return out


def agreement(asked: Sequence[scenes.Thing | dict[str, str]], seen: tuple[scenes.Thing | None, ...]) -> dict[str, bool]:
    """Whether a reading shows what was asked, per attribute: for every object asked for (a Thing, or a partial
    ``scenes.parse`` dict), an object on its side (position; anywhere if no side was asked) of its kind, colour
    and size (where asked); and as many objects as were asked for (count)."""
    names = ("kind", "colour", "size", "side")
    wanted = [t if isinstance(t, dict) else dict(zip(names, t.attributes(), strict=True)) for t in asked]
    present = [s for s in seen if s is not None]
    found = [_best_match(want, present) for want in wanted]

    def holds(attribute: str) -> bool:
        return all(
            f is not None and (attribute not in w or getattr(f, attribute) == w[attribute])
            for f, w in zip(found, wanted, strict=True)
        )

    return {
        "kind": holds("kind"),
        "colour": holds("colour"),
        "size": holds("size"),
        "position": all(f is not None for f in found),
        "count": len(present) == len(wanted),
    }


def _best_match(want: dict[str, str], present: list[scenes.Thing]) -> scenes.Thing | None:
    """The object on the asked side (None if nothing stands there); without a side, the one that matches most
    of what was asked."""
    candidates = [s for s in present if s.side == want["side"]] if "side" in want else present
    return max(candidates, key=lambda s: sum(getattr(s, a) == v for a, v in want.items()), default=None)


def rates(
    asked: Sequence[Sequence[scenes.Thing | dict[str, str]]], seen: Sequence[tuple[scenes.Thing | None, ...]]
) -> dict[str, float]:
    """The share of scenes that agree, per attribute (``ATTRIBUTES``), and "all" (every attribute at once)."""
    checks = [agreement(a, s) for a, s in zip(asked, seen, strict=True)]
    out = {name: sum(c[name] for c in checks) / len(checks) for name in ATTRIBUTES}
    out["all"] = sum(all(c.values()) for c in checks) / len(checks)
    return out


def accuracy_on_fresh_scenes(model: SceneJudge, n: int = 2000, held_out: bool = False) -> dict[str, float]:
    """``rates`` of the judge's readings of freshly rendered scenes (never trained on) against their true objects."""
    images, scenes_ = scenes.pool(n, EVAL_SEED + (10**6 if held_out else 0), held_out=held_out)
    return rates([s.things for s in scenes_], read(model, scenes.to_float(images)))


def save(model: SceneJudge, folder: str | Path, card: str = "") -> None:
    hub.save_module(model, folder, card)


def load(folder: str | Path) -> SceneJudge:
    """Load a folder strictly (config.json + model.safetensors; safetensors only)."""
    return hub.load_module(folder, lambda config: SceneJudge(JudgeConfig(**config)))


def prompt_following(
    model, autoencoder, judge: SceneJudge, n: int, guidance: float, steps: int, held_out: bool = False,
    lang: str = "en", first_seed: int = EVAL_SEED,
) -> tuple[dict[str, float], list[tuple[scenes.Thing | None, ...]]]:  # fmt: skip
    """How often the words-to-pictures ``model`` draws what its prompt says: ``n`` captions of fresh scenes
    (seen compositions, or only ``held_out`` ones) in ``lang``, one sample each (seed i for caption i), read by
    the judge. Returns (``rates``, the readings)."""
    from diffusion import text2image

    asked = [scenes.random_scene(first_seed + i, held_out) for i in range(n)]
    latents = text2image.sample(model, [s.caption(lang) for s in asked], guidance, steps, range(n))
    seen = read(judge, text2image.decode(autoencoder, latents, model.config.latent_scale))
    return rates([s.things for s in asked], seen), seen
