"""Fixes to Gradio 6.31 that the app applies when it is built (``apply()``).

**A cached image rewritten while it is downloaded.** Gradio writes an image result into its file cache under a
folder named after the encoded bytes' hash, with ``Path.write_bytes``: the file is truncated, then written, on
every request that returns that image. When many visitors are served the same image (a default result, a
memoised answer, the cached pictures), one request rewrites the file while another visitor's download of it is
under way: that download announced the file's length and then found it empty, and the connection closed short
("peer closed connection without sending complete message body (received 0 bytes, expected 31571)", seen with 30
clients asking for the same picture). The replacement writes a new file under a temporary name and renames it
into place (a reader sees the old file or the new one, never a partial one), and leaves an existing file alone:
its name is the hash of its content, so it already holds those bytes (it is touched instead, as Gradio does for
its other cached files, so that ``delete_cache``, which ages files by their change time, does not remove it
while it is being served).

**The same image encoded again for every visitor.** Gradio encodes a PIL image result (PNG here) for each
request that returns it, even when it is the same object, kept for everyone: 10-30 ms of the server's threads
per image and visitor (in a profile of 30 visitors fetching one remembered picture, more than a third of all the
server's work). An image marked ``unchanging`` (default results, remembered answers) is encoded once; its file
is served again for as long as it exists.

**Every new session renders the whole app's configuration.** A visitor's first request creates their session's
state (``gradio.state_holder.SessionState``), which renders the configuration of every block of the app (some
800 here: every panel's components) and keeps it, only so that a deep link (``gr.DeepLinkButton``) can later
save the session's components. That took about 45 ms on the server's one event loop, for each new visitor: 30
visitors arriving together queued 1.3 s of it in front of everyone's requests (a profile of the burst: a third
of the event loop's work). The replacement keeps the same record, filled in when it is read: a block's
configuration is rendered when an event updates its value, or, for the rest, when a deep link asks for all of
them (the blocks are the same then: a session's changes to them go through ``__setitem__``, which renders its
block at once, as Gradio's does). This app has no deep links: nothing reads the record in full.

**An MCP tool with a State output fails on every call.** Gradio's MCP server removes the values of State outputs
from an event's results by their index (``GradioMCPServer.pop_returned_state``). A queued event's result comes
back through gradio_client, which already leaves State outputs out and hands one value (the tuple of outputs):
the list to pop from has one element, and ``pop(4)`` failed with "pop index out of range" (``reverse_generate``
from any agent). The replacement removes them only from a list with one value per output (the direct path for
events outside the queue), last first, so that removing one does not shift the next.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from gradio import mcp, processing_utils, state_holder
from gradio.components import State
from PIL import Image


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
    """``gradio.processing_utils.save_pil_to_cache`` (same arguments, same file name), written once; an image
    marked ``unchanging`` is encoded once, its file served again while it exists."""
    key = (str(cache_dir), name, format)
    with _LOCK:
        entry = _UNCHANGING.get(id(img))
        path = entry[1].get(key) if entry is not None and entry[0]() is img else None
    if path is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # as write_once does (delete_cache ages files by their change time)
            return path
    data = processing_utils.encode_pil_to_bytes(img, format)
    path = write_once(Path(cache_dir) / processing_utils.hash_bytes(data), f"{name}.{format}", data)
    with _LOCK:
        entry = _UNCHANGING.get(id(img))
        if entry is not None and entry[0]() is img:
            entry[1][key] = path
    return path


# unchanging images (by id) -> (a weak reference to the image, {(cache folder, name, format): its file})
_UNCHANGING: dict[int, tuple[weakref.ref, dict[tuple[str, str, str], str]]] = {}
_LOCK = threading.Lock()


def unchanging(value: Any) -> Any:
    """Mark every PIL image in ``value`` (an image, or tuples and lists of them and other things: a handler's
    outputs, a gallery's (image, caption) pairs) as one that is never drawn on again: the same image served to
    many visitors (a default result, a remembered answer) is then encoded once instead of once per visitor
    (10-30 ms each, on the server's threads). Returns ``value``."""
    if isinstance(value, Image.Image):
        ident = id(value)

        def forget(ref: weakref.ref, ident: int = ident) -> None:
            with _LOCK:
                if ident in _UNCHANGING and _UNCHANGING[ident][0] is ref:
                    del _UNCHANGING[ident]

        with _LOCK:
            entry = _UNCHANGING.get(ident)
            if entry is None or entry[0]() is not value:
                _UNCHANGING[ident] = (weakref.ref(value, forget), {})
    elif isinstance(value, tuple | list):
        for item in value:
            unchanging(item)
    return value


class LazyConfigs(dict):
    """``SessionState.config_values`` (block id -> its rendered configuration), each entry rendered when it is
    first needed rather than all of them when the session is created. Reads of one entry (``in``, ``[]``) see
    what Gradio's eager record holds for an entry set since (``__setitem__``) or rendered on demand; reading the
    whole record (``items()``, for a deep link) renders every block that was not rendered yet first."""

    def __init__(self, session: Any, ids: list[int]) -> None:
        super().__init__()
        self.session, self.pending = session, dict.fromkeys(ids)
        self.lock = threading.Lock()  # a session's events may read the record at the same time

    def _render(self, key: int) -> None:
        with self.lock:
            if key in self.pending:
                config = self.session.blocks_config
                super().__setitem__(key, config.config_for_block(key, [], config.blocks[key]))
                del self.pending[key]

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or key in self.pending

    def __getitem__(self, key: int) -> Any:
        self._render(key)
        return super().__getitem__(key)

    def __setitem__(self, key: int, value: Any) -> None:
        with self.lock:
            self.pending.pop(key, None)
            super().__setitem__(key, value)

    def items(self) -> Any:  # type: ignore[override]
        for key in list(self.pending):
            self._render(key)
        return super().items()

    def __len__(self) -> int:
        return super().__len__() + len(self.pending)


def _session_init(self: Any, blocks: Any) -> None:
    """``SessionState.__init__`` with the configuration record filled in when it is read (``LazyConfigs``)."""
    _ORIGINAL_SESSION_INIT(self, _NoBlocks(blocks))
    self.config_values = LazyConfigs(self, [k for k in self.blocks_config.blocks if k in blocks.blocks])


class _NoBlocks:
    """``blocks`` as Gradio's ``SessionState.__init__`` reads it, with no block to render (its own attributes
    otherwise): the original then sets up everything else as it does."""

    def __init__(self, blocks: Any) -> None:
        self._blocks = blocks
        self.blocks: dict = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._blocks, name)


_ORIGINAL_SESSION_INIT = state_holder.SessionState.__init__


def pop_returned_state(components: Any, data: Any) -> Any:
    """``data`` without the values of State outputs, where it holds one value per output component."""
    if not isinstance(data, list) or len(data) != len(components):
        return data  # through gradio_client: State outputs are already left out
    for i in reversed(range(len(components))):
        if isinstance(components[i], State):
            data.pop(i)
    return data


def apply() -> None:
    """Install the fixes (idempotent). Gradio's callers look the function up on the module (and the class) at each
    call."""
    processing_utils.save_pil_to_cache = save_pil_to_cache
    state_holder.SessionState.__init__ = _session_init
    mcp.GradioMCPServer.pop_returned_state = staticmethod(pop_returned_state)
