"""Loading weights: local folders, the Hub code path against a local stand-in, and every failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from tiny import tiny_config

from diffusion import hub
from diffusion.unet import UNet
from tests.hub_server import serve

ROOT = Path(__file__).resolve().parents[1]
TINY = tiny_config(prediction="x0")


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    torch.manual_seed(0)
    UNet(TINY).save_pretrained(tmp_path / "tiny")
    return tmp_path / "tiny"


def test_local_folder_round_trip(tiny_folder) -> None:
    model = hub.load_folder(tiny_folder)
    assert model.config == TINY and not model.training
    reference = UNet.from_pretrained(tiny_folder, strict=True)
    x, t = torch.randn(1, 1, 16, 16), torch.tensor([10])
    assert torch.equal(model(x, t), reference(x, t))


def test_mismatched_config_and_corrupt_file_give_clear_errors(tiny_folder, tmp_path) -> None:
    config = json.loads((tiny_folder / "config.json").read_text())
    config["bottleneck"] = 32
    (tiny_folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(hub.WeightsError, match=r"do not fit config\.json"):
        hub.load_folder(tiny_folder)
    config["bottleneck"], config["attention"] = 16, True
    (tiny_folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(hub.WeightsError, match="not a valid UNet config"):
        hub.load_folder(tiny_folder)
    del config["attention"]
    (tiny_folder / "config.json").write_text(json.dumps(config))
    (tiny_folder / "model.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(hub.WeightsError, match="corrupt"):
        hub.load_folder(tiny_folder)
    with pytest.raises(hub.WeightsError, match=r"must contain config\.json"):
        hub.load_folder(tmp_path / "nothing")


@pytest.mark.parametrize("repo_id", ["no-slash", "a/b/c", "../etc/passwd", "owner/na me", "", "x" * 200 + "/y"])
def test_malformed_repo_ids_are_rejected_before_any_request(repo_id: str) -> None:
    with pytest.raises(hub.WeightsError, match="not a Hub repo id"):
        hub.download(repo_id)


def run_with_endpoint(endpoint: str, cache: Path, code: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter whose huggingface_hub talks to ``endpoint`` (read at import)."""
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HUB_CACHE": str(cache), "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_HUB_OFFLINE", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_hub_code_path_against_a_local_stand_in(tiny_folder, tmp_path) -> None:
    server, url = serve({"team/tiny-unet": {"v1": tiny_folder}})
    try:
        result = run_with_endpoint(
            url,
            tmp_path / "cache",
            """
            from diffusion import hub
            loaded = hub.load_model("team/tiny-unet", revision="v1")
            print(loaded.source, loaded.model.config.prediction, loaded.note)
            for repo, rev in (("team/missing", "v1"), ("team/tiny-unet", "v2")):
                try:
                    hub.load_model(repo, revision=rev)
                except hub.WeightsError as exc:
                    print("ERROR", exc)
        """,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("team/tiny-unet@v1 x0 Loaded team/tiny-unet at revision v1 from the Hub.")
    assert "has no model repo 'team/missing'" in lines[1]
    assert "has no revision 'v2'" in lines[2]


def test_unreachable_hub_falls_back_to_the_bundled_weights(tmp_path) -> None:
    if not (hub.BUNDLED / "model.safetensors").is_file():
        pytest.skip("no bundled weights in this checkout")
    result = run_with_endpoint(
        "http://127.0.0.1:9",
        tmp_path / "cache",
        """
        from diffusion import hub
        loaded = hub.load_model("team/tiny-unet")
        print(loaded.source, "|", loaded.note)
    """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("bundled | The Hugging Face Hub cannot be reached")
