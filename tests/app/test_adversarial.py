"""Bad input through the API, one table: every row must end in a clear message (or a correct result for odd but
valid images), never a traceback or a 500, and the app must serve a good request right after each one.

To add a case, add a row to CASES: (id, endpoint, arguments, expected message regex or None for success).
Arguments may name a file from ``FILES`` as ``"@name"``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from tests.refusals import REFUSED


def _png(image: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", **kw)
    return buf.getvalue()


def _save(image: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _gradient(mode: str = "L", size: tuple[int, int] = (48, 40)) -> Image.Image:
    arr = np.add.outer(np.arange(size[1]), np.arange(size[0])).astype(np.uint8) * 3
    return Image.fromarray(arr, mode="L").convert(mode)


def _animated() -> bytes:
    frames = [_gradient("P"), Image.new("P", (48, 40), 3), Image.new("P", (48, 40), 200)]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


# name -> bytes of a file with that name (the extension is what a browser would send)
FILES: dict[str, Callable[[], bytes]] = {
    "text.png": lambda: b"this is not an image, whatever the extension says",
    "empty.jpg": lambda: b"",
    "html.jpg": lambda: b"<html><script>alert(1)</script></html>",
    "svg.png": lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    "truncated.png": lambda: _png(_gradient("RGB", (256, 256)))[:600],
    "bomb.png": lambda: _png(Image.new("L", (9000, 9000))),  # 81 MP that compress to a few kB
    "one_pixel.png": lambda: _png(Image.new("RGB", (1, 1), (200, 10, 10))),
    "wide.png": lambda: _png(Image.new("L", (6000, 1), 120)),
    "tall.png": lambda: _png(Image.new("L", (1, 6000), 120)),
    "mode_1.png": lambda: _png(_gradient("1")),
    "mode_P.png": lambda: _png(_gradient("P")),
    "mode_LA.png": lambda: _png(_gradient("LA")),
    "mode_RGBA.png": lambda: _png(_gradient("RGBA")),
    "mode_I16.png": lambda: _png(Image.fromarray((np.arange(48 * 40).reshape(40, 48) * 30).astype(np.uint16))),
    "mode_CMYK.jpg": lambda: _save(_gradient("CMYK"), "JPEG"),
    "mode_YCbCr.jpg": lambda: _save(_gradient("YCbCr"), "JPEG"),
    "mode_F.tif": lambda: _save(
        Image.fromarray(np.linspace(-5, 1e6, 48 * 40, dtype=np.float32).reshape(40, 48)), "TIFF"
    ),
    "mode_I.tif": lambda: _save(Image.fromarray(np.arange(48 * 40, dtype=np.int32).reshape(40, 48) - 900), "TIFF"),
    "nan_F.tif": lambda: _save(Image.fromarray(np.full((40, 48), np.nan, dtype=np.float32)), "TIFF"),
    "animated.gif": _animated,
    "webp.webp": lambda: _save(_gradient("RGB"), "WEBP"),
}

IMG = ("grayscale", 32, "cosine", 100, 50, 0)  # forward_view's arguments after the image
GOOD_TABLE = {"headers": ["→ Sunny", "→ Rainy"], "data": [[0.9, 0.1], [0.5, 0.5]]}


def table(rows) -> dict:
    return {"headers": ["→ Sunny", "→ Rainy"], "data": rows}


CASES: list[tuple[str, str, tuple, str | None]] = [
    # --- files that are not (usable) images
    ("text-as-png", "/forward_view", ("@text.png", *IMG), "not an image that can be read"),
    ("empty-file", "/forward_view", ("@empty.jpg", *IMG), "not an image that can be read"),
    ("html-as-jpg", "/forward_view", ("@html.jpg", *IMG), "not an image that can be read"),
    ("svg-as-png", "/forward_view", ("@svg.png", *IMG), "not an image that can be read"),
    ("truncated-png", "/forward_view", ("@truncated.png", *IMG), "damaged or truncated"),
    ("decompression-bomb", "/forward_view", ("@bomb.png", *IMG), "too large: 9000 x 9000"),
    (
        "bomb-to-training",
        "/train_start",
        ("@bomb.png", "scratch", "small", "x0", 32, "ours", 2, 1e-3, 2, 0.9, 1),
        "too large",
    ),
    ("bomb-as-shape", "/points_forward", ("shape", "", "@bomb.png", 500, 0), "too large"),
    ("no-image", "/forward_view", (None, *IMG), "Upload an image first"),
    (
        "no-image-training",
        "/train_start",
        (None, "scratch", "small", "x0", 32, "ours", 2, 1e-3, 2, 0.9, 1),
        "Upload an image first",
    ),
    # --- odd but valid images: a correct result
    ("1x1", "/forward_view", ("@one_pixel.png", *IMG), None),
    ("very-wide", "/forward_view", ("@wide.png", *IMG), None),
    ("very-tall", "/forward_post_demo", ("@tall.png", 10, 1e-3, 0.02, 0), None),
    ("mode-1", "/forward_view", ("@mode_1.png", *IMG), None),
    ("mode-P", "/forward_view", ("@mode_P.png", *IMG), None),
    ("mode-LA", "/forward_view", ("@mode_LA.png", *IMG), None),
    ("mode-RGBA", "/forward_view", ("@mode_RGBA.png", "RGB", *IMG[1:]), None),
    ("16-bit", "/forward_view", ("@mode_I16.png", *IMG), None),
    ("CMYK", "/forward_view", ("@mode_CMYK.jpg", "RGB", *IMG[1:]), None),
    ("YCbCr", "/forward_view", ("@mode_YCbCr.jpg", *IMG), None),
    ("float32", "/forward_view", ("@mode_F.tif", *IMG), None),
    ("int32", "/forward_view", ("@mode_I.tif", *IMG), None),
    ("all-NaN-float", "/forward_view", ("@nan_F.tif", *IMG), None),
    ("animated-gif", "/forward_animation", ("@animated.gif", "grayscale", 32, "cosine", 50, 0), None),
    ("webp", "/forward_strip", ("@webp.webp", "grayscale", 32, "cosine", 100, "0, 50, 99", 0), None),
    ("1x1-shape", "/points_forward", ("shape", "", "@one_pixel.png", 500, 0), "blank"),
    # --- numbers: NaN, inf, negative, huge, wrong type, empty
    ("T-nan", "/forward_view", ("@mode_P.png", "grayscale", 32, "cosine", "nan", 5, 0), "T must be between"),
    ("T-inf", "/forward_view", ("@mode_P.png", "grayscale", 32, "cosine", "inf", 5, 0), "T must be between"),
    ("T-negative", "/forward_view", ("@mode_P.png", "grayscale", 32, "cosine", -10, 5, 0), "T must be between"),
    ("T-huge", "/forward_schedules", (1e12,), "T must be between"),
    ("T-fraction", "/forward_schedules", (10.5,), "T must be a whole number"),
    ("T-text", "/forward_schedules", ("abc",), "T must be a number"),
    ("T-empty", "/forward_schedules", (None,), "T must be a number"),
    ("seed-negative", "/markov_gaussian", (0.1, "x0 = 3", 10, -1), "Seed must be between 0 and"),
    ("seed-huge", "/reverse_generate", ("DDIM", 5, 0.0, 2**40, "ema", False), "Seed must be between 0 and"),
    ("steps-zero", "/reverse_generate", ("DDIM", 0, 0.0, 0, "ema", False), "Steps must be between 1 and 1,000"),
    ("steps-absurd", "/reverse_generate", ("DDPM", 10**9, 0.0, 0, "ema", False), "Steps must be between 1 and 1,000"),
    ("eta-out-of-range", "/reverse_generate", ("DDIM", 5, 7.0, 0, "ema", False), "eta must be between 0 and 1"),
    ("sampler-unknown", "/reverse_generate", ("Euler", 5, 0.0, 0, "ema", False), "not in the list of choices"),
    ("weights-unknown", "/reverse_compare", ("steps", 0, "../weights"), "not in the list of choices"),
    ("markov-nan", "/markov_simulate", (table([["nan", 0.5], [0.5, 0.5]]), "Sunny", 10, 10, 0), "is NaN"),
    (
        "markov-negative",
        "/markov_simulate",
        (table([[-0.5, 1.5], [0.5, 0.5]]), "Sunny", 10, 10, 0),
        "contains a negative",
    ),
    ("markov-rows", "/markov_simulate", (table([[0.2, 0.2], [0.5, 0.5]]), "Sunny", 10, 10, 0), "sums to 0.4"),
    ("markov-huge", "/markov_simulate", (GOOD_TABLE, "Sunny", 10**12, 10, 0), "between"),
    ("markov-garbage", "/markov_simulate", ({"headers": [], "data": []}, "Sunny", 10, 10, 0), "table|matrix|rows"),
    ("particles-huge", "/thermo_run", ("driven", 1e9, 1, 1.0, 0.2, 0.8, 10, 0, False, 0), "between"),
    ("seconds-negative", "/thermo_run", ("driven", 100, -5, 1.0, 0.2, 0.8, 10, 0, False, 0), "between"),
    (
        "timesteps-garbage",
        "/forward_strip",
        ("@mode_P.png", "grayscale", 32, "cosine", 100, "1, two, 3", 0),
        "Timesteps must be whole numbers",
    ),
    (
        "lr-absurd",
        "/train_start",
        ("@mode_P.png", "scratch", "small", "x0", 32, "ours", 2, 1e9, 2, 0.9, 1),
        "Learning rate must be between",
    ),
    (
        "train-steps-zero",
        "/train_start",
        ("@mode_P.png", "scratch", "small", "x0", 32, "ours", 0, 1e-3, 2, 0.9, 1),
        "Steps must be between",
    ),
    ("resume-absurd", "/train_resume", (10**9, 10), "Steps must be between"),
    ("points-one", "/points_forward", ("moons", "", None, 1, 0), "Number of points must be between"),
    ("points-emoji", "/points_forward", ("text", "hi 🙂", None, 500, 0), "Only Latin letters"),
    ("points-empty-word", "/points_train", ("text", "", None, 500, 0, 100), "Type a word"),
    # --- Hub ids and tokens
    ("repo-traversal", "/reverse_load", ("../../etc/passwd", "main"), "is not a Hub repo id"),
    ("repo-url", "/reverse_load", ("https://evil.example/x", "main"), "is not a Hub repo id"),
    ("revision-injection", "/reverse_load", ("owner/name", "main; rm -rf /"), "not a valid revision"),
    ("push-bad-repo", "/train_push", ("not a repo", "hf_x", True), "Train a model first|is not a Hub repo id"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("adversarial")
    out = {}
    for name, make in FILES.items():
        (folder / name).write_bytes(make())
        out[name] = str(folder / name)
    return out


def _args(args: tuple, files: dict[str, str]) -> list:
    return [handle_file(files[a[1:]]) if isinstance(a, str) and a.startswith("@") else a for a in args]


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 30 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("case", "endpoint", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_message(client, files, case, endpoint, args, expected) -> None:
    if expected is None:
        result = client.predict(*_args(args, files), api_name=endpoint)
        assert result is not None
    else:
        with pytest.raises(REFUSED, match=expected) as exc:
            client.predict(*_args(args, files), api_name=endpoint)
        message = str(exc.value)
        assert "Traceback" not in message and 'File "' not in message
    # and the app still serves a good request
    figure, table = client.predict(100, api_name="/forward_schedules")
    assert figure["plot"].startswith("data:image/png") and all(name in table for name in ("linear", "cosine"))


def test_files_written_by_the_fixture_are_what_they_claim(files) -> None:
    assert Image.open(files["mode_I16.png"]).mode in ("I;16", "I")
    assert Image.open(files["mode_F.tif"]).mode == "F" and Image.open(files["mode_CMYK.jpg"]).mode == "CMYK"
    assert Image.open(files["animated.gif"]).n_frames >= 2
    assert Path(files["bomb.png"]).stat().st_size < 200_000
