"""The words-to-pictures model: a text encoder and a cross-attention UNet that denoise the autoencoder's latents.

``LatentDiffusion(x_t, t, ids)`` is a denoiser as the training engine and the samplers call it: ``ids`` (B, L)
are token ids (``scenes.encode``), the "labels" of a conditional model. Training drops a caption to the empty
prompt with probability ``label_dropout`` (``training.drop_labels``), so one network is both the text-conditional
and the unconditional model, and sampling steers with classifier-free guidance, against the empty prompt or a
negative prompt (``text_guidance``). Sampling runs in the latent space; ``decode`` turns a latent into pixels.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from diffusion import scenes
from diffusion.recipes import SCENES
from diffusion.text_encoder import TextConfig, TextEncoder
from diffusion.unet import UNet, UNetConfig


@dataclass(frozen=True)
class T2IConfig:
    """The text encoder's and the latent UNet's shapes, and how latents are scaled to unit variance."""

    unet: UNetConfig = field(default_factory=lambda: SCENES.model)
    text: TextConfig = field(
        default_factory=lambda: TextConfig(vocab=len(scenes.VOCABULARY), max_tokens=scenes.MAX_TOKENS)
    )
    latent_scale: float = 1.0  # z * latent_scale has unit variance on the training scenes

    # what the training engine and the samplers read of a model's config
    @property
    def prediction(self) -> str:
        return self.unet.prediction

    @property
    def schedule(self) -> str:
        return self.unet.schedule

    @property
    def T(self) -> int:  # the diffusion's step count, named as everywhere else
        return self.unet.T

    @property
    def num_classes(self) -> int:  # > 0: the engine hands the model its labels (here token ids)
        return self.text.vocab

    @property
    def null_label(self) -> int:  # the empty prompt's token: a dropped caption becomes [EMPTY, PAD, ...]
        return scenes.TOKEN_IDS[scenes.EMPTY]

    @staticmethod
    def from_dict(data: dict) -> T2IConfig:
        unet = UNetConfig.from_dict(data["unet"])
        return T2IConfig(unet, TextConfig(**data["text"]), float(data["latent_scale"]))


class LatentDiffusion(nn.Module):
    """(z_t (B, 4, 12, 12), t (B,), ids (B, L)) -> the UNet's prediction (B, 4, 12, 12), conditioned on the words."""

    def __init__(self, config: T2IConfig) -> None:
        super().__init__()
        self.config = config
        self.text = TextEncoder(config.text)
        self.unet = UNet(config.unet)

    def forward(self, x: torch.Tensor, t: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.unet(x, t, context=self.text(ids.to(x.device)))

    def features(self, x: torch.Tensor, t: torch.Tensor, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """The UNet's intermediate tensors and cross-attention weights (``UNet.features``) for these words."""
        return self.unet.features(x, t, context=self.text(ids.to(x.device)))

    def save(self, folder: str | Path) -> None:
        """Hub format: config.json and model.safetensors (text encoder and UNet together)."""
        from safetensors.torch import save_model

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(asdict(self.config), indent=2) + "\n", encoding="utf-8")
        save_model(self, str(folder / "model.safetensors"))

    @classmethod
    def load(cls, folder: str | Path) -> LatentDiffusion:
        """Strictly, from safetensors only."""
        from safetensors.torch import load_model

        folder = Path(folder)
        model = cls(T2IConfig.from_dict(json.loads((folder / "config.json").read_text(encoding="utf-8"))))
        load_model(model, str(folder / "model.safetensors"), strict=True)
        return model.eval()


def from_config_dict(config: dict) -> LatentDiffusion:
    """A fresh model from a checkpoint's config (``training.load_checkpoint(..., build=from_config_dict)``)."""
    return LatentDiffusion(T2IConfig.from_dict(config))


def latents_of(autoencoder: nn.Module, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """The autoencoder's mean latents of uint8 scenes (N, 3, S, S) -> (N, 4, S/4, S/4), unscaled."""
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            out.append(autoencoder.encode(images[start : start + batch_size].float() / 127.5 - 1.0)[0])
    return torch.cat(out)


def text_guidance(
    model: nn.Module, ids: torch.Tensor, negative: torch.Tensor, scale: float, attention: list | None = None
):
    """A denoiser steered towards the words ``ids`` (B, L) and away from ``negative`` (B, L) (the empty prompt,
    or a negative prompt): output = cond + w (cond - neg), with w = ``scale`` (the convention of
    ``sampling.classifier_free_guidance``: w = 0 is the plain text-conditional model). One batched forward of 2B
    rows per call when w != 0. ``attention``: a list that gets, per call, the conditional rows' cross-attention
    weights ({"attention down 1": (B, heads, H*W, L), ...}, ``UNet.features``)."""

    def run(x: torch.Tensor, t: torch.Tensor, words: torch.Tensor) -> torch.Tensor:
        if attention is None:
            return model(x, t, words)
        feats = model.features(x, t, words)
        attention.append({k: v[: ids.shape[0]] for k, v in feats.items() if k.startswith("attention")})
        return feats["output"]

    def denoise(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if scale == 0:
            return run(x, t, ids)
        cond, neg = run(torch.cat([x, x]), torch.cat([t, t]), torch.cat([ids, negative])).chunk(2)
        return cond + scale * (cond - neg)

    return denoise


def word_maps(weights: dict[str, torch.Tensor], size: int) -> torch.Tensor:
    """Where each word is looked at: the cross-attention weights of the layers at the latent's full resolution
    (``size`` x ``size`` positions), averaged over those layers and the heads -> (B, L, size, size); each
    position's weights over the words sum to 1."""
    full = [w for w in weights.values() if w.shape[2] == size * size]
    mean = torch.stack(full).float().mean(dim=(0, 2))  # (B, H*W, L)
    return mean.transpose(1, 2).reshape(mean.shape[0], mean.shape[2], size, size)


@torch.no_grad()
def word_similarity(model: LatentDiffusion, words: list[str]) -> torch.Tensor:
    """(n, n) cosine similarity of the text encoder's vectors for each word said alone: which words the encoder
    places near each other (e.g. "red" and "红色", learnt only from captions of the same scenes)."""
    vectors = model.text(scenes.encode(words))[0][:, 0]  # (n, dim): each prompt's only token
    unit = torch.nn.functional.normalize(vectors, dim=1)
    return unit @ unit.T


@dataclass
class LatentCaptionStream:
    """Training batches of the latent model: scaled latents of a scene pool, each with its caption in a language
    drawn per row and step (English or Chinese, half each), as token ids. ``batch(i)`` is the same for the same
    (seed, i): a resumed run continues the same stream."""

    latents: torch.Tensor  # (N, 4, 12, 12), already scaled
    captions: list[tuple[str, str]]  # (English, Chinese) per scene
    batch_size: int = 64
    seed: int = 0

    def batch(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng((self.seed, index))
        rows = rng.integers(0, len(self.latents), self.batch_size)
        languages = rng.integers(0, 2, self.batch_size)
        ids = scenes.encode([self.captions[r][lang] for r, lang in zip(rows, languages, strict=True)])
        return self.latents[torch.as_tensor(rows)], ids


def generate_progressive(
    model: LatentDiffusion,
    prompt: str,
    guidance: float,
    steps: int,
    seeds: list[int] | range,
    negative: str = "",
    method: str = "ddim",
    eta: float = 0.0,
    attention: list | None = None,
):
    """The reverse process in latent space for one prompt and every seed at once, yielding ``sampling.Progress``
    after every step (``x`` and ``pred_x0`` are scaled latents: ``decode`` shows them). The prompt and the
    negative prompt are tokenized first (``scenes.PromptError`` names unknown words); the empty prompt samples the
    unconditional model, and guidance is against the negative prompt (by default the empty one). ``attention``:
    gets each step's cross-attention weights (``text_guidance``)."""
    from diffusion.digit_eval import seed_noise
    from diffusion.process import Diffusion

    n, cfg = len(seeds), model.config.unet
    ids, neg = scenes.encode([prompt] * n), scenes.encode([negative] * n)
    x_T = seed_noise(seeds, (cfg.in_channels, cfg.image_size, cfg.image_size))
    gen = torch.Generator().manual_seed(int(seeds[0]) + 1)
    denoise = text_guidance(model, ids, neg, guidance, attention)
    yield from Diffusion.of(model.config).sample_progressive(
        denoise, x_T, steps, method=method, eta=eta, generator=gen, clip=False
    )


def decode(autoencoder: nn.Module, latents: torch.Tensor, scale: float) -> torch.Tensor:
    """Scaled latents (B, 4, s, s) -> images (B, 3, 4s, 4s) in [-1, 1]."""
    with torch.no_grad():
        return autoencoder.decode(latents / scale).clamp(-1, 1)


@torch.no_grad()
def sample(
    model: LatentDiffusion, prompts: list[str], guidance: float, steps: int, seeds: list[int] | range,
    negative: str = "",
) -> torch.Tensor:  # fmt: skip
    """DDIM samples for one prompt per seed, in one batch: scaled latents (B, 4, 12, 12) of ``prompts[i]`` from
    ``seeds[i]``'s noise (the same noise ``generate_progressive`` starts that seed from)."""
    from diffusion.digit_eval import seed_noise
    from diffusion.process import Diffusion

    cfg = model.config.unet
    ids, neg = scenes.encode(list(prompts)), scenes.encode([negative] * len(prompts))
    x_T = seed_noise(seeds, (cfg.in_channels, cfg.image_size, cfg.image_size))
    denoise = text_guidance(model, ids, neg, guidance)
    x = x_T
    for p in Diffusion.of(model.config).sample_progressive(denoise, x_T, steps, method="ddim", clip=False):
        x = p.x  # not clamped: a latent is not an image in [-1, 1]
    return x


@dataclass(frozen=True)
class Bundle:
    """The shipped words-to-pictures model, one folder: ``autoencoder/``, ``model/`` (text encoder + latent UNet)
    and ``judge/`` (the classifier that scores samples), each in Hub format."""

    autoencoder: nn.Module
    model: LatentDiffusion
    judge: nn.Module

    @property
    def scale(self) -> float:
        return self.model.config.latent_scale


def load_bundle(folder: str | Path) -> Bundle:
    """Every part of a bundle folder, strictly (safetensors only), for inference (eval, no gradients)."""
    from diffusion import autoencoder, scene_judge

    folder = Path(folder)
    ae = autoencoder.KLAutoencoder.from_pretrained(str(folder / "autoencoder"))
    model = LatentDiffusion.load(folder / "model")
    judge = scene_judge.load(folder / "judge")
    for part in (ae, model, judge):
        part.eval().requires_grad_(False)
    return Bundle(ae, model, judge)
