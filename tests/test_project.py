"""The project's promises about itself: Space front matter, pinned requirements, the Quickstart."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def front_matter() -> dict:
    from diffusion.deploy import read_front_matter

    return read_front_matter(README)[0]


def test_space_front_matter() -> None:
    meta = front_matter()
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert {"title", "emoji", "sdk_version", "python_version", "short_description", "license"} <= set(meta)
    assert len(meta["short_description"]) <= 60
    from diffusion.deploy import check_requirements

    assert check_requirements(meta) == []  # gradio == sdk_version, no `spaces` pin, torch pinned, python 3.11
    assert "spaces" not in (ROOT / "requirements.txt").read_text().split("#")[0]
    # the Chinese plot font, and the ffmpeg/ffprobe that Gradio streams the thermodynamics film with
    assert (ROOT / "packages.txt").read_text().split() == ["fonts-wqy-microhei", "ffmpeg"]


def test_every_requirement_is_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r ") and line != "-e .":  # -e .: the project itself
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][\w.]*", line), f"{name}: unpinned {line!r}"
    assert "torch==2.14.1" in (ROOT / "requirements.txt").read_text()


def test_quickstart_is_two_commands_and_ci_runs_the_second() -> None:
    quickstart = README.split("## Quickstart")[1].split("\n## ")[0]
    commands = re.findall(r"```bash\n(.*?)\n```", quickstart, flags=re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert commands[0] == "pip install -r requirements.txt && python app.py"
    assert commands[1].endswith("python -m pytest") and "chromium" in commands[1]
    assert "test-command" in (ROOT / ".ci" / "run").read_text()


def test_the_test_command_installs_every_debian_package_of_the_space() -> None:
    """A fresh machine has only what the test command installs: every package the Space gets (packages.txt: the
    plots' Chinese font, ffmpeg) is installed by it too, or tests pass only where someone installed it by hand."""
    quickstart = README.split("## Quickstart")[1].split("\n## ")[0]
    test_command = re.findall(r"```bash\n(.*?)\n```", quickstart, flags=re.S)[1]
    installed = re.search(r"apt-get install -y ([^&]+)", test_command)
    assert installed, test_command
    for package in (ROOT / "packages.txt").read_text().split():
        assert package in installed.group(1).split(), f"packages.txt lists {package}; the test command lacks it"


def test_the_repository_is_self_contained() -> None:
    """What the code and docs cite is in the repository: no design document or folder from outside it."""
    from diffusion.deploy import tracked_files

    # spelled in pieces so that this file does not cite them itself
    outside = ("DESIGN" + ".md", ".." + "/shared")
    for path in tracked_files(ROOT):
        if path.endswith((".py", ".md", ".txt", ".toml")):
            text = (ROOT / path).read_text(encoding="utf-8", errors="replace")
            assert not any(name in text for name in outside), path
    assert (ROOT / "docs" / "architecture.md").is_file()
