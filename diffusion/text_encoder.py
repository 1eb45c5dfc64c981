"""Words to vectors, and pictures attending to words: the text encoder and the cross-attention of the
words-to-pictures model.

The text encoder is a small transformer over the scenes' vocabulary of both languages (``scenes.VOCABULARY``),
trained together with the denoiser, as the text encoder of the first latent diffusion models was (Rombach et al.
2022 trained theirs from scratch on their captions). A pretrained encoder would bring nothing a grammar of 42
words needs, and training it with the denoiser makes "red" and "红色" mean whatever makes the picture red: the two
languages meet because their captions of one scene must lead to the same picture.

Cross-attention lets every position of the image's feature map ask the words what to draw there: queries from the
pixels, keys and values from the tokens, padding masked out. Its weights, one distribution over the words per
pixel, are what the panel shows ("where does 'red' look?").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class TextConfig:
    vocab: int = 44  # len(scenes.VOCABULARY)
    dim: int = 64
    layers: int = 2
    heads: int = 4
    max_tokens: int = 24  # scenes.MAX_TOKENS


class TextEncoder(nn.Module):
    """Token ids (B, L) (0 = padding) -> (tokens (B, L, dim), mask (B, L), True where a word is)."""

    def __init__(self, config: TextConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab, config.dim)
        self.position = nn.Parameter(torch.randn(config.max_tokens, config.dim) * 0.02)
        layer = nn.TransformerEncoderLayer(
            config.dim, config.heads, 4 * config.dim, dropout=0.0, batch_first=True, norm_first=True
        )
        self.layers = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.dim)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask = ids != 0
        h = self.embed(ids) + self.position[: ids.shape[1]]
        h = self.layers(h, src_key_padding_mask=~mask)
        return self.norm(h), mask


class CrossAttention(nn.Module):
    """x (B, C, H, W) attends to tokens (B, L, D): x + out(softmax(q k^T / sqrt(d)) v), per head.

    ``weights`` after a call (when ``keep`` is set): (B, heads, H*W, L), each row a distribution over the words."""

    def __init__(self, channels: int, context_dim: int, heads: int, groups: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, channels)
        self.q = nn.Linear(channels, channels, bias=False)
        self.kv = nn.Linear(context_dim, 2 * channels, bias=False)
        self.out = nn.Linear(channels, channels)
        nn.init.zeros_(self.out.weight)  # starts as the identity: the unconditional UNet, words added as it learns
        nn.init.zeros_(self.out.bias)

    def forward(
        self, x: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor, keep: dict | None = None
    ) -> torch.Tensor:
        b, c, h, w = x.shape
        q = self.q(self.norm(x).flatten(2).transpose(1, 2))  # (B, HW, C)
        k, v = self.kv(tokens).chunk(2, dim=-1)  # (B, L, C) each
        split = lambda t: t.reshape(b, -1, self.heads, c // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(q), split(k), split(v)  # (B, heads, n, c / heads)
        logits = q @ k.transpose(-1, -2) / math.sqrt(c // self.heads)  # (B, heads, HW, L)
        logits = logits.masked_fill(~mask[:, None, None, :], float("-inf"))
        weights = F.softmax(logits.float(), dim=-1).to(v.dtype)
        if keep is not None:
            keep["weights"] = weights.detach()
        attended = (weights @ v).transpose(1, 2).reshape(b, h * w, c)
        return x + self.out(attended).transpose(1, 2).reshape(b, c, h, w)
