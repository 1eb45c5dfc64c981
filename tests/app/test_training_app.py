"""The training endpoints through gradio_client: a short fine-tune streams, stops, resumes, exports, isolates."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from diffusion.unet import UNet
from tests.refusals import REFUSED

SHAPES = Path(__file__).resolve().parents[2] / "examples" / "shapes.png"
# A tiny run: the small network from scratch at 32 x 32 (milliseconds per step on a CPU).
TINY = dict(start="scratch", network="small", prediction="x0", size=32, preset="ours", lr=2e-3, batch=2, ema=0.9)


def start(client, steps=12, preview_every=4, image=SHAPES, **overrides):
    a = {**TINY, **overrides}
    return client.submit(
        handle_file(str(image)),
        a["start"],
        a["network"],
        a["prediction"],
        a["size"],
        a["preset"],
        steps,
        a["lr"],
        a["batch"],
        a["ema"],
        preview_every,
        api_name="/train_start",
    )


def losses(outputs) -> list[float]:
    return [float(m.group(1)) for o in outputs if (m := re.search(r"loss ([0-9.]+) ", o[0]))]


def step_of(status: str) -> tuple[int, int]:
    m = re.search(r"step (\d+) / (\d+)", status)
    return int(m.group(1)), int(m.group(2))


def test_a_short_fine_tune_streams_losses_and_exports_a_hub_model(client, tmp_path) -> None:
    job = start(client, steps=12, preview_every=4)
    job.result()
    outputs = job.outputs()
    assert len(losses(outputs)) >= 3  # a preview every 4 steps ends a chunk: the loss is streamed
    status, plot, ema_img, raw_img, zip_path = outputs[-1]
    assert status.startswith("**Done") and step_of(status) == (12, 12) and "dB" in status
    assert plot["plot"].startswith("data:image/png") and Path(ema_img).is_file() and Path(raw_img).is_file()
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == ["README.md", "config.json", "model.safetensors"]
        zf.extractall(tmp_path)
    model = UNet.from_pretrained(str(tmp_path), strict=True)
    assert model.config.image_size == 32 and model.config.channels == (16, 32, 64)
    assert "12 steps" in (tmp_path / "README.md").read_text()


def test_the_reverse_panel_samples_from_the_fine_tuned_model_in_the_same_session(app_url) -> None:
    client = Client(app_url, verbose=False)
    start(client, steps=4, preview_every=4).result()
    job = client.submit("DDIM", 3, 0.0, 0, "ema", False, api_name="/reverse_generate")
    job.result()
    status, final = job.outputs()[-1][2], job.outputs()[-1][3]
    assert "fine-tuned" in status
    from PIL import Image

    assert Image.open(final).size == (32, 32)
    other = Client(app_url, verbose=False)  # another visitor still gets the bundled model
    job = other.submit("DDIM", 2, 0.0, 0, "ema", False, api_name="/reverse_generate")
    job.result()
    assert "fine-tuned" not in job.outputs()[-1][2] and "bundled" in job.outputs()[-1][2]


def test_stop_keeps_the_partial_model_and_resume_continues(app_url, tmp_path) -> None:
    client = Client(app_url, verbose=False)
    job = start(client, steps=5000, preview_every=1000, network="full", size=64, batch=1)
    deadline = time.time() + 60
    while not losses(job.outputs()) and time.time() < deadline:  # wait until some steps are done
        time.sleep(0.2)
    assert client.predict(api_name="/train_stop").startswith("Stopping")
    job.result()
    status, *_, zip_path = job.outputs()[-1]
    step, total = step_of(status)
    assert status.startswith("**Stopped") and 0 < step < total == 5000
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(tmp_path)
    assert UNet.from_pretrained(str(tmp_path), strict=True).config.image_size == 64
    job = client.submit(3, 1000, api_name="/train_resume")
    job.result()
    assert step_of(job.outputs()[-1][0]) == (step + 3, step + 3)
    assert client.predict(api_name="/train_stop") == "No run is going in this session."


def test_two_sessions_stay_isolated(app_url) -> None:
    a, b = Client(app_url, verbose=False), Client(app_url, verbose=False)
    ja, jb = start(a, steps=6, preview_every=3, size=32), start(b, steps=8, preview_every=4, size=64)
    ja.result(), jb.result()
    assert step_of(ja.outputs()[-1][0]) == (6, 6) and step_of(jb.outputs()[-1][0]) == (8, 8)
    # each session resumes its own run
    ra, rb = a.submit(2, 100, api_name="/train_resume"), b.submit(1, 100, api_name="/train_resume")
    assert step_of(ra.result()[0]) == (8, 8) and step_of(rb.result()[0]) == (9, 9)
    fresh = Client(app_url, verbose=False)
    with pytest.raises(REFUSED, match="Nothing to resume"):
        fresh.predict(2, 100, api_name="/train_resume")


@pytest.mark.parametrize(
    ("overrides", "steps", "message"),
    [
        ({}, 0, "Steps must be between 1 and 5,000"),  # messages are regular expressions
        ({}, 10**6, "Steps must be between 1 and 5,000"),
        ({"lr": "nan"}, 5, "Learning rate must be between 1e-06 and 0.1"),
        ({"lr": 5.0}, 5, "Learning rate must be between 1e-06 and 0.1"),
        ({"ema": 1.0}, 5, "EMA decay must be between"),
        ({"batch": 0}, 5, "Batch size must be between 1 and 16"),
        ({"size": 100}, 5, "100 .*not in the list of choices: \\[32, 64, 128\\]"),
        ({"prediction": "noise"}, 5, "noise.*not in the list of choices"),
        ({"network": "huge"}, 5, "huge.*not in the list of choices"),
        ({"start": "checkpoint"}, 5, "checkpoint.*not in the list of choices"),
        ({"preset": "adam"}, 5, "adam.*not in the list of choices"),
        # one step of batch 16 at 128 px would hold a shared CPU for ~10 s: refused, saying what to do instead
        ({"size": 128, "batch": 16}, 5, "at most batch 2 at 128 px .*GPU.*python -m diffusion train"),
    ],
)
def test_bad_values_get_a_clear_message(client, overrides, steps, message) -> None:
    with pytest.raises(REFUSED, match=message):
        start(client, steps=steps, **overrides).result()


def test_a_non_image_gets_a_clear_message(client, tmp_path) -> None:
    fake = tmp_path / "photo.png"
    fake.write_bytes(b"this is not an image")
    with pytest.raises(REFUSED, match="not an image that can be read"):
        start(client, image=fake).result()


def test_push_without_network_says_so_and_never_echoes_the_token(client, monkeypatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # the app runs in this process: no Hub
    token = "hf_secret_token_123456"
    with pytest.raises(REFUSED) as exc:
        Client.predict(client, "me/model", token, True, api_name="/train_push")
    assert token not in str(exc.value)
    start(client, steps=2, preview_every=2).result()
    for repo, tok, expected in [
        ("not a repo", token, "is not a Hub repo id"),
        ("me/model", "", "needs a Hugging Face token"),
        ("me/model", token, "cannot be reached"),
    ]:
        with pytest.raises(REFUSED, match=expected) as exc:
            client.predict(repo, tok, True, api_name="/train_push")
        assert token not in str(exc.value)


def test_the_zerogpu_decorator_path_off_spaces() -> None:
    """With `spaces` installed but SPACES_ZERO_GPU unset, @spaces.GPU returns the chunk function itself."""
    import spaces

    from diffusion import finetune
    from panels import training

    assert training.spaces is spaces and not training.ZERO_GPU
    assert training.gpu_train_chunk is finetune.train_chunk
    assert spaces.GPU(duration=training._chunk_duration)(finetune.train_chunk) is finetune.train_chunk
    assert training._chunk_duration(None, None, 10, training.CHUNK_SECONDS) == int(training.CHUNK_SECONDS + 30)


def test_a_new_upload_and_start_during_a_run_waits_and_loses_nothing(app_url, tmp_path) -> None:
    """A second Start in the same session queues behind the running job (one model slot): the first run finishes
    on its own image and size, then the second runs on the new upload."""
    from PIL import Image

    client = Client(app_url, verbose=False)
    first = start(client, steps=40, preview_every=10, size=32)
    deadline = time.time() + 60
    while not losses(first.outputs()) and time.time() < deadline:
        time.sleep(0.1)
    other = tmp_path / "other.png"
    Image.new("L", (80, 80), 30).save(other)
    second = start(client, steps=4, preview_every=4, size=64, image=other)
    first.result(), second.result()
    assert step_of(first.outputs()[-1][0]) == (40, 40) and step_of(second.outputs()[-1][0]) == (4, 4)
    for job, size in ((first, 32), (second, 64)):
        with zipfile.ZipFile(job.outputs()[-1][4]) as zf:
            folder = tmp_path / f"m{size}"
            zf.extractall(folder)
        assert UNet.from_pretrained(str(folder), strict=True).config.image_size == size


def test_a_run_pauses_at_its_budget_and_a_session_stops_at_its_own(app_url, monkeypatch) -> None:
    """5,000 steps at the largest settings would hold the machine for hours: a click trains at most
    RUN_BUDGET_S, a session at most SESSION_BUDGET_S in all, and both say what to do next."""
    from panels import training

    monkeypatch.setattr(training, "RUN_BUDGET_S", 2.0)
    monkeypatch.setattr(training, "SESSION_BUDGET_S", 3.5)
    client = Client(app_url, verbose=False)
    t0 = time.perf_counter()
    job = start(client, steps=5000, preview_every=1000, network="full", size=64, batch=1)
    job.result()
    status = job.outputs()[-1][0]
    assert status.startswith("**Paused at this Space's budget of 2 s of training per click"), status
    assert 0 < step_of(status)[0] < 5000 and time.perf_counter() - t0 < 60
    job = client.submit(5000, 1000, api_name="/train_resume")
    job.result()
    status = job.outputs()[-1][0]
    assert status.startswith("**Stopped: this session has used its 4 s of training"), status
    assert "python -m diffusion train --image" in status
    job = client.submit(5000, 1000, api_name="/train_resume")  # nothing left: stops at once, says so again
    job.result()
    assert job.outputs()[-1][0].startswith("**Stopped: this session has used")


def test_the_oldest_idle_run_is_dropped_beyond_the_cap_and_its_session_is_told(app_url, monkeypatch) -> None:
    from panels import training

    monkeypatch.setattr(training, "MAX_LIVE_RUNS", 1)
    first, second = (Client(app_url, verbose=False) for _ in range(2))
    start(first, steps=3, preview_every=3).result()
    start(second, steps=3, preview_every=3).result()  # the cap is 1: the first session's run is dropped
    assert training.live_runs() == 1
    with pytest.raises(REFUSED, match="dropped from memory to make room"):
        first.predict(3, 3, api_name="/train_resume")
    job = second.submit(3, 3, api_name="/train_resume")
    job.result()
    assert step_of(job.outputs()[-1][0]) == (6, 6)


def test_the_estimate_names_the_precision_and_where_one_click_pauses(client) -> None:
    """Before Start the page says the machine and precision, and, for a run longer than one click's budget, the
    step where the click will pause (Resume continues)."""
    short = client.predict("scratch", "small", 32, 2, 10, 50, api_name="/train_estimate")
    assert "threads, float32)" in short and "One click reaches" not in short  # the tests' DIFFUSION_PRECISION
    long = client.predict("pretrained", "full", 128, 16, 5000, 50, api_name="/train_estimate")
    reach = int(long.split("One click reaches about step ")[1].split(" ")[0])
    assert 0 < reach < 5000 and "of 5000" in long
