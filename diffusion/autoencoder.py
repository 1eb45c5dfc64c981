"""The latent space of the words-to-pictures model: a small KL-regularised autoencoder, as in latent diffusion.

The encoder maps a scene (B, 3, 48, 48) to the mean and log-variance of a Gaussian over a latent (B, 4, 12, 12):
16x fewer numbers than pixels (6,912 -> 576 per scene), so the diffusion model that works there costs less per
step. The decoder maps a latent back to pixels. Training minimises the reconstruction error plus a small KL term
towards N(0, I) (Rombach et al. 2022, "KL-reg"): the weight is kept low (``KLConfig.kl_weight``) so the latent
keeps the detail, only regularised enough that nearby latents decode to nearby pictures. The diffusion model is
trained on ``scale * z`` with ``scale`` measured on data so that its latents have unit variance.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class KLConfig:
    """The autoencoder's shape: ``channels`` per resolution (each halves the side), ``latent`` channels."""

    in_channels: int = 3
    channels: tuple[int, ...] = (32, 64, 96)  # 48 -> 24 -> 12: two halvings
    latent: int = 4
    groups: int = 8
    kl_weight: float = 1e-5
    image_size: int = 48

    @property
    def latent_size(self) -> int:
        return self.image_size // 2 ** (len(self.channels) - 1)


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv3x3, twice, plus a (1x1 where the width changes) skip: (B, a, H, W) -> (B, b, H, W)."""

    def __init__(self, a: int, b: int, groups: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(groups, a), nn.SiLU(), nn.Conv2d(a, b, 3, padding=1),
            nn.GroupNorm(groups, b), nn.SiLU(), nn.Conv2d(b, b, 3, padding=1),
        )  # fmt: skip
        self.skip = nn.Identity() if a == b else nn.Conv2d(a, b, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.skip(x)


class KLAutoencoder(nn.Module, PyTorchModelHubMixin, library_name="diffusion-from-first-principles", tags=["vae"]):
    """encode: (B, 3, S, S) in [-1, 1] -> (mean, logvar) each (B, latent, S/4, S/4); decode: latent -> image."""

    def __init__(self, config: KLConfig | dict) -> None:
        super().__init__()
        if isinstance(config, dict):
            config = KLConfig(**{**config, "channels": tuple(config["channels"])})
        self.config = config
        c, g = config.channels, config.groups
        down: list[nn.Module] = [nn.Conv2d(config.in_channels, c[0], 3, padding=1)]
        for i, width in enumerate(c):
            down.append(ResBlock(c[max(i - 1, 0)], width, g))
            if i < len(c) - 1:
                down.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
        down += [nn.GroupNorm(g, c[-1]), nn.SiLU(), nn.Conv2d(c[-1], 2 * config.latent, 3, padding=1)]
        self.encoder = nn.Sequential(*down)
        up: list[nn.Module] = [nn.Conv2d(config.latent, c[-1], 3, padding=1)]
        for i, width in reversed(list(enumerate(c))):
            up.append(ResBlock(c[min(i + 1, len(c) - 1)], width, g))
            if i > 0:
                up += [nn.Upsample(scale_factor=2.0, mode="nearest"), nn.Conv2d(width, width, 3, padding=1)]
        up += [nn.GroupNorm(g, c[0]), nn.SiLU(), nn.Conv2d(c[0], config.in_channels, 3, padding=1)]
        self.decoder = nn.Sequential(*up)

    def _save_pretrained(self, save_directory) -> None:  # config.json from the dataclass, weights as safetensors
        import json
        from pathlib import Path

        from safetensors.torch import save_model

        Path(save_directory).mkdir(parents=True, exist_ok=True)
        (Path(save_directory) / "config.json").write_text(json.dumps(asdict(self.config), indent=2) + "\n")
        save_model(self, str(Path(save_directory) / "model.safetensors"))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, logvar) of q(z | x), each (B, latent, S/4, S/4); logvar clamped to [-30, 20] as in LDM."""
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, latent, s, s) -> (B, 3, 4s, 4s) images (about [-1, 1]; not clamped)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, ...]:
        """(reconstruction from a sampled z, mean, logvar): the reparameterised sample z = mean + sigma * eps."""
        mean, logvar = self.encode(x)
        eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype).to(mean.device)
        return self.decode(mean + torch.exp(0.5 * logvar) * eps), mean, logvar


def kl_to_standard_normal(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, I)) summed over each latent, averaged over the batch: (B, ...) -> scalar.
    Per dimension 0.5 (mean^2 + var - 1 - logvar)."""
    per = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar)
    return per.flatten(1).sum(1).mean()


def loss(model: KLAutoencoder, x: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, ...]:
    """(total, reconstruction, kl): the mean absolute pixel error (L1, sharper than L2 on edges) summed over a
    scene's pixels, plus ``kl_weight`` times the KL, both per scene."""
    recon, mean, logvar = model(x, generator)
    rec = F.l1_loss(recon, x, reduction="none").flatten(1).sum(1).mean()
    kl = kl_to_standard_normal(mean, logvar)
    return rec + model.config.kl_weight * kl, rec, kl


@dataclass
class Run:
    """An autoencoder training run: the model, its optimiser and where it is (what a checkpoint holds)."""

    model: KLAutoencoder
    optimizer: torch.optim.Optimizer
    step: int = 0
    losses: list[float] | None = None


def new_run(config: KLConfig, lr: float = 1e-3, seed: int = 0) -> Run:
    torch.manual_seed(seed)  # the initial weights belong to the run's recipe
    model = KLAutoencoder(config)
    return Run(model, torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0), 0, [])


def train(run: Run, images: torch.Tensor, steps: int, batch_size: int = 64, seed: int = 0, precision: str = "float32"):
    """Train ``run`` up to ``steps`` on uint8 scenes ``images`` (N, 3, S, S), yielding (step, reconstruction L1 per
    pixel, KL per scene) after each step. Batches and the latent noise come from (seed, step): a resumed run
    continues the same stream. ``precision`` "bf16": the forward in bf16 autocast (the loss in float32)."""
    from diffusion.precision import autocast

    model = run.model.train()
    pixels = images[0].numel()
    while run.step < steps:
        gen = torch.Generator().manual_seed(seed * 1_000_003 + run.step)
        index = torch.randint(0, len(images), (batch_size,), generator=gen)
        x = images[index].float() / 127.5 - 1.0
        with autocast(precision, "cpu"):
            total, rec, kl = loss(model, x, gen)
        run.optimizer.zero_grad(set_to_none=True)
        total.float().backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        run.optimizer.step()
        run.step += 1
        rec, kl = float(rec.detach()) / pixels, float(kl.detach())
        run.losses.append(rec)
        yield run.step, rec, kl
    model.eval()


def save_run(run: Run, path) -> None:
    torch.save(
        {"config": asdict(run.model.config), "model": run.model.state_dict(), "optimizer": run.optimizer.state_dict(),
         "step": run.step, "losses": run.losses},
        path,
    )  # fmt: skip


def load_run(path, lr: float | None = None) -> Run:
    """A run saved by ``save_run``; ``lr``: continue at this learning rate (e.g. a lower one to finish), else at
    the saved one."""
    data = torch.load(path, map_location="cpu", weights_only=True)  # our own checkpoint: tensors and plain data
    run = new_run(KLAutoencoder(data["config"]).config)
    run.model.load_state_dict(data["model"])
    run.optimizer.load_state_dict(data["optimizer"])
    for group in run.optimizer.param_groups if lr else ():
        group["lr"] = lr
    run.step, run.losses = data["step"], list(data["losses"])
    return run


@torch.no_grad()
def reconstruction_psnr(model: KLAutoencoder, images: torch.Tensor, batch_size: int = 256) -> float:
    """PSNR (dB, peak-to-peak 2) of decode(mean) against uint8 scenes ``images``: the latent space's fidelity."""
    errors = []
    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size].float() / 127.5 - 1.0
        errors.append(((model.decode(model.encode(x)[0]).clamp(-1, 1) - x) ** 2).flatten(1).mean(1))
    mse = torch.cat(errors).mean().item()
    return 10 * math.log10(4.0 / mse)
