"""The forward-process endpoints through gradio_client, with images of every kind and bad inputs."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from tests.refusals import REFUSED
from tests.test_imaging import png_claiming_size

HOPPER = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "grace_hopper.jpg")


def view(client, image=HOPPER, color="grayscale", size=128, schedule="cosine", T=1000, t=250, seed=0):
    return client.predict(handle_file(image), color, size, schedule, T, t, seed, api_name="/forward_view")


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def saved(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def test_view_shows_x_t_with_the_closed_form_numbers(client) -> None:
    image, plot, text = view(client, schedule="seed-cosine", t=999)
    assert Image.open(image).size == (256, 256)  # 128 px, upscaled x2 for display
    assert plot["plot"].startswith("data:image/png;base64,")
    assert "ᾱ_t = 3.1948e-03" in text and "**0.0565** · x₀" in text


def test_view_is_seeded(client) -> None:
    a, b, c = view(client, seed=3)[0], view(client, seed=3)[0], view(client, seed=4)[0]
    assert np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))
    assert not np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(c)))


def test_strip_animation_post_demo_and_schedules(client) -> None:
    gallery = client.predict(
        handle_file(HOPPER), "RGB", 64, "linear", 1000, "0, 500, 999", 0, api_name="/forward_strip"
    )
    assert len(gallery) == 3 and "t = 999" in gallery[2]["caption"]
    gif = client.predict(handle_file(HOPPER), "grayscale", 32, "cosine", 100, 0, api_name="/forward_animation")
    assert Image.open(gif).n_frames == 60
    grid, brightness = client.predict(handle_file(HOPPER), 6, 0.01, 0.5, 0, api_name="/forward_post_demo")
    assert grid["plot"].startswith("data:image/png") and brightness["plot"].startswith("data:image/png")
    _, table = client.predict(1000, api_name="/forward_schedules")
    assert "| seed-cosine | 1.00e-04 | 0.02 | 3.195e-03 | 5.7 % | -5.7 |" in table
    assert "| cosine |" in table and "2.429e-09" in table


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("rgba.png", lambda: saved(Image.new("RGBA", (50, 40), (255, 0, 0, 128)), "PNG")),
        ("cmyk.jpg", lambda: saved(Image.new("CMYK", (50, 40), (0, 80, 80, 0)), "JPEG")),
        ("palette.png", lambda: saved(Image.new("RGB", (50, 40), (0, 200, 0)).convert("P"), "PNG")),
        ("sixteen.png", lambda: saved(Image.fromarray(np.arange(2000, dtype=np.uint16).reshape(40, 50) * 30), "PNG")),
        ("tiny.png", lambda: saved(Image.new("L", (1, 1), 90), "PNG")),
        ("wide.png", lambda: saved(Image.new("L", (4000, 2), 90), "PNG")),
        (
            "float.tiff",
            lambda: saved(Image.fromarray(np.random.default_rng(0).random((40, 50), dtype=np.float32)), "TIFF"),
        ),
    ],
)
def test_odd_images_are_handled(client, tmp_path, name, make) -> None:
    image, _, text = view(client, image=write(tmp_path, name, make()), color="RGB", size=64)
    assert Image.open(image).size == (256, 256) and "t = 250" in text


def test_animated_gif_uses_its_first_frame(client, tmp_path) -> None:
    frames = [Image.new("L", (30, 30), v) for v in (250, 5)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    image = view(client, image=write(tmp_path, "anim.gif", buf.getvalue()), t=0)[0]
    assert np.asarray(Image.open(image)).mean() > 200  # frame 1 is white, frame 2 black


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.png", b"this is a text file, not a PNG", "not an image"),
        ("empty.jpg", b"", "not an image"),
        ("bomb.png", png_claiming_size(20_000, 20_000), "too large"),
        ("truncated.jpg", saved(Image.linear_gradient("L"), "JPEG")[:1500], "damaged or truncated"),
    ],
)
def test_bad_files_give_clear_errors(client, tmp_path, name, data, message) -> None:
    with pytest.raises(REFUSED, match=message):
        view(client, image=write(tmp_path, name, data))
    assert "t = 250" in view(client)[2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t": 999, "T": 10}, "between 0 and T - 1 = 9"),
        ({"T": 1}, "T must be between 2 and 4,000"),
        ({"T": 100_000}, "T must be between 2 and 4,000"),
        ({"t": -1}, "Timestep t must be between 0"),
        ({"t": "late"}, "Timestep t must be a number"),
        ({"schedule": "quadratic"}, "quadratic is not in the list of choices"),
        ({"color": "purple"}, "'purple' .* is not in the list of choices"),
        ({"size": 100}, "100 .* is not in the list of choices"),
        ({"seed": -5}, "Seed must be between 0"),
        ({"seed": 1.5}, "Seed must be a whole number"),
    ],
)
def test_bad_numbers_give_clear_errors(client, kwargs, message) -> None:
    with pytest.raises(REFUSED, match=message):
        view(client, **kwargs)
    assert "t = 250" in view(client)[2]


def test_bad_strip_post_and_missing_image(client) -> None:
    with pytest.raises(REFUSED, match="out of range: \\[5000\\]"):
        client.predict(handle_file(HOPPER), "grayscale", 64, "cosine", 1000, "0, 5000", 0, api_name="/forward_strip")
    with pytest.raises(REFUSED, match="whole numbers separated by commas"):
        client.predict(handle_file(HOPPER), "grayscale", 64, "cosine", 1000, "0, ten", 0, api_name="/forward_strip")
    with pytest.raises(REFUSED, match=r"beta_end must be between 0\.001 and 0\.9"):
        client.predict(handle_file(HOPPER), 6, 0.01, 1.5, 0, api_name="/forward_post_demo")
    with pytest.raises(REFUSED, match="Upload an image first"):
        client.predict(None, "grayscale", 64, "cosine", 1000, 5, 0, api_name="/forward_view")


def test_the_targets_are_the_closed_form_noise_and_v(client) -> None:
    """/forward_targets shows the very ε that /forward_view mixed into x_t, and v = √ᾱ ε − √(1−ᾱ) x₀ (recomputed
    here in float64 from the same seed)."""
    import math

    import torch
    from gradio_client import handle_file
    from PIL import Image

    from diffusion import imaging
    from diffusion.schedules import make_schedule

    path = imaging.sample_image_path()
    eps_png, v_png = client.predict(
        handle_file(path), "grayscale", 64, "cosine", 1000, 400, 3, api_name="/forward_targets"
    )
    eps = torch.randn((1, 1, 64, 64), generator=torch.Generator().manual_seed(3)).double()
    x0 = imaging.load_image(path, size=64).double()[None]
    ab = make_schedule("cosine", 1000).alpha_bars[400]
    v = math.sqrt(ab) * eps - math.sqrt(1 - ab) * x0

    def shown(png) -> torch.Tensor:  # back from the upscaled 8-bit picture to values, x 3
        img = Image.open(png).convert("L")
        img = img.resize((64, 64), Image.Resampling.NEAREST)
        return imaging.pil_to_tensor(img).double()[None] * 3

    for png, exact in ((eps_png, eps), (v_png, v)):
        err = (shown(png) - exact.clamp(-3, 3)).abs()
        assert err.max() < 3 * 2 / 255 + 1e-6  # within one 8-bit step of the ±3 scale
