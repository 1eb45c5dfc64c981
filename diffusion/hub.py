"""Load a UNet from a local folder or a Hugging Face Hub repo (safetensors only), with clear errors.

A model folder holds config.json (``UNetConfig`` fields) and model.safetensors, as written by
``UNet.save_pretrained``. Nothing here touches the network on import; ``huggingface_hub`` reads ``HF_ENDPOINT``
when it is imported, which the tests use to point it at a local stand-in server.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from diffusion import precision
from diffusion.unet import UNet, UNetConfig

BUNDLED = Path(__file__).resolve().parent.parent / "weights"
DEFAULT_REVISION = "main"
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
_REVISION = re.compile(r"^[A-Za-z0-9_.\-/]{1,100}$")


class WeightsError(ValueError):
    """The weights could not be loaded; the message says why and what to do."""


@dataclass(frozen=True)
class LoadedModel:
    model: UNet
    source: str  # what was loaded: a folder, or "repo@revision"
    note: str  # a sentence for the UI: where the weights came from, and any fallback


def save_module(model, folder: str | os.PathLike, card: str = "") -> None:
    """A network with a dataclass ``config`` in Hub format: config.json, model.safetensors, and the model card
    (README.md) when given."""
    from dataclasses import asdict

    from safetensors.torch import save_model

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(asdict(model.config), indent=2) + "\n", encoding="utf-8")
    save_model(model, str(folder / "model.safetensors"))
    if card:
        (folder / "README.md").write_text(card, encoding="utf-8")


def load_module(folder: str | os.PathLike, build):
    """``build(config dict)``'s network with the folder's weights, strictly (safetensors only), in eval mode."""
    from safetensors.torch import load_model

    folder = Path(folder)
    model = build(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    load_model(model, str(folder / "model.safetensors"), strict=True)
    return model.eval()


def load_folder(folder: str | os.PathLike) -> UNet:
    """Read config.json + model.safetensors from a folder, strictly (every tensor must match the config)."""
    folder = Path(folder)
    config_path, weights_path = folder / "config.json", folder / "model.safetensors"
    if not config_path.is_file() or not weights_path.is_file():
        raise WeightsError(f"{folder} must contain config.json and model.safetensors.")
    try:
        config = UNetConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise WeightsError(f"config.json is not a valid UNet config: {exc}") from None
    model = UNet(config)
    from safetensors import SafetensorError
    from safetensors.torch import load_model

    try:
        load_model(model, str(weights_path), strict=True)
    except SafetensorError as exc:
        raise WeightsError(f"model.safetensors is corrupt or not a safetensors file ({exc}).") from None
    except RuntimeError as exc:  # missing/unexpected keys or wrong shapes
        raise WeightsError(f"The weights do not fit config.json: {str(exc).splitlines()[0][:300]}") from None
    return precision.use(model.eval())  # sampled in bf16 where the chip has the units (DIFFUSION_PRECISION)


def load_conditional(folder: str | os.PathLike) -> UNet:
    """``load_folder`` for a class-conditional model: refuses a config without a label embedding, saying so."""
    model = load_folder(folder)
    if model.config.num_classes <= 0:
        raise WeightsError(
            f"{folder}: config.json has no label embedding (num_classes is 0): this is an unconditional model, "
            "so it cannot draw a chosen digit or use classifier-free guidance."
        )
    return model


def download(repo_id: str, revision: str = DEFAULT_REVISION, token: str | None = None) -> Path:
    """Fetch config.json and model.safetensors of a Hub repo at a pinned revision; returns the local folder.

    Raises:
        WeightsError: malformed id, missing repo, revision or file.
        ConnectionError: the Hub cannot be reached (callers may fall back to the bundled weights).
    """
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id):
        raise WeightsError(f"{repo_id!r} is not a Hub repo id: use the form owner/name (letters, digits, - _ .).")
    if not isinstance(revision, str) or not _REVISION.match(revision):
        raise WeightsError(f"{revision!r} is not a valid revision (a branch, tag or commit hash).")
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    _probe(constants.ENDPOINT)
    try:
        path = None
        for name in ("config.json", "model.safetensors"):
            path = hf_hub_download(repo_id, name, revision=revision, token=token)
    except RepositoryNotFoundError:
        raise WeightsError(
            f"The Hub has no model repo {repo_id!r} (or it is private and no token was given)."
        ) from None
    except RevisionNotFoundError:
        raise WeightsError(f"The repo {repo_id!r} has no revision {revision!r}.") from None
    except LocalEntryNotFoundError as exc:  # the Hub cannot be reached and nothing is cached (a subclass of
        # EntryNotFoundError, so it must be caught first)
        raise ConnectionError(f"The Hugging Face Hub cannot be reached ({type(exc).__name__}).") from None
    except EntryNotFoundError:
        raise WeightsError(
            f"The repo {repo_id!r} has no config.json and model.safetensors (only safetensors are loaded)."
        ) from None
    except OSError as exc:  # httpx/requests connection errors derive from OSError in some versions
        raise ConnectionError(f"The Hugging Face Hub cannot be reached ({type(exc).__name__}).") from None
    return Path(path).parent


def _probe(endpoint: str, timeout: float = 3.0) -> None:
    """Fail fast when the Hub's host does not answer: huggingface_hub itself retries for ~25 s."""
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise ConnectionError(
            f"The Hugging Face Hub cannot be reached ({url.hostname}: {exc.strerror or exc})."
        ) from None


def load_model(source: str | None = None, revision: str = DEFAULT_REVISION, token: str | None = None) -> LoadedModel:
    """The app's loader: bundled weights by default, a local folder, or a Hub repo id.

    If the Hub cannot be reached the bundled weights are loaded instead and ``note`` says so; every other
    problem (bad id, missing repo, mismatched or corrupt weights) raises ``WeightsError``.
    """
    if not source:
        return load_shipped("one-image")
    if source == "bundled":
        return LoadedModel(load_folder(BUNDLED), "bundled", "Using the bundled weights (weights/).")
    if os.path.isdir(source):
        return LoadedModel(load_folder(source), source, f"Loaded the weights in {source}.")
    try:
        folder = download(source, revision, token)
    except ConnectionError as exc:
        return LoadedModel(load_folder(BUNDLED), "bundled", f"{exc} Using the bundled weights instead.")
    return LoadedModel(
        load_folder(folder), f"{source}@{revision}", f"Loaded {source} at revision {revision} from the Hub."
    )


def push_folder(folder: str | os.PathLike, repo_id: str, token: str, private: bool = False) -> str:
    """Upload a model folder (config.json, model.safetensors, README.md) to a Hub model repo; returns its URL.

    The token is used for this call only: it is never stored, logged, or echoed in an error message.

    Raises:
        WeightsError: malformed id, empty token, a folder that does not load, or the Hub refusing the upload.
        ConnectionError: the Hub cannot be reached.
    """
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id):
        raise WeightsError(f"{repo_id!r} is not a Hub repo id: use the form owner/name (letters, digits, - _ .).")
    if not isinstance(token, str) or not token.strip():
        raise WeightsError("Pushing needs a Hugging Face token with write access (huggingface.co/settings/tokens).")
    load_folder(folder)  # only a folder that loads strictly is uploaded
    push_files(folder, repo_id, ("config.json", "model.safetensors", "README.md"), token, private)
    from huggingface_hub import constants

    return f"{constants.ENDPOINT}/{repo_id}"


def _hub_call(token: str, call):
    """Run ``call(api)`` with an authenticated HfApi, turning failures into our two exceptions (token hidden)."""
    if not isinstance(token, str) or not token.strip():
        raise WeightsError("Pushing needs a Hugging Face token with write access (huggingface.co/settings/tokens).")
    token = token.strip()
    from huggingface_hub import HfApi, constants

    _probe(constants.ENDPOINT)
    try:
        return call(HfApi(token=token))
    except OSError as exc:
        raise ConnectionError(f"The Hugging Face Hub cannot be reached ({type(exc).__name__}).") from None
    except Exception as exc:  # auth, permission, quota: say what the Hub said, never the token
        message = str(exc).replace(token, "***").splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise WeightsError(f"The Hub refused the upload: {message}") from None


def push_files(
    folder: str | os.PathLike, repo_id: str, files: tuple[str, ...], token: str, private: bool = False
) -> str:
    """Upload ``files`` (relative to ``folder``) to a model repo in one commit; returns the commit sha."""
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id):
        raise WeightsError(f"{repo_id!r} is not a Hub repo id: use the form owner/name (letters, digits, - _ .).")

    def call(api):
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            allow_patterns=list(files),
            commit_message="Upload model (diffusion-from-first-principles)",
        )
        return str(info.oid)

    return _hub_call(token, call)


def upload_space(space: str, root: Path, files: list[str], readme: str, token: str, private: bool = False) -> str:
    """Create (or update) a Gradio Space with ``files`` from ``root`` and the given README; returns its URL."""
    if not isinstance(space, str) or not REPO_ID.match(space):
        raise WeightsError(f"{space!r} is not a Space id: use the form owner/name.")

    def call(api):
        from huggingface_hub import CommitOperationAdd

        api.create_repo(space, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
        ops = [CommitOperationAdd(p, str(root / p)) for p in files if p != "README.md"]
        ops.append(CommitOperationAdd("README.md", readme.encode("utf-8")))
        api.create_commit(space, ops, repo_type="space", commit_message="Deploy diffusion-from-first-principles")
        return f"https://huggingface.co/spaces/{space}"

    return _hub_call(token, call)


def pinned_models(readme: Path | None = None) -> dict[str, tuple[str, str]]:
    """{repo name: (repo id, sha)} from the README's ``preload_from_hub`` (what the Space builder fetched)."""
    from diffusion.deploy import read_front_matter

    readme = readme or BUNDLED.parent / "README.md"
    try:
        meta, _ = read_front_matter(readme.read_text(encoding="utf-8"))
    except OSError:
        return {}
    out = {}
    for line in meta.get("preload_from_hub") or []:
        parts = str(line).split()
        if len(parts) == 3 and re.fullmatch(r"[0-9a-f]{40}", parts[2]):
            out[parts[0].split("/")[-1]] = (parts[0], parts[2])
    return out


def load_preloaded(repo_id: str, sha: str, files: tuple[str, ...], fallback: Path, check=load_folder) -> LoadedModel:
    """A model from the Hub cache that the Space builder filled (no network), else the bundled ``fallback``.

    The note says which was used, and why the cache was not.
    """
    from huggingface_hub import hf_hub_download

    try:
        paths = [hf_hub_download(repo_id, f, revision=sha, local_files_only=True) for f in files]
    except Exception as exc:  # not in the cache (running outside the Space, or the build could not fetch it)
        if not fallback.is_dir():
            raise WeightsError(f"{repo_id}@{sha[:8]} is not in the Hub cache and no bundled copy exists.") from None
        return LoadedModel(
            check(fallback),
            "bundled",
            f"Using the bundled weights ({type(exc).__name__}: {repo_id}@{sha[:8]} not preloaded).",
        )
    folder = Path(paths[0]).parent
    return LoadedModel(check(folder), f"{repo_id}@{sha}", f"Using {repo_id}@{sha[:8]}, preloaded from the Hub.")


def load_shipped(key: str) -> LoadedModel:
    """The app's model ``key`` ("one-image", "digits" or "scenes": a ``text2image.Bundle``): from the Hub cache at
    the commit the README pins (a Space preloads it at build time), else the bundled folder; the note says which."""
    from diffusion import text2image
    from diffusion.deploy import MODELS

    model = next(m for m in MODELS if m.key == key)
    check = {"digits": load_conditional, "scenes": text2image.load_bundle}.get(key, load_folder)
    fallback = BUNDLED.parent / model.folder
    pinned = pinned_models().get(model.name)
    if pinned is None:
        return LoadedModel(check(fallback), "bundled", f"Using the bundled weights ({model.folder}/).")
    return load_preloaded(pinned[0], pinned[1], model.files, fallback, check)
