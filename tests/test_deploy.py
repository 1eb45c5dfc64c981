"""Deploying: the dry run's checks (sizes, front matter, requirements, strict loads), refusals before any upload,
and the Space's start-up preferring the preloaded Hub cache at the pinned commit."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from diffusion import deploy, hub
from diffusion.__main__ import main
from tests.hub_server import serve
from tests.test_hub import run_with_endpoint

ROOT = Path(__file__).resolve().parents[1]


def test_the_dry_run_of_this_repository_passes_every_check(capsys) -> None:
    assert main(["deploy", "--space", "someone/diffusion", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "checks passed" in out and "dry run: nothing was uploaded." in out
    plan = deploy.plan("someone/diffusion")
    paths = {p for p, _ in plan.files}
    assert max(n for _, n in plan.files) <= deploy.MAX_SPACE_FILE
    assert "weights/model.safetensors" not in paths and "weights/raw/model.safetensors" not in paths
    assert {"app.py", "requirements.txt", "packages.txt", "weights/digits/model.safetensors"} <= paths
    assert not any(p.startswith(("runs/", ".git/")) or "__pycache__" in p for p in paths)
    meta = plan.front_matter
    assert meta["models"] == [
        "someone/diffusion-one-image-unet", "someone/diffusion-digits-unet", "someone/diffusion-words-to-pictures"
    ]  # fmt: skip
    for line in meta["preload_from_hub"]:
        repo, files, sha = line.split()
        assert repo in meta["models"] and re.fullmatch(r"[0-9a-f]{40}", sha)
        names = [f.rsplit("/", 1)[-1] for f in files.split(",")]
        assert "config.json" in names and "model.safetensors" in names


def test_deploying_without_a_token_or_to_a_bad_id_uploads_nothing(monkeypatch, capsys) -> None:
    calls: list[str] = []
    monkeypatch.setattr(hub, "push_files", lambda *a, **k: calls.append("push") or "0" * 40)
    monkeypatch.setattr(hub, "upload_space", lambda *a, **k: calls.append("space") or "url")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert main(["deploy", "--space", "someone/diffusion"]) == 2
    assert "needs a Hugging Face token" in capsys.readouterr().err
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    assert main(["deploy", "--space", "not a space"]) == 2
    assert "'not a space' is not a Space id" in capsys.readouterr().out
    assert calls == []
    assert main(["deploy", "--space", "someone/diffusion", "--owner", "team"]) == 0  # everything checked: it runs
    assert calls == ["push", "push", "push", "space"]  # the three model repos, then the Space


def fake_repo(tmp_path: Path) -> Path:
    """A copy of the files the checks read (weights included) to break one at a time."""
    root = tmp_path / "repo"
    for name in ("README.md", "requirements.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "weights", root / "weights")
    return root


def test_weights_that_fail_the_strict_load_are_refused(tmp_path) -> None:
    root = fake_repo(tmp_path)
    config = root / "weights" / "digits" / "config.json"
    config.write_text(config.read_text().replace('"bottleneck": 128', '"bottleneck": 64'))
    (root / "weights" / "raw" / "model.safetensors").write_bytes(b"not a safetensors file")
    problems = deploy.check_models(root)
    assert any("weights/digits" in p and "do not fit config.json" in p for p in problems)
    assert any("weights" in p and "corrupt" in p for p in problems)


def test_requirements_that_would_fail_the_space_build_are_refused(tmp_path) -> None:
    root = fake_repo(tmp_path)
    reqs = root / "requirements.txt"
    reqs.write_text(reqs.read_text().replace("gradio[mcp]==6.31.0", "gradio[mcp]==6.30.0") + "spaces==0.51.3\n")
    meta, _ = deploy.read_front_matter((root / "README.md").read_text())
    problems = deploy.check_requirements(meta, root)
    assert any("gradio==6.30.0 but sdk_version is 6.31.0" in p for p in problems)
    assert any("must not pin `spaces`" in p for p in problems)
    assert deploy.check_requirements(meta, ROOT) == []


def test_start_up_prefers_the_preloaded_cache_at_the_pinned_commit(tmp_path) -> None:
    sha = "1234567890abcdef1234567890abcdef12345678"
    server, url = serve({"team/diffusion-digits-unet": {sha: ROOT / "weights" / "digits"}})
    files = ",".join(next(m for m in deploy.MODELS if m.key == "digits").files)
    readme = tmp_path / "README.md"
    readme.write_text(f"---\ntitle: t\npreload_from_hub:\n  - team/diffusion-digits-unet {files} {sha}\n---\n")
    code = f"""
        import os
        from pathlib import Path
        from diffusion import deploy, hub
        m = next(m for m in deploy.MODELS if m.key == "digits")
        if os.environ.get("STEP") == "build":  # what the Space builder does: fill the cache
            from huggingface_hub import hf_hub_download
            for f in m.files:
                hf_hub_download("team/diffusion-digits-unet", f, revision="{sha}")
        os.environ["HF_HUB_OFFLINE"] = "1"
        repo, pinned = hub.pinned_models(Path(r"{readme}"))[m.name]
        loaded = hub.load_preloaded(repo, pinned, m.files, hub.BUNDLED / "digits", hub.load_conditional)
        print(loaded.source, "|", loaded.note)
    """
    try:
        import os

        os.environ["STEP"] = "build"
        built = run_with_endpoint(url, tmp_path / "cache", code)
        os.environ["STEP"] = "start"
        empty = run_with_endpoint("http://127.0.0.1:9", tmp_path / "empty-cache", code)
    finally:
        os.environ.pop("STEP", None)
        server.shutdown()
    assert built.returncode == 0, built.stderr
    assert (
        built.stdout.strip()
        == f"team/diffusion-digits-unet@{sha} | Using team/diffusion-digits-unet@12345678, preloaded from the Hub."
    )
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.startswith("bundled | Using the bundled weights") and "not preloaded" in empty.stdout


def test_the_repositorys_own_start_up_says_which_weights_it_uses() -> None:
    assert hub.pinned_models(ROOT / "README.md") == {}  # the committed README pins nothing: bundled weights
    assert hub.load_shipped("digits").note == "Using the bundled weights (weights/digits/)."
    with pytest.raises(StopIteration):
        hub.load_shipped("nothing")
