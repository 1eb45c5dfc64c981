"""The fix to Gradio's image cache (panels/gradio_fixes.py): an image served to many visitors at once is written
once, atomically, so that no download of it finds it truncated."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
from gradio import processing_utils
from PIL import Image

from panels import gradio_fixes

ORIGINAL = processing_utils.save_pil_to_cache


def picture(seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (96, 96, 3), dtype=np.uint8))


def test_the_app_installs_it(app_url: str) -> None:
    assert processing_utils.save_pil_to_cache is gradio_fixes.save_pil_to_cache


def test_same_place_as_gradios_own_and_written_once(tmp_path: Path) -> None:
    ours = Path(gradio_fixes.save_pil_to_cache(picture(), str(tmp_path / "a"), format="png"))
    theirs = Path(ORIGINAL(picture(), str(tmp_path / "b"), format="png"))
    assert ours.relative_to(tmp_path / "a") == theirs.relative_to(tmp_path / "b")  # same hash folder and name
    assert ours.read_bytes() == theirs.read_bytes()
    inode = ours.stat().st_ino
    os.utime(ours, (0, 0))
    assert gradio_fixes.save_pil_to_cache(picture(), str(tmp_path / "a"), format="png") == str(ours)
    assert ours.stat().st_ino == inode and ours.stat().st_mtime > 0  # not rewritten, but touched
    assert [p.name for p in ours.parent.iterdir()] == [ours.name]  # no staging file left behind


def test_a_reader_never_sees_a_partial_file_while_visitors_are_served_the_same_image(tmp_path: Path) -> None:
    cache, image = str(tmp_path), picture(1)
    path = Path(gradio_fixes.save_pil_to_cache(image, cache, format="png"))
    size, short, stop = path.stat().st_size, [], threading.Event()

    def visitors() -> None:
        for _ in range(200):
            gradio_fixes.save_pil_to_cache(image, cache, format="png")
        stop.set()

    def downloader() -> None:
        while not stop.is_set():
            if len(path.read_bytes()) != size:
                short.append(1)

    threads = [threading.Thread(target=visitors) for _ in range(3)] + [threading.Thread(target=downloader)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert short == []
