"""The point-cloud endpoints through gradio_client: forward film, streamed training, reverse, comparison."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from PIL import Image, ImageDraw

from tests.refusals import REFUSED


def test_forward_film_and_statistics(client) -> None:
    video, plot = client.predict("moons", "", None, 1000, 0, api_name="/points_forward")
    assert Path(video).stat().st_size > 10_000 and video.endswith(".mp4")
    assert plot["plot"].startswith("data:image/png")


def test_train_then_reverse_and_compare_in_one_session(app_url) -> None:
    client = Client(app_url, verbose=False)
    job = client.submit("spiral", "", None, 2000, 0, 1500, api_name="/points_train")
    job.result()
    statuses = [o[0] for o in job.outputs()]
    assert statuses[-1].startswith("step 1500 / 1500")
    swd, noise = map(float, re.search(r"data: ([0-9.]+) \(pure noise: ([0-9.]+)\)", statuses[-1]).groups())
    assert swd < noise / 3  # trained samples are far closer to the data than noise
    video, score_plot, status = client.predict("DDIM", 50, 0, api_name="/points_reverse")
    assert video.endswith(".mp4") and score_plot["plot"].startswith("data:image/png")
    assert float(status.rsplit(" ", 1)[1]) < noise / 3
    paths, steps = client.predict(0, api_name="/points_compare")
    assert paths["plot"].startswith("data:image/png") and steps["plot"].startswith("data:image/png")


def test_reverse_before_training_says_so(app_url) -> None:
    with pytest.raises(REFUSED, match="Train the model first"):
        Client(app_url, verbose=False).predict("DDPM", 50, 0, api_name="/points_reverse")


def test_a_shape_upload_and_bad_inputs(client, tmp_path) -> None:
    image = Image.new("RGB", (120, 80), "white")
    ImageDraw.Draw(image).ellipse([20, 10, 100, 70], fill="black")
    image.save(tmp_path / "blob.png")
    video, _ = client.predict("shape", "", handle_file(str(tmp_path / "blob.png")), 500, 0, api_name="/points_forward")
    assert video.endswith(".mp4")
    Image.new("L", (64, 64), 200).save(tmp_path / "blank.png")
    for args, message in [
        (("text", "", None, 500, 0), "Type a word"),
        (("text", "héllo", None, 500, 0), "Only Latin letters"),
        (("shape", "", None, 500, 0), "Upload a black-and-white shape"),
        (("shape", "", handle_file(str(tmp_path / "blank.png")), 500, 0), "blank"),
        (("spiral", "", None, 10**7, 0), "Number of points must be between 100 and 20,000"),
        (("spiral", "", None, 500, -1), "Seed must be between 0 and 1,000"),
    ]:
        with pytest.raises(REFUSED, match=message):
            client.predict(*args, api_name="/points_forward")
    with pytest.raises(REFUSED, match="Training steps must be between 100 and 20,000"):
        client.predict("spiral", "", None, 500, 0, 10**6, api_name="/points_train")
