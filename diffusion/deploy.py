"""Deploy: the models to Hub model repos, then the app to a Space that preloads them at build time.

A Space rejects files over 10 MB that are not stored with LFS/Xet, and the Spaces convention is one model repo per
model, fetched when the Space is built (``preload_from_hub`` in the README's front matter, pinned to a commit) and
loaded from that cache at start-up. ``plan`` works out everything offline (the files, their sizes, the front
matter, the requirement checks) and refuses before anything is uploaded; ``deploy`` carries the plan out.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from diffusion import hub

ROOT = Path(__file__).resolve().parent.parent
MAX_SPACE_FILE = 10 * 1024 * 1024  # Spaces refuse larger files outside LFS/Xet
SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ModelRepo:
    """A shipped model folder and the Hub model repo it becomes (files relative to the folder)."""

    key: str  # what the app calls it
    folder: str  # relative to the repository root
    name: str  # the model repo's name (owner chosen at deploy time)
    files: tuple[str, ...]


HUB_FILES = ("config.json", "model.safetensors")
MODELS: tuple[ModelRepo, ...] = (
    ModelRepo(
        "one-image",
        "weights",
        "diffusion-one-image-unet",
        ("config.json", "model.safetensors", "README.md", "raw/config.json", "raw/model.safetensors"),
    ),
    ModelRepo(
        "digits",
        "weights/digits",
        "diffusion-digits-unet",
        ("config.json", "model.safetensors", "README.md", "classifier/config.json", "classifier/model.safetensors"),
    ),
    ModelRepo(
        "scenes",
        "weights/scenes",
        "diffusion-words-to-pictures",
        ("README.md", *(f"{part}/{f}" for part in ("autoencoder", "model", "judge") for f in HUB_FILES)),
    ),
)
# Not uploaded to the Space: build outputs, caches, and the weights that reach it through preload_from_hub
# (the small digits model stays in the Space too, as the offline fallback).
SPACE_IGNORE = (
    ".git/*",
    ".ci/*",
    "runs/*",
    "checkpoints/*",
    "out/*",
    "*__pycache__*",
    "*.pyc",
    "*.pyi",
    ".pytest_cache/*",
    ".ruff_cache/*",
    ".venv/*",
    "weights/model.safetensors",
    "weights/raw/*",
)


@dataclass
class Plan:
    space: str
    owner: str
    files: list[tuple[str, int]]  # (path, bytes) uploaded to the Space
    models: dict[str, str]  # key -> repo id
    front_matter: dict
    problems: list[str] = field(default_factory=list)


def read_front_matter(readme: str) -> tuple[dict, str]:
    """(front matter as a dict, the rest of the README); a README without front matter gives ({}, readme)."""
    if not readme.startswith("---\n"):
        return {}, readme
    head, _, body = readme[4:].partition("\n---\n")
    return yaml.safe_load(head) or {}, body


def write_front_matter(meta: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000) + "---\n" + body


def tracked_files(root: Path = ROOT) -> list[str]:
    """The repository's tracked and untracked-but-not-ignored files (what a clean checkout holds)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(f"git ls-files failed: {out.stderr.strip()[:200]}")
    return sorted(p for p in out.stdout.splitlines() if (root / p).is_file())


def space_files(root: Path = ROOT) -> list[tuple[str, int]]:
    keep = [p for p in tracked_files(root) if not any(fnmatch.fnmatch(p, pat) for pat in SPACE_IGNORE)]
    return [(p, (root / p).stat().st_size) for p in keep]


def check_requirements(meta: dict, root: Path = ROOT) -> list[str]:
    """What the Space builder would trip on: gradio != sdk_version, a `spaces` pin, an unpinned torch."""
    problems = []
    reqs = (root / "requirements.txt").read_text(encoding="utf-8")
    pins = {re.sub(r"\[.*\]", "", k): v for k, v in re.findall(r"^([A-Za-z0-9_.\-\[\],]+)==(\S+)", reqs, flags=re.M)}
    if pins.get("gradio") != str(meta.get("sdk_version")):
        problems.append(
            f"requirements.txt pins gradio=={pins.get('gradio')} but sdk_version is {meta.get('sdk_version')}."
        )
    if re.search(r"^spaces\b", reqs, flags=re.M):
        problems.append(
            "requirements.txt must not pin `spaces`: the Space builder installs it (a conflict fails the build)."
        )
    if "torch" not in pins:
        problems.append("requirements.txt must pin torch.")
    if str(meta.get("python_version")) not in ("3.10", "3.11", "3.12"):
        problems.append(f"python_version {meta.get('python_version')!r} is not one ZeroGPU supports (3.10-3.12).")
    return problems


def check_models(root: Path = ROOT) -> list[str]:
    """Every model folder must load strictly (the same check the app makes), with every file it lists present."""
    from diffusion import classifier, text2image

    problems = []
    for m in MODELS:
        folder = root / m.folder
        missing = [f for f in m.files if not (folder / f).is_file()]
        if missing:
            problems.append(f"{m.folder}: missing {', '.join(missing)}.")
            continue
        try:
            if m.key == "scenes":
                text2image.load_bundle(folder)
            elif m.key == "digits":
                hub.load_conditional(folder)
                classifier.load(folder / "classifier")
            else:
                hub.load_folder(folder)
                hub.load_folder(folder / "raw")
        except (hub.WeightsError, RuntimeError, ValueError) as exc:
            problems.append(f"{m.folder}: {exc}")
    return problems


def preload_entries(models: dict[str, str], shas: dict[str, str]) -> list[str]:
    """``preload_from_hub`` lines: "owner/repo file1,file2 sha" (the sha pins what the app loads)."""
    return [f"{models[m.key]} {','.join(m.files)} {shas[m.key]}" for m in MODELS]


def plan(space: str, owner: str | None = None, root: Path = ROOT, shas: dict[str, str] | None = None) -> Plan:
    """Everything a deploy would do, worked out offline; ``problems`` lists what must be fixed first."""
    problems = []
    if not isinstance(space, str) or not hub.REPO_ID.match(space):
        problems.append(f"{space!r} is not a Space id: use the form owner/name.")
        owner = owner or "owner"
    owner = owner or space.split("/")[0]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}", owner):
        problems.append(f"{owner!r} is not a Hub user or organisation name.")
    meta, _ = read_front_matter((root / "README.md").read_text(encoding="utf-8"))
    models = {m.key: f"{owner}/{m.name}" for m in MODELS}
    shas = shas or {m.key: "0" * 40 for m in MODELS}  # a dry run pins placeholders; deploy pins the pushes' commits
    meta = {**meta, "models": list(models.values()), "preload_from_hub": preload_entries(models, shas)}
    files = space_files(root)
    problems += [f"{p} is {n / 2**20:.1f} MB: over the Space limit of 10 MB." for p, n in files if n > MAX_SPACE_FILE]
    problems += check_requirements(meta, root) + check_models(root)
    return Plan(space, owner, files, models, meta, problems)


def describe(p: Plan) -> str:
    total = sum(n for _, n in p.files)
    lines = [
        f"Space {p.space}: {len(p.files)} files, {total / 2**20:.1f} MB in all, largest "
        f"{max(p.files, key=lambda f: f[1])[0]} ({max(n for _, n in p.files) / 2**20:.1f} MB)."
    ]
    for m in MODELS:
        size = sum((ROOT / m.folder / f).stat().st_size for f in m.files if (ROOT / m.folder / f).is_file())
        lines.append(f"model repo {p.models[m.key]}: {', '.join(m.files)} ({size / 2**20:.1f} MB) from {m.folder}/")
    shown = {k: p.front_matter[k] for k in ("sdk_version", "python_version", "models", "preload_from_hub")}
    lines.append("front matter (a dry run shows 000...0 where deploy pins the commit each model push returns):")
    lines.append(yaml.safe_dump(shown, sort_keys=False, width=1000).rstrip())
    lines += [f"PROBLEM: {x}" for x in p.problems] or ["checks passed: sizes, front matter, requirements, models"]
    return "\n".join(lines)


def deploy(space: str, token: str, owner: str | None = None, private: bool = False) -> str:
    """Push both models, pin their commits in the Space's front matter, upload the app; returns the Space URL.

    Raises:
        hub.WeightsError: no token, bad ids, a model that fails its strict load, a file over 10 MB (nothing is
            uploaded in any of these cases), or the Hub refusing an upload.
        ConnectionError: the Hub cannot be reached.
    """
    if not isinstance(token, str) or not token.strip():
        raise hub.WeightsError("Deploying needs a Hugging Face token with write access (set HF_TOKEN).")
    first = plan(space, owner)
    if first.problems:
        raise hub.WeightsError("Nothing was uploaded: " + " ".join(first.problems))
    shas = {m.key: hub.push_files(ROOT / m.folder, first.models[m.key], m.files, token) for m in MODELS}
    final = plan(space, owner, shas=shas)
    _, body = read_front_matter((ROOT / "README.md").read_text(encoding="utf-8"))
    return hub.upload_space(
        space, ROOT, [p for p, _ in final.files], write_front_matter(final.front_matter, body), token, private
    )
