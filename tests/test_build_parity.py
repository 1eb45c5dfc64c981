"""Build parity with the Space builder: a fresh venv gets exactly what the builder installs, then `pip check`
passes and the app imports (slow: it installs torch)."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import pytest

from diffusion.deploy import read_front_matter

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_what_the_space_builder_installs_is_consistent_and_runs_the_app(tmp_path) -> None:
    meta, _ = read_front_matter((ROOT / "README.md").read_text(encoding="utf-8"))
    env_dir = tmp_path / "space-venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = str(env_dir / "bin" / "python")

    def run(*args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
        return subprocess.run([py, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)

    # the builder's steps: requirements.txt, then gradio with its Space extras at sdk_version, then spaces
    install = run(
        "-m", "pip", "install", "-q", "-r", "requirements.txt", f"gradio[oauth,mcp]=={meta['sdk_version']}", "spaces"
    )
    assert install.returncode == 0, install.stderr[-3000:]
    check = run("-m", "pip", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    started = run(
        "-W", "error::FutureWarning:pandas", "-c", "import app; print(len(app.MCP_TOOLS), 'tools')", timeout=300
    )
    assert started.returncode == 0, started.stderr[-3000:]
    assert "tools" in started.stdout
    versions = run(
        "-c", "import gradio, torch, pandas; print(gradio.__version__, torch.__version__, pandas.__version__)"
    )
    gradio_v, torch_v, pandas_v = versions.stdout.split()
    assert gradio_v == str(meta["sdk_version"]) and torch_v.startswith("2.14.1") and pandas_v == "2.3.3"
