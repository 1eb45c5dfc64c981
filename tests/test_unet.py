"""The UNet: the post's parameter count, shapes, the shared-norm quirk, Hub-format save/load."""

from __future__ import annotations

import json

import pytest
import torch
from tiny import tiny_config

from diffusion.unet import UNet, UNetConfig, count_parameters, sinusoidal_embedding

TINY = tiny_config()


def test_reference_config_has_the_posts_parameter_count() -> None:
    model = UNet(UNetConfig())
    assert count_parameters(model) == 7_832_097
    assert model.downs[0].norm1 is model.downs[0].norm2  # the post's shared GroupNorm
    untied = UNet(UNetConfig(shared_norm=False))
    # Untying adds one GroupNorm (2 x C parameters) per block: 7 blocks.
    assert count_parameters(untied) - 7_832_097 == 2 * (64 + 128 + 256 + 512 + 256 + 128 + 64)


@pytest.mark.parametrize("cfg", [TINY, UNetConfig(**{**TINY.__dict__, "coord_channels": True, "in_channels": 3})])
def test_output_shape_equals_input_shape(cfg: UNetConfig) -> None:
    model = UNet(cfg)
    x = torch.randn(3, cfg.in_channels, 16, 24)
    assert model(x, torch.tensor([0, 5, 999])).shape == x.shape


def test_sinusoidal_embedding_matches_the_formula() -> None:
    emb = sinusoidal_embedding(torch.tensor([0, 7]), 8)
    freqs = torch.exp(torch.arange(4) * -(torch.log(torch.tensor(10000.0)) / 3))
    expected = torch.cat([(7 * freqs).sin(), (7 * freqs).cos()])
    torch.testing.assert_close(emb[1], expected)
    torch.testing.assert_close(emb[0], torch.tensor([0.0] * 4 + [1.0] * 4))


def test_save_load_round_trip_is_exact(tmp_path) -> None:
    torch.manual_seed(0)
    model = UNet(UNetConfig(**{**TINY.__dict__, "prediction": "x0", "schedule": "cosine", "coord_channels": True}))
    model.save_pretrained(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} >= {"config.json", "model.safetensors", "README.md"}
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["prediction"] == "x0" and config["schedule"] == "cosine" and config["T"] == 1000
    loaded = UNet.from_pretrained(tmp_path, strict=True)
    assert loaded.config == model.config
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), k
    x, t = torch.randn(2, 1, 16, 16), torch.tensor([3, 500])
    assert torch.equal(model(x, t), loaded(x, t))


def test_bad_configs_are_rejected() -> None:
    with pytest.raises(ValueError, match="prediction"):
        UNetConfig(prediction="score")
    with pytest.raises(ValueError, match="divisible by groups"):
        UNetConfig(channels=(10, 20), groups=8)
    with pytest.raises(ValueError, match="Unknown UNet config keys"):
        UNetConfig.from_dict({"channels": [8], "attention": True})


def test_fourier_coordinate_features() -> None:
    from diffusion.unet import coordinate_grid

    grid = coordinate_grid(torch.zeros(2, 1, 5, 9), octaves=2)
    assert grid.shape == (2, 2 + 4 * 2, 5, 9)
    y, x = grid[0, 0], grid[0, 1]
    assert y[0, 0] == -1 and y[-1, 0] == 1 and x[0, -1] == 1
    torch.testing.assert_close(grid[0, 2], torch.sin(torch.pi * y))  # k = 0: sin(pi y), sin(pi x), cos ...
    torch.testing.assert_close(grid[0, 9], torch.cos(2 * torch.pi * x))  # k = 1: sin y, sin x, cos y, cos x
    cfg = UNetConfig(**{**TINY.__dict__, "coord_channels": True, "coord_octaves": 3})
    assert UNet(cfg)(torch.randn(1, 1, 16, 16), torch.tensor([1])).shape == (1, 1, 16, 16)


def test_digits_recipe_network_is_small_conditional_and_fits_in_10_mb() -> None:
    from diffusion.recipes import DIGITS

    model = UNet(DIGITS.model)
    n = count_parameters(model)
    assert 1_000_000 < n < 2_500_000 and n * 4 < 10 * 1024 * 1024  # float32 safetensors under 10 MB
    assert model.label_emb.num_embeddings == 11 and DIGITS.model.null_label == 10
    x = torch.randn(2, 1, 32, 32)
    assert model(x, torch.tensor([3, 900]), torch.tensor([4, 10])).shape == x.shape


def test_labels_change_the_output_and_no_labels_means_the_null_label() -> None:
    cfg = UNetConfig(**{**TINY.__dict__, "num_classes": 3, "residual": True, "shared_norm": False})
    torch.manual_seed(0)
    model = UNet(cfg).eval()
    torch.nn.init.normal_(model.label_emb.weight)
    x, t = torch.randn(2, 1, 16, 16), torch.tensor([10, 10])
    with torch.no_grad():
        a, b = model(x, t, torch.tensor([0, 0])), model(x, t, torch.tensor([1, 1]))
        assert not torch.allclose(a, b)
        torch.testing.assert_close(model(x, t), model(x, t, torch.tensor([3, 3])))
    with pytest.raises(ValueError, match="no label embedding"):
        UNet(TINY)(x, t, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="num_classes"):
        UNetConfig(num_classes=-1)


def test_residual_blocks_add_their_input() -> None:
    from diffusion.unet import Block

    block = Block(8, 8, 4, 4, shared_norm=False, residual=True)
    with torch.no_grad():
        for p in block.conv2.parameters():
            p.zero_()
        block.norm2.weight.zero_()
        block.norm2.bias.fill_(-30.0)  # SiLU(-30) ~ 0: the convolution branch is off
    x = torch.randn(1, 8, 4, 4)
    torch.testing.assert_close(block(x, torch.zeros(1, 4)), x, atol=1e-9, rtol=0)
    assert isinstance(Block(4, 8, 4, 4, False, residual=True).skip, torch.nn.Conv2d)


def test_conditional_model_round_trips_through_hub_format(tmp_path) -> None:
    from diffusion import hub
    from diffusion.recipes import DIGITS_TINY

    model = UNet(DIGITS_TINY.model)
    model.save_pretrained(tmp_path / "m")
    loaded = hub.load_folder(tmp_path / "m")
    assert loaded.config == DIGITS_TINY.model
    for (k, v), (k2, v2) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert k == k2 and torch.equal(v, v2)


def test_features_have_the_shapes_the_config_implies_and_end_in_the_output() -> None:
    from diffusion.recipes import DIGITS

    model = UNet(DIGITS.model).eval()
    x, t, y = torch.randn(2, 1, 32, 32), torch.tensor([10, 900]), torch.tensor([3, 10])
    with torch.no_grad():
        feats = model.features(x, t, y)
        out = model(x, t, y)
    c = DIGITS.model
    expected = {
        "input": (2, 1, 32, 32),
        "time embedding": (2, c.time_emb_dim),
        **{f"down {i + 1}": (2, ch, 32 >> i, 32 >> i) for i, ch in enumerate(c.channels)},
        "bottleneck": (2, c.bottleneck, 32 >> len(c.channels), 32 >> len(c.channels)),
        **{f"up {i + 1}": (2, ch, 32 >> i, 32 >> i) for i, ch in enumerate(c.channels)},
        "output": (2, 1, 32, 32),
    }
    assert {k: tuple(v.shape) for k, v in feats.items()} == expected
    assert list(feats)[:5] == ["input", "time embedding", "down 1", "down 2", "down 3"]
    torch.testing.assert_close(feats["output"], out)
