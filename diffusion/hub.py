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

from diffusion.unet import UNet, UNetConfig

BUNDLED = Path(__file__).resolve().parent.parent / "weights"
DEFAULT_REVISION = "main"
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
_REVISION = re.compile(r"^[A-Za-z0-9_.\-/]{1,100}$")


class WeightsError(ValueError):
    """The weights could not be loaded; the message says why and what to do."""


@dataclass(frozen=True)
class LoadedModel:
    model: UNet
    source: str  # what was loaded: a folder, or "repo@revision"
    note: str  # a sentence for the UI: where the weights came from, and any fallback


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
    return model.eval()


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
    if not isinstance(repo_id, str) or not _REPO_ID.match(repo_id):
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
    if not source or source == "bundled":
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
    if not isinstance(repo_id, str) or not _REPO_ID.match(repo_id):
        raise WeightsError(f"{repo_id!r} is not a Hub repo id: use the form owner/name (letters, digits, - _ .).")
    if not isinstance(token, str) or not token.strip():
        raise WeightsError("Pushing needs a Hugging Face token with write access (huggingface.co/settings/tokens).")
    token = token.strip()
    load_folder(folder)  # only a folder that loads strictly is uploaded
    from huggingface_hub import HfApi, constants

    _probe(constants.ENDPOINT)
    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            allow_patterns=["config.json", "model.safetensors", "README.md"],
            commit_message="Upload UNet (diffusion-from-first-principles)",
        )
    except OSError as exc:
        raise ConnectionError(f"The Hugging Face Hub cannot be reached ({type(exc).__name__}).") from None
    except Exception as exc:  # auth, permission, quota: say what the Hub said, never the token
        message = str(exc).replace(token, "***").splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise WeightsError(f"The Hub refused the upload: {message}") from None
    return str(getattr(info, "repo_url", None) or f"{constants.ENDPOINT}/{repo_id}")
