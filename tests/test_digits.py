"""The rendered digits data set: fonts, determinism, labels, ranges and real variety."""

from __future__ import annotations

import pytest
import torch

from diffusion import digits


def test_every_matplotlib_font_with_digit_glyphs_is_used() -> None:
    names = {p.name for p in digits.digit_fonts()}
    # the families and styles matplotlib ships, and none of its symbol fonts
    for expected in (
        "DejaVuSans.ttf",
        "DejaVuSerif-BoldItalic.ttf",
        "DejaVuSansMono-Oblique.ttf",
        "STIXGeneralBol.ttf",
        "cmr10.ttf",
        "cmtt10.ttf",
        "cmmi10.ttf",
    ):
        assert expected in names
    for symbol in ("cmsy10.ttf", "cmex10.ttf", "LastResortHE-Regular.ttf", "DejaVuSansDisplay.ttf"):
        assert symbol not in names
    assert len(names) >= 20


def test_glyph_atlas_has_ink_for_every_font_digit_and_stroke() -> None:
    atlas = digits.atlas()
    assert atlas.shape[1:3] == (10, len(digits.STROKES))
    ink = atlas.sum(dim=(-1, -2))
    assert (ink > 20).all()  # no empty glyph, not even a thinned hairline
    assert (ink[:, :, -1] > ink[:, :, 1]).all()  # bolder strokes have more ink


def test_batches_are_deterministic_in_the_seed_and_differ_across_seeds() -> None:
    a, la = digits.render_batch(32, seed=5)
    b, lb = digits.render_batch(32, seed=5)
    c, _ = digits.render_batch(32, seed=6)
    assert torch.equal(a, b) and torch.equal(la, lb)
    assert not torch.equal(a, c)
    stream = digits.DigitStream(seed=0, batch_size=16)
    assert torch.equal(stream.batch(3)[0], digits.DigitStream(seed=0, batch_size=16).batch(3)[0])
    assert not torch.equal(stream.batch(3)[0], stream.batch(4)[0])
    assert not torch.equal(stream.batch(0)[0], digits.DigitStream(seed=digits.EVAL_SEED, batch_size=16).batch(0)[0])


def test_images_are_in_range_and_labels_are_balanced() -> None:
    x, y = digits.DigitStream(batch_size=500).take(5000)
    assert x.shape == (5000, 1, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.min() >= -1 and x.max() <= 1
    assert (x[:, :, 0, :] < -0.9).float().mean() > 0.97  # black background at the borders
    counts = torch.bincount(y, minlength=10).float()
    # 5,000 uniform draws: each count ~ Binomial(5000, 0.1), sd 21; 5 sd either side
    assert ((counts - 500).abs() < 106).all()


def test_requested_labels_are_drawn_and_bad_ones_refused() -> None:
    labels = torch.arange(10)
    _, y = digits.render_batch(10, seed=1, labels=labels)
    assert torch.equal(y, labels)
    with pytest.raises(ValueError, match="between 0 and 9"):
        digits.render_batch(2, seed=1, labels=torch.tensor([3, 10]))
    with pytest.raises(ValueError, match="at least one"):
        digits.render_batch(0, seed=1)


def test_augmentation_varies_every_digit() -> None:
    """The same digit comes in many shapes: images of one label differ as much as a few px shifts make."""
    x, _ = digits.render_batch(64, seed=2, labels=torch.full((64,), 7))
    flat = x.reshape(64, -1)
    d = torch.cdist(flat, flat) / 32
    off = d[~torch.eye(64, dtype=torch.bool)]
    assert off.min() > 0.05  # no two identical sevens
    assert off.mean() > 0.3
    ink_rows = (x > 0).any(dim=3).float().sum(dim=(1, 2))  # glyph height in pixels
    assert ink_rows.max() - ink_rows.min() >= 6  # sizes vary


def test_batch_seeds_are_spread() -> None:
    seeds = {digits.batch_seed(s, i) for s in range(4) for i in range(1000)}
    assert len(seeds) == 4000 and all(0 <= s < 2**63 for s in seeds)
