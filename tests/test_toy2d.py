"""The 2-D point-cloud model: reproducible datasets, the forward chain's equilibrium, training, the distance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from diffusion import toy2d, training
from diffusion.schedules import make_schedule


@pytest.mark.parametrize("name", ["spiral", "moons", "smiley", "text"])
def test_datasets_are_reproducible_and_normalised(name) -> None:
    a = toy2d.make_dataset(name, 1000, seed=3, word="Hi")
    b = toy2d.make_dataset(name, 1000, seed=3, word="Hi")
    c = toy2d.make_dataset(name, 1000, seed=4, word="Hi")
    assert a.shape == (1000, 2) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.abs(a).max() == pytest.approx(1.0) and np.allclose(a.mean(0), 0, atol=1e-6)


def test_a_shape_image_gives_points_on_its_ink() -> None:
    image = Image.new("L", (200, 100), 255)
    ImageDraw.Draw(image).rectangle([20, 20, 59, 79], fill=0)  # a dark 40 x 60 box on the left
    pts = toy2d.make_dataset("shape", 2000, image=image)
    span = pts.max(0) - pts.min(0)
    assert span[1] / span[0] == pytest.approx(60 / 40, rel=0.05)  # the box's aspect, whatever the image's
    inverted = Image.eval(image, lambda v: 255 - v)  # light shape on dark: the minority tone is still the box
    assert np.allclose(toy2d.make_dataset("shape", 2000, image=inverted), pts)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "text", "word": ""}, "Type a word"),
        ({"name": "text", "word": "   "}, "Type a word"),
        ({"name": "text", "word": "日本"}, "Only Latin letters"),
        ({"name": "text", "word": "x" * 13}, "at most 12 characters"),
        ({"name": "shape"}, "Upload a black-and-white shape"),
        ({"name": "shape", "image": Image.new("L", (50, 50), 128)}, "blank"),
        ({"name": "spiral", "n": 5}, "between 100 and 20,000"),
        ({"name": "spiral", "n": 10**9}, "between 100 and 20,000"),
        ({"name": "galaxy"}, "Dataset must be one of"),
    ],
)
def test_bad_datasets_say_why(kwargs, message) -> None:
    kwargs = {"n": 500, **kwargs}
    with pytest.raises(ValueError, match=message):
        toy2d.make_dataset(kwargs.pop("name"), **kwargs)


def test_one_letter_is_a_valid_shape() -> None:
    assert toy2d.make_dataset("text", 500, word="A").shape == (500, 2)


def test_the_forward_chain_reaches_the_standard_normal() -> None:
    """After T steps the cloud's mean is 0 and its covariance is I: the OU process forgets the data."""
    data = toy2d.make_dataset("moons", 20_000, seed=0) * 3 + 2  # far from N(0, I) to start with
    cfg = toy2d.ToyConfig()
    x0, mid, xT = toy2d.forward_chain(data, cfg, [0, 100, cfg.T], seed=1)
    np.testing.assert_array_equal(x0, data)
    se = 1 / math.sqrt(len(data))
    assert np.abs(xT.mean(0)).max() < 4 * se
    assert np.abs(np.cov(xT.T) - np.eye(2)).max() < 6 * se * math.sqrt(2)
    # and in between it follows the closed form: mean sqrt(abar) E[x0], variance abar Var[x0] + 1 - abar
    abar = make_schedule(cfg.schedule, cfg.T).alpha_bars[99]
    np.testing.assert_allclose(mid.mean(0), math.sqrt(abar) * data.mean(0), atol=4 * se)
    np.testing.assert_allclose(mid.var(0), abar * data.var(0) + 1 - abar, rtol=0.04)


def test_sliced_wasserstein_is_a_distance_on_known_clouds() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 2))
    assert toy2d.sliced_wasserstein(a, a) == 0
    # a shift by d moves every projection by d cos(angle): the mean of |d cos| over uniform angles is 2 d / pi
    assert toy2d.sliced_wasserstein(a, a + np.array([0.5, 0]), projections=4000) == pytest.approx(1 / math.pi, rel=0.03)


def test_training_brings_samples_close_to_the_data() -> None:
    """A short run (1,500 steps, ~5 s) takes the sliced Wasserstein distance far below that of untrained samples."""
    torch.manual_seed(0)
    data = toy2d.make_dataset("moons", 3000, seed=0)
    state = toy2d.new_toy_state(toy2d.default_train_config(1500))
    untrained = toy2d.sliced_wasserstein(toy2d.sample_points(state.ema.model, 3000, "ddim", 50, seed=1), data)
    for _ in training.train(state, torch.from_numpy(data)):
        pass
    noise = toy2d.sliced_wasserstein(np.random.default_rng(1).standard_normal((3000, 2)), data)
    for method, steps in (("ddim", 50), ("ddpm", 200)):
        trained = toy2d.sliced_wasserstein(toy2d.sample_points(state.ema.model, 3000, method, steps, seed=1), data)
        assert trained < untrained / 4 and trained < noise / 4, (method, trained, untrained, noise)


def test_reverse_paths_start_from_noise_and_ddim_is_deterministic() -> None:
    model = toy2d.ToyMLP()
    a = toy2d.reverse_paths(model, 100, "ddim", 10, seed=2)
    b = toy2d.reverse_paths(model, 100, "ddim", 10, seed=2)
    assert len(a) == 11 and (a[0][0], a[1][0], a[-1][0]) == (1000, 999, 0)  # x_T, then the grid 999 ... 0
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(a, b, strict=True))
    assert np.allclose(a[0][1].std(), 1, atol=0.2)


class ExactGaussianDenoiser(torch.nn.Module):
    """The Bayes-optimal network for data N(mean, std^2 I) under the model's schedule, predicting ``prediction``:
    E[x_0 | x_t] = mean + a std^2 / (a^2 std^2 + s^2) (x_t - a mean), a = sqrt(abar_t), s = sqrt(1 - abar_t),
    written out here independently of ``forward.split_prediction``."""

    def __init__(self, prediction: str, mean=(0.5, -0.25), std: float = 0.3) -> None:
        super().__init__()
        self.config = toy2d.ToyConfig(prediction=prediction)
        self.mean, self.std = torch.tensor(mean, dtype=torch.float64), std
        self.abar = torch.as_tensor(make_schedule("linear", 1000).alpha_bars, dtype=torch.float64)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels=None) -> torch.Tensor:
        abar = self.abar[t.long()][:, None]
        a, s, xd = abar.sqrt(), (1 - abar).sqrt(), x.double()
        x0 = self.mean + a * self.std**2 / (abar * self.std**2 + 1 - abar) * (xd - a * self.mean)
        eps = (xd - a * x0) / s
        out = {"eps": eps, "x0": x0, "v": a * eps - s * x0}[self.config.prediction]
        return out.float()


@pytest.mark.parametrize("sampler", ["euler", "heun"])
def test_every_prediction_target_gives_the_same_ode_samples_as_ddim(sampler) -> None:
    """The ODE samplers (and so the density, trajectories and fields) read an x0- or v-network as the eps it implies:
    with exact denoisers of one Gaussian, every target lands where DDIM and the eps-network land."""
    reference = toy2d.sample_points(ExactGaussianDenoiser("eps"), 400, "ddim", 20, seed=0)
    for prediction in ("eps", "x0", "v"):
        model = ExactGaussianDenoiser(prediction)
        ddim = toy2d.sample_points(model, 400, "ddim", 20, seed=0)
        ode = toy2d.sample_points(model, 400, sampler, 20, seed=0)
        np.testing.assert_allclose(ddim, reference, atol=1e-4)
        np.testing.assert_allclose(ode.mean(0), reference.mean(0), atol=0.02)
        np.testing.assert_allclose(
            ode, toy2d.sample_points(ExactGaussianDenoiser("eps"), 400, sampler, 20, 0), atol=1e-3
        )
        t = 500
        score = toy2d.score_field(model, t, reference[:50])
        abar = float(model.abar[t])
        expected = -(reference[:50] - math.sqrt(abar) * np.array([0.5, -0.25])) / (abar * 0.09 + 1 - abar)
        np.testing.assert_allclose(score, expected, rtol=1e-3, atol=1e-3)
