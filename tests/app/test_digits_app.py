"""The digits model's endpoints through gradio_client: a grid of different digits, guidance, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.refusals import REFUSED


def generate(client, label="3", guidance=1.0, steps=4, sampler="DDIM", eta=0.0, seed=0):
    job = client.submit(label, guidance, steps, sampler, eta, seed, api_name="/digits_generate")
    job.result()
    return job.outputs()


def tiles(path) -> np.ndarray:
    """The 16 tiles of a 4 x 4 sheet (32 px tiles enlarged 4x, with 8 px gaps): (16, 32, 32)."""
    a = np.asarray(Image.open(path).convert("L")).astype(int)[::4, ::4]  # back to 1 px per pixel
    return np.stack([a[2 + r * 34 : 34 + r * 34, 2 + c * 34 : 34 + c * 34] for r in range(4) for c in range(4)])


def test_streams_a_grid_of_sixteen_different_samples(client) -> None:
    outputs = generate(client, steps=5)
    assert len(outputs) >= 2
    _x_t, x0, status, _near, numbers, eps = outputs[-1]
    assert Image.open(eps).size == Image.open(x0).size
    assert Image.open(x0).size == (4 * (4 * 34 + 2),) * 2
    samples = tiles(x0)
    flat = samples.reshape(16, -1)
    distinct = {row.tobytes() for row in flat}
    assert len(distinct) == 16  # sixteen seeds, sixteen different images
    assert "DDIM-5" in status and "w = 1" in status
    assert " s in float32 " in status  # the precision the network ran in (the tests' DIFFUSION_PRECISION)
    assert len(numbers["classified_as"]) == 16 and 0 <= numbers["accuracy"] <= 1
    assert min(numbers["nearest_distance"]) > 0.02  # not copies of training examples
    assert outputs[0][3] is None or not isinstance(outputs[0][3], str) or outputs[0][3] == ""  # streamed first


def test_the_same_seed_gives_the_same_grid_and_seed_s_is_tile_0(client) -> None:
    a = tiles(generate(client, seed=7)[-1][1])
    b = tiles(generate(client, seed=7)[-1][1])
    c = tiles(generate(client, seed=8)[-1][1])
    assert np.array_equal(a, b)
    assert np.array_equal(a[1], c[0])  # seeds 7..22 vs 8..23: each seed keeps its digit


def test_unconditional_and_guidance_comparison(client) -> None:
    numbers = generate(client, label="none", steps=4)[-1][4]
    assert "accuracy" not in numbers
    gallery = client.predict("guidance", "7", 1.0, 0, api_name="/digits_compare")
    assert [g["caption"].split(" · ")[0] for g in gallery] == ["w = 0", "w = 1", "w = 3", "w = 7"]
    assert all(g["caption"].endswith("/8 are 7") for g in gallery)


def test_training_examples_and_memorisation(client) -> None:
    image, labels = client.predict(0, api_name="/digits_examples")
    assert Image.open(image).size[0] > 16 * 32
    assert labels.count("/") == 3
    _picture, text = client.predict(api_name="/digits_memorisation")
    d_one = float(text.split("training image ")[1].split(" ")[0])
    d_dig = float(text.split("training digits ")[1].split(" ")[0])
    assert d_one < 0.05 < d_dig  # memorised vs generalised


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("11", 1.0, 4), "11 is not in the list of choices"),
        (("-1", 1.0, 4), "-1 is not in the list of choices"),
        (("3", "nan", 4), "Guidance must be between 0 and 20"),
        (("3", -1.0, 4), "Guidance must be between 0 and 20"),
        (("3", 1e9, 4), "Guidance must be between 0 and 20"),
        (("3", 1.0, 0), "Steps must be between 1 and 1,000"),
        (("3", 1.0, 10**6), "Steps must be between 1 and 1,000"),
    ],
)
def test_bad_inputs_get_a_clear_message_and_the_app_keeps_working(client, args, message) -> None:
    with pytest.raises(REFUSED, match=message):
        client.predict(*args, "DDIM", 0.0, 0, api_name="/digits_generate")
    assert generate(client, steps=1)[-1][4]["classified_as"]


def test_inversion_round_trips_and_regenerates_as_another_digit(client) -> None:
    picture, status, numbers = client.predict(0, 20, "same", 0.0, 1, 0.0, api_name="/digits_invert")
    assert Image.open(picture).size == (4 * (4 * 34 + 2),) * 2  # 4 rows: digit, noise, round trip, re-generated
    assert "DDIM-20 inversion of" in status and len(numbers["round_trip_psnr_db"]) == 4
    assert min(numbers["round_trip_psnr_db"]) > 18  # DDIM-20 round trips of real digits: 20-35 dB
    rows = tiles(picture).reshape(4, 4, 32, 32)  # (digit, column: original, noise, round trip, re-generated)
    assert np.abs(rows[:, 2] - rows[:, 0]).mean() < 12  # the round trip is the digit again (8-bit pixels)
    assert np.abs(rows[:, 1] - rows[:, 0]).mean() > 40  # the noise is not
    _, _, mixed = client.predict(0, 20, "7", 1.0, 1, 0.5, api_name="/digits_invert")
    assert mixed["digits"] == numbers["digits"]
    with pytest.raises(REFUSED, match="Mix must be between 0 and 1"):
        client.predict(0, 20, "7", 1.0, 1, 2.0, api_name="/digits_invert")


def test_inside_the_unet_shows_every_level_with_its_shape(client) -> None:
    plot, text = client.predict(3, 700, api_name="/digits_inside")
    assert plot["plot"].startswith("data:image/png")
    from diffusion.recipes import DIGITS

    c = DIGITS.model
    assert "at t = 700" in text
    for name, shape in (
        ("down 1", (c.channels[0], 32, 32)),
        ("bottleneck", (c.bottleneck, 4, 4)),
        ("time embedding", (c.time_emb_dim,)),
        ("output", (1, 32, 32)),
    ):
        assert f"{name} {shape}" in text
    with pytest.raises(REFUSED, match="Timestep t must be between 0 and 999"):
        client.predict(3, 1000, api_name="/digits_inside")
