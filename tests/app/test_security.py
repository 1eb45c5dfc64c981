"""What SECURITY.md promises: no file outside the app's folders is served or opened, uploads are capped, no pickle,
Hub tokens are never echoed, logged or written, and the launch settings carry the 6.31 mitigations."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file

from tests.refusals import REFUSED

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *(ROOT / "diffusion").glob("*.py"), *(ROOT / "panels").glob("*.py")]


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/proc/self/environ",
        str(ROOT / "app.py"),
        "app.py",
        str(ROOT / "weights" / "model.safetensors"),
        "weights/config.json",
        str(ROOT / ".git" / "config"),
        os.path.expanduser("~/.bashrc"),
    ],
)
def test_no_file_outside_the_apps_folders_is_served(app_url, path) -> None:
    r = httpx.get(f"{app_url}/gradio_api/file={path}")
    assert r.status_code in (403, 404), (path, r.status_code)
    assert "root:" not in r.text and "[core]" not in r.text


@pytest.mark.parametrize(
    ("endpoint", "args"),
    [
        ("forward_view", ("{}", "grayscale", 32, "cosine", 100, 5, 0)),
        ("train_start", ("{}", "scratch", "small", "x0", 32, "ours", 2, 1e-3, 2, 0.9, 1)),
        ("points_forward", ("shape", "", "{}", 500, 0)),
    ],
)
@pytest.mark.parametrize(
    "target", ["/etc/passwd", "/proc/self/environ", "/dev/zero", str(ROOT / "docs" / "screenshot.png")]
)
def test_a_server_path_in_a_file_payload_is_refused(app_url, endpoint, args, target) -> None:
    """A raw API call naming a server file instead of an upload ends in an error, and nothing is copied.

    (Raw HTTP: gradio_client would upload the file from the client's own disk, which is allowed.)
    """
    from gradio.utils import get_upload_folder

    before = set(Path(get_upload_folder()).rglob("*"))
    payload = {"path": target, "meta": {"_type": "gradio.FileData"}}
    data = [payload if a == "{}" else a for a in args]
    response = httpx.post(f"{app_url}/gradio_api/call/{endpoint}", json={"data": data})
    if response.status_code != 200:  # refused before the queue (the event's validator reads its inputs first)
        assert 400 <= response.status_code < 500 and "root:" not in response.text
    else:
        stream = httpx.get(f"{app_url}/gradio_api/call/{endpoint}/{response.json()['event_id']}", timeout=60).text
        assert stream.startswith("event: error") and "root:" not in stream
    copied = [p for p in set(Path(get_upload_folder()).rglob("*")) - before if p.name == Path(target).name]
    assert not copied


def test_uploads_are_capped_at_20_mb(app_url) -> None:
    r = httpx.post(f"{app_url}/gradio_api/upload", files={"files": ("big.png", b"\0" * (21 * 1024 * 1024))})
    assert r.status_code == 413


def test_no_pickle_anywhere() -> None:
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        assert "pickle.load" not in text and "import pickle" not in text, path
        for call in re.findall(r"torch\.load\([^)]*\)", text):
            assert "weights_only=True" in call, (path, call)
        assert ".bin" not in re.sub(r"#.*", "", text) or path.name == "hub.py", path  # safetensors only


def test_examples_are_never_cached_at_start_up() -> None:
    for path in SOURCES:
        for call in re.findall(r"gr\.Examples\([^\n]*", path.read_text(encoding="utf-8")):
            assert "cache_examples=False" in call, (path, call)


def test_launch_settings_carry_the_mitigations() -> None:
    import app

    kwargs = app.launch_kwargs()
    assert kwargs["ssr_mode"] is False and kwargs["run_history"] is False and kwargs["max_file_size"] == "20mb"
    assert "server_name" not in kwargs and "server_port" not in kwargs


def test_a_hub_token_is_never_echoed_logged_or_written(app_url, capfd, monkeypatch, tmp_path) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    token = "hf_DoNotLeakThisToken0123456789"
    client = Client(app_url, verbose=False)
    image = ROOT / "examples" / "shapes.png"
    client.submit(
        handle_file(str(image)), "scratch", "small", "x0", 32, "ours", 2, 1e-3, 2, 0.9, 1, api_name="/train_start"
    ).result()
    with pytest.raises(REFUSED) as exc:
        client.predict("me/model", token, True, api_name="/train_push")
    assert "cannot be reached" in str(exc.value) and token not in str(exc.value)
    out, err = capfd.readouterr()
    assert token not in out and token not in err
    from gradio.utils import get_upload_folder

    from panels.common import OUTPUT_DIR

    for folder in (get_upload_folder(), OUTPUT_DIR):
        for path in Path(folder).rglob("*"):
            if path.is_file() and path.stat().st_size < 50_000_000:
                assert token.encode() not in path.read_bytes(), path
