"""The 2-D lab on the point-cloud model: objectives, samplers, guidance, densities, the mesh, trajectories, and the
drawn or uploaded shapes (every image mode through the same loader as the other panels)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from diffusion import imaging, toy2d, training

FLOW = toy2d.ToyConfig(objective="flow")


def counting(model: toy2d.ToyMLP) -> list[int]:
    """Count the network's forward calls (a hook on the model)."""
    calls: list[int] = []
    model.register_forward_hook(lambda *_: calls.append(1))
    return calls


def test_each_objective_offers_its_samplers_and_says_which() -> None:
    torch.manual_seed(0)
    flow_model, denoise_model = toy2d.ToyMLP(FLOW), toy2d.ToyMLP()
    with pytest.raises(ValueError, match="flow model is sampled with euler, heun, not 'ddim'"):
        toy2d.sample_path(flow_model, 10, "ddim", 5)
    for model in (flow_model, denoise_model):
        for sampler in toy2d.SAMPLERS_OF[model.config.objective]:
            path = toy2d.sample_path(model, 20, sampler, 6, seed=1)
            assert len(path) == 7 and path[0][0] == 1.0 and path[-1][0] == 0.0
            assert all(a[0] > b[0] for a, b in itertools.pairwise(path))  # s decreases
            assert np.array_equal(path[0][1], toy2d.start_noise(20, 1)[0].numpy())  # the same noise for all


def test_euler_on_the_denoising_model_is_ddim_and_heun_is_not() -> None:
    torch.manual_seed(1)
    model = toy2d.ToyMLP()
    ddim = toy2d.sample_points(model, 50, "ddim", 10, seed=2)
    assert np.allclose(toy2d.sample_points(model, 50, "euler", 10, seed=2), ddim, atol=1e-5)
    assert not np.allclose(toy2d.sample_points(model, 50, "heun", 10, seed=2), ddim, atol=1e-3)


@pytest.mark.parametrize("objective", ["denoise", "flow"])
def test_evaluations_are_the_network_calls_of_a_sample(objective: str) -> None:
    model = toy2d.ToyMLP(toy2d.ToyConfig(objective=objective))
    calls = counting(model)
    for sampler in toy2d.SAMPLERS_OF[objective]:
        calls.clear()
        toy2d.sample_points(model, 5, sampler, 7)
        assert len(calls) == toy2d.evaluations(model.config, sampler, 7), sampler


def test_labelled_shapes_are_three_separate_reproducible_classes() -> None:
    pts, labels = toy2d.labelled_shapes(3000, seed=5)
    again, _ = toy2d.labelled_shapes(3000, seed=5)
    assert pts.shape == (3000, 2) and labels.shape == (3000,) and np.array_equal(pts, again)
    counts = np.bincount(labels, minlength=3)
    assert counts.min() > 900
    means = np.stack([pts[labels == c].mean(0) for c in range(3)])
    gaps = [np.linalg.norm(means[i] - means[j]) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 0.6  # three shapes side by side, not on top of each other
    # a labelled sample judged against itself is perfect; with shuffled labels it is chance
    assert toy2d.guidance_scores(pts[:500], labels[:500], pts, labels) == {
        "class_accuracy": 1.0,
        "median_off_shape": 0.0,
    }
    shuffled = toy2d.guidance_scores(pts[:900], np.random.default_rng(0).permutation(labels[:900]), pts, labels)
    assert 0.2 < shuffled["class_accuracy"] < 0.45


def test_labelled_batches_are_deterministic_per_index() -> None:
    pts, labels = toy2d.labelled_shapes(1000)
    stream = toy2d.LabelledPoints(pts, labels, 64, seed=3)
    (a, la), (b, lb), (c, _) = stream.batch(4), stream.batch(4), stream.batch(5)
    assert torch.equal(a, b) and torch.equal(la, lb) and not torch.equal(a, c)
    row = int(((torch.as_tensor(pts)[None] - a[:1, None]) ** 2).sum(-1).argmin())
    assert labels[row] == la[0]  # each point keeps its own label


def test_guidance_is_its_definition_on_the_point_model() -> None:
    torch.manual_seed(2)
    model = toy2d.ToyMLP(toy2d.ToyConfig(objective="flow", num_classes=3))
    x, s, y = torch.randn(8, 2), torch.rand(8), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    cond, uncond = model(x, s, y), model(x, s, torch.full((8,), 3))
    for w in (-1.0, 0.0, 2.5):
        assert torch.allclose(toy2d.denoiser(model, y, w)(x, s), (1 + w) * cond - w * uncond, atol=1e-5)
    assert torch.allclose(toy2d.denoiser(model)(x, s), uncond)  # no labels: the unconditional model


def test_conditional_training_and_guidance_put_samples_in_their_class() -> None:
    pts, labels = toy2d.labelled_shapes(3000)
    config = toy2d.ToyConfig(objective="flow", num_classes=3)
    cfg = toy2d.default_train_config(1200, 0, "flow")
    state = toy2d.new_toy_state(cfg, config)
    for _ in training.train(state, toy2d.LabelledPoints(pts, labels, cfg.batch_size)):
        pass
    asked = torch.arange(3).repeat_interleave(100)
    score = {
        w: toy2d.guidance_scores(
            toy2d.sample_points(state.ema.model, 300, "heun", 10, 1, labels=asked, guidance=w),
            asked.numpy(),
            pts,
            labels,
        )
        for w in (-1.0, 1.0)
    }
    assert score[-1.0]["class_accuracy"] < 0.5 < 0.9 < score[1.0]["class_accuracy"], score


def test_the_density_of_any_flow_is_normalised() -> None:
    """The change of variables gives a probability density whatever the (smooth) velocity field: mass 1 over the
    plane (the denoising model's densities are checked against a closed form in test_flow.py)."""
    torch.manual_seed(3)
    g = np.linspace(-5, 5, 81)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    for s in (0.0, 0.6):
        mass = np.exp(toy2d.density(toy2d.ToyMLP(FLOW), s, grid)).sum() * (g[1] - g[0]) ** 2
        assert mass == pytest.approx(1.0, abs=0.03), s


def test_a_trajectory_passes_through_its_point_from_noise_to_data() -> None:
    torch.manual_seed(4)
    model = toy2d.ToyMLP(FLOW)
    point = np.array([0.4, -0.3])
    path = toy2d.trajectory(model, point, 0.5, steps=40)
    assert path.shape == (41, 2) and np.allclose(path[20], point)
    again = toy2d.sample_path(model, 1, "heun", 40, x_1=path[:1])[-1][1][0]  # from its noise end, down
    assert np.allclose(again, path[-1], atol=1e-3)


def test_the_mesh_starts_as_a_grid_and_moves_with_the_flow() -> None:
    torch.manual_seed(5)
    frames = toy2d.mesh(toy2d.ToyMLP(FLOW), steps=10, lines=5, per_line=7)
    assert len(frames) == 11 and frames[0][1].shape == (10, 7, 2)
    first = frames[0][1]
    assert np.allclose(first[:5, :, 1], first[:5, :1, 1]) and np.allclose(first[5:, :, 0], first[5:, :1, 0])
    assert not np.allclose(frames[-1][1], first)


def box(mode: str) -> Image.Image:
    """A 60 x 40 shape in the top-left corner of a 200 x 100 picture, in the given mode."""
    ink = Image.new("L", (200, 100), 0)
    ImageDraw.Draw(ink).rectangle([10, 10, 69, 49], fill=255)
    a = np.asarray(ink)
    if mode == "LA":  # a drawing on a transparent canvas: white strokes would vanish if composited on white
        return Image.merge("LA", [Image.new("L", ink.size, 255), ink])
    if mode == "PA":
        return Image.merge("RGBA", [Image.new("L", ink.size, 0)] * 3 + [ink]).convert("PA")
    if mode == "P":
        palette = Image.fromarray(np.where(a > 0, 1, 0).astype(np.uint8), "P")
        palette.putpalette([255, 255, 255, 30, 30, 30])
        palette.info["transparency"] = 0
        return palette
    if mode == "I;16":
        return Image.fromarray((65535 - a.astype(np.uint16) * 200).astype("<u2"))  # dark ink on 16-bit white
    if mode == "F":
        return Image.fromarray(np.where(a > 0, -3.5, 7.25).astype(np.float32), "F")
    raise AssertionError(mode)


@pytest.mark.parametrize("mode", ["LA", "PA", "P", "I;16", "F"])
def test_shape_masks_of_every_mode_find_the_drawn_box(mode: str) -> None:
    image = box(mode)
    if mode != "PA":  # PIL writes PA to no common format: that one is checked as decoded
        buffer = io.BytesIO()
        image.save(buffer, "TIFF" if mode == "F" else "PNG")
        image = imaging.open_image(buffer.getvalue())
    mask = imaging.shape_mask(image)
    ys, xs = np.nonzero(mask)
    assert mask.shape == (100, 200) and (xs.min(), xs.max(), ys.min(), ys.max()) == (10, 69, 10, 49), mode


def test_shape_masks_follow_the_exif_rotation() -> None:
    image = box("P").convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    mask = imaging.shape_mask(imaging.open_image(buffer.getvalue()))
    ys, xs = np.nonzero(mask)
    assert mask.shape == (200, 100)  # portrait once rotated
    assert xs.min() > 40 and ys.max() < 80  # the box moved from the top-left to the top-right


def test_a_blank_drawing_says_so() -> None:
    with pytest.raises(ValueError, match="blank"):
        imaging.shape_mask(Image.new("RGBA", (50, 50), (0, 0, 0, 0)))
