"""A fix to Gradio 6.31 that the app applies when it is built (``apply()``).

Gradio writes an image result into its file cache under a folder named after the encoded bytes' hash, with
``Path.write_bytes``: the file is truncated, then written, on every request that returns that image. When many
visitors are served the same image (a default result, a memoised answer, the cached pictures), one request
rewrites the file while another visitor's download of it is under way: that download announced the file's
length and then found it empty, and the connection closed short ("peer closed connection without sending
complete message body (received 0 bytes, expected 31571)", seen with 30 clients asking for the same picture).

The replacement writes a new file under a temporary name and renames it into place (a reader sees the old file
or the new one, never a partial one), and leaves an existing file alone: its name is the hash of its content,
so it already holds those bytes (it is touched instead, as Gradio does for its other cached files, so that
``delete_cache``, which ages files by their change time, does not remove it while it is being served).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from gradio import processing_utils


def write_once(folder: Path, name: str, data: bytes) -> str:
    """``folder/name`` holding ``data`` (the folder is named after ``data``'s hash): written atomically if absent,
    touched if present. Returns its resolved path."""
    folder.mkdir(exist_ok=True, parents=True)
    path = (folder / name).resolve()
    if path.exists():
        with contextlib.suppress(OSError):
            os.utime(path)
        return str(path)
    fd, staging = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return str(path)


def save_pil_to_cache(img: Any, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    """``gradio.processing_utils.save_pil_to_cache`` (same arguments, same file name), written once."""
    data = processing_utils.encode_pil_to_bytes(img, format)
    return write_once(Path(cache_dir) / processing_utils.hash_bytes(data), f"{name}.{format}", data)


def apply() -> None:
    """Install the fix (idempotent). Gradio's callers look the function up on the module at each call."""
    processing_utils.save_pil_to_cache = save_pil_to_cache
