"""The reverse-process endpoints through gradio_client: streaming, seeds, comparisons, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.refusals import REFUSED


@pytest.fixture(scope="module")
def client(app_url: str):
    """A session of its own: these tests sample the bundled model, which a session that fine-tuned (the shared
    client of the training tests) would have replaced with its own."""
    from gradio_client import Client

    return Client(app_url, verbose=False)


def generate(client, sampler="DDIM", steps=3, eta=0.0, seed=0, weights="ema", post=False):
    job = client.submit(sampler, steps, eta, seed, weights, post, api_name="/reverse_generate")
    job.result()
    return job.outputs()


def pixels(image) -> np.ndarray:
    return np.asarray(Image.open(image)).astype(int)


@pytest.mark.parametrize(("sampler", "steps"), [("DDIM", 3), ("DDPM", 4)])
def test_generates_an_image_and_streams_the_steps(client, sampler, steps) -> None:
    outputs = generate(client, sampler, steps)
    assert len(outputs) >= 2  # at least the first step, streamed, then the final result
    _, _, status, final, _, eps = outputs[-1]
    assert Image.open(eps).size == (128, 128)
    assert Image.open(final).size == (128, 128)
    assert f"{sampler}-{steps}" in status and "dB" in status
    assert " s in float32, " in status  # the precision the network ran in (the tests' DIFFUSION_PRECISION)
    assert outputs[0][3] is None and "xₜ′ =" in outputs[0][2]  # streaming: the update being applied
    gif, plot = client.predict(api_name="/reverse_trajectory")  # this client's session keeps the frames
    assert Image.open(gif).n_frames == steps
    assert plot["plot"].startswith("data:image/png")


def test_the_bundled_model_reproduces_its_image(client) -> None:
    status = generate(client, steps=10)[-1][2]
    assert float(status.split(" · ")[1].split(" dB")[0]) > 40


def test_respects_the_seed(client) -> None:
    a, b, c = (pixels(generate(client, seed=s, eta=1.0)[0][0]) for s in (5, 5, 6))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_raw_weights_and_the_posts_grid(client) -> None:
    assert "bundled (raw)" in generate(client, weights="raw")[-1][2]
    assert "(post grid)" in generate(client, post=True, steps=5)[-1][2]


def test_comparisons(client) -> None:
    gallery = client.predict("eta", 0, "ema", api_name="/reverse_compare")
    assert [g["caption"].split(" · ")[0] for g in gallery] == ["DDIM-20", "DDIM-20 η=0.5", "DDIM-20 η=1"]
    with pytest.raises(REFUSED, match="everything is not in the list of choices"):
        client.predict("everything", 0, "ema", api_name="/reverse_compare")


def test_a_comparison_of_the_shared_model_is_computed_once_and_a_visitors_own_every_time(monkeypatch) -> None:
    from panels import common, models, reverse

    monkeypatch.setitem(reverse.COMPARISONS, "tiny", [("ddim", 1, 0.0, "uniform"), ("ddim", 2, 0.0, "uniform")])
    runs, real_run = [], reverse.run

    def counting(*args, **kwargs):
        runs.append(args[2])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(reverse, "run", counting)
    *_, first = reverse.compare("tiny", 3, "ema", None, progress=common.no_progress)
    assert runs == [1, 2] and [c.split(" · ")[0] for _, c in first] == ["DDIM-1", "DDIM-2"]
    again = list(reverse.compare("tiny", 3, "ema", None, progress=common.no_progress))
    assert runs == [1, 2] and len(again) == 1 and [c for _, c in again[0]] == [c for _, c in first]
    list(reverse.compare("tiny", 4, "ema", None, progress=common.no_progress))  # another seed: computed
    assert runs == [1, 2, 1, 2]
    own = models.ModelChoice(models.startup_models()["ema"].model, "my run", None, "fine-tuned here")
    for _ in range(2):  # a visitor's own model changes with every run: never from memory
        list(reverse.compare("tiny", 3, "ema", own, progress=common.no_progress))
    assert runs == [1, 2, 1, 2, 1, 2, 1, 2]


def test_the_comparisons_of_the_default_seed_are_computed_ahead_and_captioned_in_the_readers_language(
    monkeypatch,
) -> None:
    """app.py computes every comparison of the bundled model at the default seed in the background: a visitor's
    first Compare is then answered from memory, its captions in the visitor's language (the post grid is tagged)."""
    from panels import common, reverse

    tiny = {"a": [("ddim", 1, 0.0, "uniform")], "b": [("ddim", 2, 0.0, "post"), ("ddim", 2, 0.0, "uniform")]}
    monkeypatch.setattr(reverse, "COMPARISONS", tiny)
    monkeypatch.setattr(reverse, "_GALLERIES", common.Remembered(max_size=8))
    runs, real_run = [], reverse.run
    monkeypatch.setattr(reverse, "run", lambda *args, **kw: runs.append(args[1:4]) or real_run(*args, **kw))
    reverse.warm_comparisons()
    assert runs == [("ddim", 1, 0.0), ("ddim", 2, 0.0), ("ddim", 2, 0.0)]
    for lang in ("en", "zh"):
        with common.reading_in(lang):
            answers = list(reverse.compare("b", reverse.DEFAULT_SEED, "ema", None, progress=common.no_progress))
        assert len(answers) == 1 and len(runs) == 3  # all at once, nothing computed
        captions = [c for _, c in answers[0]]
        with common.reading_in(lang):
            post = common.say(reverse.STRINGS, "reverse.post_grid_tag")
        assert captions[0].startswith(f"DDIM-2{post} · ") and captions[1].startswith("DDIM-2 · ")
        assert ("原文" in post) == (lang == "zh")
    list(reverse.compare("a", reverse.DEFAULT_SEED + 1, "ema", None, progress=common.no_progress))
    assert len(runs) == 4  # another seed is computed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "Steps must be between 1 and 1,000"),
        ({"steps": 100_000}, "Steps must be between 1 and 1,000"),
        ({"eta": 1.5}, "eta must be between 0 and 1"),
        ({"eta": "nan"}, "eta must be between 0 and 1"),
        ({"sampler": "Euler"}, "not in the list of choices"),
        ({"weights": "best"}, "not in the list of choices"),
        ({"seed": -1}, "Seed must be between 0"),
    ],
)
def test_bad_inputs_give_clear_errors(client, kwargs, message) -> None:
    with pytest.raises(REFUSED, match=message):
        generate(client, **kwargs)
    assert "DDIM-2" in generate(client, steps=2)[-1][2]


@pytest.mark.parametrize(
    ("repo", "message"),
    [
        ("not a repo", "not a Hub repo id"),
        ("/etc", "not a Hub repo id"),
        ("owner/model", "cannot be reached"),  # no network here: the Hub is unreachable
    ],
)
def test_hub_loading_errors_keep_the_bundled_model(client, repo, message) -> None:
    with pytest.raises(REFUSED, match=message):
        client.predict(repo, "main", api_name="/reverse_load")
    assert "bundled (EMA)" in generate(client, steps=2)[-1][2]


def test_one_step_the_sliders_minimum_works(client) -> None:
    _, _, status, final, _, _ = generate(client, steps=1)[-1]
    assert status.startswith("**DDIM-1 ·") and Image.open(final).size == (128, 128)


def test_inversion_round_trips_the_learned_image_and_not_another(client) -> None:
    """The lesson of /reverse_invert: Grace Hopper comes back from Gaussian-looking noise; an image the model
    never saw gets a 'noise' far from N(0, 1) and comes back as Grace Hopper."""
    from gradio_client import handle_file

    from panels.common import EXAMPLES

    learned = client.predict(handle_file(EXAMPLES[0]), 10, 1, 0.0, "ema", api_name="/reverse_invert")
    strip, status, numbers = learned
    assert Image.open(strip).size == (4 * 128 + 5 * 4, 128 + 2 * 4)
    assert numbers["round_trip_psnr_db"] > 45 and 0.5 < numbers["noise_std"] < 1.5
    assert "DDIM-10 both ways" in status
    _, _, unseen = client.predict(handle_file(EXAMPLES[1]), 10, 1, 0.5, "ema", api_name="/reverse_invert")
    assert unseen["round_trip_psnr_db"] < 15 and unseen["noise_std"] > 10
    assert unseen["edited_psnr_to_training_image_db"] > 40  # even the mixed noise leads back to the one image


def test_the_inversion_lesson_states_the_numbers_the_panel_shows(client) -> None:
    """The lesson text says the learned image's noise has std about 0.8 and another image's is in the tens or
    more, and Grace Hopper comes back at about 51 dB: the default inversion (50 steps, what the reader sees)."""
    from gradio_client import handle_file

    from panels.common import EXAMPLES
    from panels.reverse_strings import STRINGS

    assert "std is about 0.8" in STRINGS["en"]["reverse.inv_why"] and "标准差约 0.8" in STRINGS["zh"]["reverse.inv_why"]
    _, _, learned = client.predict(handle_file(EXAMPLES[0]), 50, 1, 0.0, "ema", api_name="/reverse_invert")
    assert abs(learned["noise_std"] - 0.8) < 0.1 and abs(learned["round_trip_psnr_db"] - 51) < 2
    # another image's "noise": std in the tens or more (the test above, at 10 steps)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, 10, 1, 0.0), "Upload an image"),
        (("@shapes", 1, 1, 0.0), "Inversion steps must be between 2 and 200"),
        (("@shapes", 10, 1, 2.0), "Mix must be between 0 and 1"),
    ],
)
def test_inversion_bad_inputs(client, args, message) -> None:
    from gradio_client import handle_file

    from panels.common import EXAMPLES

    args = tuple(handle_file(EXAMPLES[1]) if a == "@shapes" else a for a in args)
    with pytest.raises(REFUSED, match=message):
        client.predict(*args, "ema", api_name="/reverse_invert")
