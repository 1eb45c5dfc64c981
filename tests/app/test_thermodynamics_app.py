"""The thermodynamics endpoint through gradio_client."""

from __future__ import annotations

import subprocess

import imageio.v3 as iio
import pytest
from PIL import Image

from tests.refusals import REFUSED


def run(
    client,
    scenario="driven",
    particles=500,
    seconds=1,
    left=1.0,
    right=0.2,
    drift=0.8,
    diffusion=10.0,
    seed=0,
    gif=False,
    skip=0,
):
    return client.predict(
        scenario, particles, seconds, left, right, drift, diffusion, seed, gif, skip, api_name="/thermo_run"
    )


def test_driven_run_returns_a_playable_video_plots_and_numbers(client) -> None:
    video, gif, density, entropy, text = run(client, gif=True)
    path = video["video"] if isinstance(video, dict) else video
    meta = iio.immeta(path, plugin="FFMPEG")
    assert meta["codec"] == "h264" and meta["pix_fmt"].startswith("yuv420p") and meta["size"] == (800, 600)
    assert len(list(iio.imiter(path, plugin="FFMPEG"))) == 60  # 1 s at 60 fps
    assert Image.open(gif).n_frames == 20 and Image.open(gif).size == (400, 300)
    assert density["plot"].startswith("data:image/png") and entropy["plot"].startswith("data:image/png")
    assert "500 particles × 60 frames" in text and "Re-injection flux" in text


def test_skipping_ahead_reaches_the_driven_steady_state(client) -> None:
    text = run(client, particles=2000, skip=40)[4]
    flux = float(text.split("Re-injection flux over the last 15 frames: ")[1].split(" particles")[0])
    assert flux > 0.3  # at the steady state ~0.6 particles per frame leave at 95% of the width (2,000 particles)


def test_ink_drop_and_seed(client) -> None:
    a, b, c = (run(client, scenario="ink", seed=s) for s in (3, 3, 4))
    assert "Re-injection" not in a[4] and "Coarse-grained entropy" in a[4]
    # the same seed films the same particles (the density of their last frame), another seed others
    assert a[2]["plot"] == b[2]["plot"] and a[2]["plot"] != c[2]["plot"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"particles": 50_000, "seconds": 20}, "capped at 30,000,000"),
        ({"particles": 10**7}, "Particles must be between 10 and 50,000"),
        ({"particles": 0}, "Particles must be between 10 and 50,000"),
        ({"seconds": 0}, "Duration"),
        ({"seconds": "nan"}, "Duration"),
        ({"left": -1.0}, "LEFT_TEMP must be between"),
        ({"diffusion": "inf"}, "DIFFUSION_BASE must be between"),
        ({"drift": "fast"}, "DRIFT_COEFF must be a number"),
        ({"scenario": "boiling"}, "not in the list of choices"),
        ({"seed": -2}, "Seed must be between 0"),
        ({"skip": 500}, "Skip ahead \\(s\\) must be between 0 and 120"),
        ({"particles": 50_000, "skip": 100}, "skipped frames is capped"),
    ],
)
def test_bad_inputs_give_clear_errors(client, kwargs, message) -> None:
    with pytest.raises(REFUSED, match=message):
        run(client, **kwargs)
    assert "particles" in run(client, particles=20)[4]


def test_the_ink_drop_is_filmed_from_the_moment_it_is_let_go(client) -> None:
    """Skip-ahead is for the driven box: the ink drop starts unmixed whatever the skip field says."""
    entropy = lambda text: text.split("Coarse-grained entropy: ")[1].split(" nats")[0]  # noqa: E731
    with_skip = run(client, scenario="ink", particles=2000, skip=40)[4]
    without = run(client, scenario="ink", particles=2000, skip=0)[4]
    assert entropy(with_skip) == entropy(without)
    start, end = (float(v) for v in entropy(without).split(" → "))
    assert start < end - 0.5  # a concentrated drop, spreading


def test_entropy_titles_say_what_the_curve_shows() -> None:
    import numpy as np

    from panels.thermodynamics_plots import entropy_title

    rising, flat = np.linspace(3.0, 6.0, 50), np.full(50, 6.5)
    assert entropy_title(rising, 7.0, "ink").startswith("Entropy rises towards its maximum")
    assert entropy_title(np.full(50, 7.0), 7.0, "ink").startswith("The drop is mixed")
    assert entropy_title(rising, 7.0, "driven").startswith("Entropy rises; the re-injection flux")
    assert entropy_title(flat, 7.0, "driven") == "Steady state: entropy stays 0.50 below its maximum, held by the flux"


def test_the_streamed_film_is_the_whole_film_in_segments() -> None:
    """The page's button streams the film: segments as they are encoded (the first a tenth of a second), then the
    whole film, the plots and the numbers, as /thermo_run gives them."""
    from panels import thermodynamics
    from panels.common import no_progress
    from panels.components import LiveVideo

    updates = list(thermodynamics.run_streamed("driven", 500, 2, 1.0, 0.2, 0.8, 10.0, 0, False, 0, no_progress))
    segments, (last, mp4, gif, density, entropy, text) = [u[0] for u in updates[:-1]], updates[-1]
    assert last is None and all(s.endswith(".ts") for s in segments) and len(segments) == 3  # 6, 60, 54 frames
    assert len(list(iio.imiter(mp4, plugin="FFMPEG"))) == 120 and gif is None
    # the segments were written on the live video's clock (they stream as they are), the whole film from zero
    assert [LiveVideo._PLACED.pop(s) for s in segments] == [(0.0, 0.1), (0.1, 1.0), (1.1, 0.9)]
    probe = ["ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0", mp4]
    assert float(subprocess.run(probe, capture_output=True, text=True, check=True).stdout) == 0.0
    assert density is not None and entropy is not None and "500 particles × 120 frames" in text
