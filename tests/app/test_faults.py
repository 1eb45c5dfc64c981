"""Faults: the Hub unreachable, corrupt or mismatched weights from the Hub, a training run hitting NaN, a client
closing the stream mid-generation. Each ends in a message, nothing is lost, and the app keeps serving."""

from __future__ import annotations

import json
import zipfile

import httpx
import pytest
import torch

from diffusion import finetune, imaging
from diffusion.unet import UNet, UNetConfig
from tests.hub_server import serve
from tests.refusals import REFUSED

TINY = UNetConfig(channels=(8, 16), bottleneck=16, groups=4, time_emb_dim=8, image_size=16, prediction="x0")


def generate_status(client, steps: int = 2) -> str:
    job = client.submit("DDIM", steps, 0.0, 0, "ema", False, api_name="/reverse_generate")
    job.result()
    return job.outputs()[-1][2]


@pytest.fixture
def hub_endpoint(monkeypatch, tmp_path):
    """Point the in-process app's huggingface_hub at a given endpoint, with an empty cache."""
    from huggingface_hub import constants

    def use(url: str) -> None:
        url = url.rstrip("/")
        monkeypatch.setattr(constants, "ENDPOINT", url)  # both are read at import: patch what is used per call
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", url + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))

    return use


def test_an_unreachable_hub_says_so_and_keeps_the_bundled_model(client, hub_endpoint) -> None:
    hub_endpoint("http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(REFUSED, match=r"cannot be reached.*bundled model is still in use"):
        client.predict("owner/model", "main", api_name="/reverse_load")
    assert "bundled (EMA)" in generate_status(client)


def test_corrupt_and_mismatched_hub_weights_say_so(client, hub_endpoint, tmp_path) -> None:
    torch.manual_seed(0)
    good = tmp_path / "good"
    UNet(TINY).save_pretrained(good)
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "config.json").write_text((good / "config.json").read_text())
    (corrupt / "model.safetensors").write_bytes(b"\x00" * 100)
    mismatched = tmp_path / "mismatched"
    mismatched.mkdir()
    config = json.loads((good / "config.json").read_text())
    (mismatched / "config.json").write_text(json.dumps({**config, "bottleneck": 32}))
    (mismatched / "model.safetensors").write_bytes((good / "model.safetensors").read_bytes())
    server, url = serve(
        {"team/corrupt": {"v1": corrupt}, "team/mismatched": {"v1": mismatched}, "team/good": {"v1": good}}
    )
    try:
        hub_endpoint(url)
        with pytest.raises(REFUSED, match=r"corrupt or not a safetensors file"):
            client.predict("team/corrupt", "v1", api_name="/reverse_load")
        with pytest.raises(REFUSED, match=r"do not fit config\.json"):
            client.predict("team/mismatched", "v1", api_name="/reverse_load")
        assert "bundled (EMA)" in generate_status(client)  # nothing lost
        note = client.predict("team/good", "v1", api_name="/reverse_load")
        assert "Loaded team/good at revision v1" in note
        assert "team/good@v1" in generate_status(client)  # the session now samples from the Hub model
        client.predict("", "main", api_name="/reverse_load")  # back to the bundled model
    finally:
        server.shutdown()


def test_a_nan_during_fine_tuning_stops_with_a_message_and_keeps_the_last_good_weights() -> None:
    import gradio as gr

    from panels import training as panel

    image = imaging.load_image(imaging.sample_image_path(), size=32)
    spec = finetune.RunSpec(start="scratch", network="small", size=32, steps=10, lr=1e-3)
    data = finetune.train_chunk(finetune.new_job(spec), image, 3, 60).job  # 3 good steps
    broken = dict(data, model={k: v.clone() for k, v in data["model"].items()})
    next(iter(broken["model"].values())).fill_(float("nan"))
    job = panel.Job(spec, image, broken)
    outputs = list(panel._run(job, preview_every=5, progress=gr.Progress()))
    status, _, _, _, zip_path, job_out, choice = outputs[-1]
    assert status.startswith("**Stopped: The loss became nan") and "Kept the weights of step 3" in status
    assert job_out.step == 3 and not job_out.running
    with zipfile.ZipFile(zip_path) as zf:
        assert "model.safetensors" in zf.namelist()
    assert choice.name == "fine-tuned (EMA, step 3)"


def test_a_client_closing_the_stream_mid_generation_does_not_hurt_the_app(app_url, client) -> None:
    """Like a browser tab closed during a 1000-step generation: read the first update, hang up, carry on."""
    event = httpx.post(
        f"{app_url}/gradio_api/call/reverse_generate", json={"data": ["DDPM", 1000, 0.0, 0, "ema", False]}
    ).json()["event_id"]
    with httpx.stream("GET", f"{app_url}/gradio_api/call/reverse_generate/{event}", timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and "x_" in line:
                break  # one streamed step arrived: hang up
    assert "DDIM-3" in generate_status(client, steps=3)  # served (after the abandoned run, at worst)
