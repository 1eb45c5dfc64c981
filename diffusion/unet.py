"""The source post's UNet, configurable, with Hub-format save/load (config.json + model.safetensors).

Reference configuration (``UNetConfig()``): a sinusoidal time embedding of size 32 through Linear + SiLU;
blocks of two 3x3 convolutions with GroupNorm(8) and SiLU and a per-block projection of the time
embedding; channels 64 -> 128 -> 256 -> bottleneck 512 with max-pool down, nearest up and skip
connections; a 1x1 output convolution. 7,832,097 parameters, with the post's quirk of one GroupNorm
shared by both convolutions of a block (``shared_norm=True``).

Note: no ``from __future__ import annotations`` here: ``PyTorchModelHubMixin`` reads the annotation of
``config`` at runtime to rebuild the dataclass from config.json.
"""

import itertools
import math
import os
from dataclasses import dataclass, fields
from typing import Any

import torch
from huggingface_hub import PyTorchModelHubMixin, hf_hub_download
from torch import nn
from torch.nn import functional as F

from diffusion.precision import autocast
from diffusion.text_encoder import CrossAttention

Context = tuple[torch.Tensor, torch.Tensor]  # (tokens (B, L, D), mask (B, L)) of a text encoder

PREDICTIONS = ("eps", "x0", "v")


@dataclass(frozen=True)
class UNetConfig:
    """Architecture, plus the diffusion settings the weights were trained with (they travel together)."""

    in_channels: int = 1  # image channels (1 = grayscale, as in the post)
    channels: tuple[int, ...] = (64, 128, 256)  # per resolution level; each level halves H and W
    bottleneck: int = 512  # channels at the lowest resolution
    time_emb_dim: int = 32  # size of the sinusoidal time embedding
    groups: int = 8  # GroupNorm groups
    shared_norm: bool = True  # the post's quirk: one GroupNorm for both convs of a block
    coord_channels: bool = False  # append (y, x) in [-1, 1] as two input channels: tells a pixel where it is
    coord_octaves: int = 0  # with coord_channels: also sin/cos(2^k pi y), sin/cos(2^k pi x), k < coord_octaves
    image_size: int = 128  # the training resolution (the network itself is fully convolutional)
    schedule: str = "seed-cosine"  # beta schedule name (diffusion.schedules)
    T: int = 1000  # number of diffusion steps
    prediction: str = "eps"  # what the network outputs: "eps" (noise), "x0" (clean image) or "v"
    num_classes: int = 0  # > 0: class-conditional, with a label embedding of num_classes + 1 rows (last = no label)
    residual: bool = False  # add each block's input (1x1-projected when the width changes) to its output
    context_dim: int = 0  # > 0: text-conditional, cross-attention to tokens of this width after every block
    attention_heads: int = 4

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        if self.prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {PREDICTIONS}, got {self.prediction!r}.")
        if any(c % self.groups for c in (*self.channels, self.bottleneck)):
            raise ValueError(f"Every channel count must be divisible by groups={self.groups}.")
        if self.image_size % 2 ** len(self.channels):
            raise ValueError(f"image_size must be divisible by {2 ** len(self.channels)}.")
        if self.num_classes < 0:
            raise ValueError(f"num_classes must be 0 (unconditional) or more, got {self.num_classes}.")

    @property
    def null_label(self) -> int:
        """The label row that means "no label" (classifier-free guidance's unconditional branch)."""
        return self.num_classes

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UNetConfig":
        """Build from a config.json dict, rejecting unknown keys with a clear message."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Unknown UNet config keys: {sorted(unknown)}.")
        return cls(**data)


def sinusoidal_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Transformer-style embedding of timesteps, as in the post: (B,) -> (B, dim) = [sin | cos]."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, device=t.device, dtype=torch.float32) * (-math.log(10000.0) / (half - 1)))
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class Block(nn.Module):
    """conv3x3 -> norm -> (+ time) -> SiLU -> conv3x3 -> norm -> SiLU, (B, C_in, H, W) -> (B, C_out, H, W)."""

    def __init__(
        self, c_in: int, c_out: int, time_dim: int, groups: int, shared_norm: bool, residual: bool = False
    ) -> None:
        super().__init__()
        self.time_mlp = nn.Linear(time_dim, c_out)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.norm1 = nn.GroupNorm(groups, c_out)
        # The post uses one GroupNorm (one set of affine parameters) after both convolutions.
        self.norm2 = self.norm1 if shared_norm else nn.GroupNorm(groups, c_out)
        # Residual variant (not in the post): output = block(x) + skip(x), which trains deeper nets faster.
        self.skip = None if not residual else (nn.Identity() if c_in == c_out else nn.Conv2d(c_in, c_out, 1))

    def forward(self, x: torch.Tensor, t_emb: torch.Tensor) -> torch.Tensor:
        h = self.norm1(self.conv1(x)) + self.time_mlp(t_emb)[:, :, None, None]
        h = F.silu(h)
        h = F.silu(self.norm2(self.conv2(h)))
        return h if self.skip is None else h + self.skip(x)


class UNet(nn.Module, PyTorchModelHubMixin, library_name="diffusion-from-first-principles", tags=["diffusion"]):
    """Maps (x_t, t[, labels]) to the prediction named in ``config.prediction``.

    Shapes: x_t (B, C, H, W), t (B,) int, labels (B,) int in 0..num_classes (num_classes = no label) -> (B, C, H, W).
    H and W must be divisible by 2 ** len(config.channels). A class-conditional model (``num_classes > 0``) adds a
    learned label embedding to the time embedding; called without labels it is the unconditional model.
    """

    def __init__(self, config: UNetConfig) -> None:
        super().__init__()
        if isinstance(config, dict):
            config = UNetConfig.from_dict(config)
        self.config = config
        c, tdim = config, config.time_emb_dim
        self.time_mlp = nn.Sequential(nn.Linear(tdim, tdim), nn.SiLU())
        self.label_emb = nn.Embedding(c.num_classes + 1, tdim) if c.num_classes else None
        c_in = c.in_channels + (2 + 4 * c.coord_octaves if c.coord_channels else 0)

        def block(a: int, b: int) -> Block:
            return Block(a, b, tdim, c.groups, c.shared_norm, c.residual)

        widths = [c_in, *c.channels]
        self.downs = nn.ModuleList(block(a, b) for a, b in itertools.pairwise(widths))
        self.bottleneck = block(c.channels[-1], c.bottleneck)
        ups_in = [c.bottleneck, *reversed(c.channels[1:])]
        self.ups = nn.ModuleList(block(a + s, s) for a, s in zip(ups_in, reversed(c.channels), strict=True))
        self.final_conv = nn.Conv2d(c.channels[0], c.in_channels, 1)
        self.attention = None
        if c.context_dim:  # one cross-attention after each block: the downs, the bottleneck, the ups
            widths_out = [*c.channels, c.bottleneck, *reversed(c.channels)]
            self.attention = nn.ModuleList(
                CrossAttention(w, c.context_dim, c.attention_heads, c.groups) for w in widths_out
            )

    # "bf16": the forward runs in bf16 autocast on channels-last activations and returns float32
    # (``diffusion.precision.use`` sets it; the weights, and everything around the forward, stay float32)
    precision: str = "float32"

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None, context: Context | None = None
    ) -> torch.Tensor:
        """``context``: (tokens (B, L, context_dim), mask (B, L)) of a text-conditional model."""
        if self.precision != "bf16":
            return self._run(x, t, labels, None, context)
        with autocast("bf16", x.device.type):
            out = self._run(x.contiguous(memory_format=torch.channels_last), t, labels, None, context)
        return out.float()

    def features(
        self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None, context: Context | None = None
    ) -> dict[str, torch.Tensor]:
        """Every intermediate tensor of one forward pass, in order, by name: "input" (with any coordinate
        channels), "time embedding" (B, time_emb_dim; plus the label's), "down 1".."down n" (each level's block
        output, the skip connection it hands to the way up), "bottleneck", "up n".."up 1", "output"; a
        text-conditional model's cross-attention weights after each block too, "attention down 1" ..
        "attention up 1", each (B, heads, H*W, L)."""
        record: dict[str, torch.Tensor] = {}
        self._run(x, t, labels, record, context)
        return record

    def _run(self, x, t, labels, record: dict[str, torch.Tensor] | None, context: Context | None = None):
        keep = record.__setitem__ if record is not None else (lambda name, value: None)
        attend = self._attender(context, keep)
        t_emb = self.time_mlp(sinusoidal_embedding(t, self.config.time_emb_dim))
        if self.label_emb is not None:
            if labels is None:
                labels = torch.full_like(t, self.config.null_label, dtype=torch.long)
            t_emb = t_emb + self.label_emb(labels.long())
        elif labels is not None:
            raise ValueError("This model has no label embedding (it is unconditional): call it without labels.")
        if self.config.coord_channels:
            x = torch.cat([x, coordinate_grid(x, self.config.coord_octaves)], dim=1)
        keep("input", x)
        keep("time embedding", t_emb)
        skips = []
        for i, down in enumerate(self.downs):
            x = attend(down(x if i == 0 else F.max_pool2d(x, 2), t_emb), f"down {i + 1}")
            skips.append(x)
            keep(f"down {i + 1}", x)
        x = attend(self.bottleneck(F.max_pool2d(x, 2), t_emb), "bottleneck")
        keep("bottleneck", x)
        for i, up in enumerate(self.ups):
            x = up(torch.cat([F.interpolate(x, scale_factor=2.0, mode="nearest"), skips.pop()], dim=1), t_emb)
            x = attend(x, f"up {len(self.ups) - i}")
            keep(f"up {len(self.ups) - i}", x)
        out = self.final_conv(x)
        keep("output", out)
        return out

    def _attender(self, context: Context | None, keep):
        """x, name -> x after the next cross-attention (recording its weights), or x itself without text."""
        if self.attention is None:
            if context is not None:
                raise ValueError("This model has no cross-attention (context_dim is 0): call it without a context.")
            return lambda x, name: x
        if context is None:
            raise ValueError("This text-conditional model needs a context: (tokens, mask) from its text encoder.")
        layers, record = iter(self.attention), {}

        def attend(x: torch.Tensor, name: str) -> torch.Tensor:
            x = next(layers)(x, *context, keep=record)
            keep(f"attention {name}", record["weights"])
            return x

        return attend

    @classmethod
    def _from_pretrained(  # type: ignore[override]
        cls,
        *,
        model_id: str,
        revision: str | None,
        cache_dir,
        force_download: bool,
        local_files_only: bool,
        token,
        map_location: str = "cpu",
        strict: bool = True,
        **model_kwargs,
    ) -> "UNet":
        """Load safetensors only (the mixin would fall back to a pickle file; we never do)."""
        from safetensors.torch import load_model

        model = cls(**model_kwargs)
        if os.path.isdir(model_id):
            model_file = os.path.join(model_id, "model.safetensors")
        else:
            model_file = hf_hub_download(
                repo_id=model_id,
                filename="model.safetensors",
                revision=revision,
                cache_dir=cache_dir,
                force_download=force_download,
                token=token,
                local_files_only=local_files_only,
            )
        load_model(model, model_file, strict=strict, device=map_location)
        return model


def coordinate_grid(x: torch.Tensor, octaves: int = 0) -> torch.Tensor:
    """(B, 2 + 4 octaves, H, W): row and column coordinates in [-1, 1], then their Fourier features
    sin/cos(2^k pi y), sin/cos(2^k pi x) for k < octaves (Tancik et al. 2020: coordinate networks learn fine
    detail much faster from such features). Matches x's batch, size, dtype and device."""
    b, _, h, w = x.shape
    ys = torch.linspace(-1.0, 1.0, h, device=x.device, dtype=x.dtype)
    xs = torch.linspace(-1.0, 1.0, w, device=x.device, dtype=x.dtype)
    grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij"))
    feats = [grid]
    for k in range(octaves):
        angle = grid * (math.pi * 2**k)
        feats += [angle.sin(), angle.cos()]
    out = torch.cat(feats)
    return out.expand(b, *out.shape)


def count_parameters(model: nn.Module) -> int:
    """Number of distinct trainable parameters (a shared GroupNorm counts once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
