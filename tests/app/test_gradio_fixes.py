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


def _demo():
    import gradio as gr

    with gr.Blocks() as demo:
        number = gr.Number(3, label="n")
        text = gr.Textbox("hello", label="t")
        gr.Button("go").click(lambda n: str(n), number, text)
    return demo, number, text


def test_a_new_session_renders_no_configuration_until_one_is_read(monkeypatch) -> None:
    """A visitor's first request used to render every block's configuration on the event loop (about 45 ms for
    this app's ~800 blocks); now a block's is rendered when it is read."""
    from gradio import state_holder

    from app import demo

    gradio_fixes.apply()
    rendered = []
    real = demo.default_config.config_for_block
    counting = staticmethod(lambda *a: rendered.append(a[0]) or real(*a))
    monkeypatch.setattr(type(demo.default_config), "config_for_block", counting)
    session = state_holder.SessionState(demo)
    assert rendered == [] and len(session.config_values) == len(demo.blocks) > 500
    some = next(iter(demo.blocks))
    assert some in session.config_values and session.config_values[some]["id"] == some and rendered == [some]


def test_the_sessions_record_is_gradios_own_when_it_is_read() -> None:
    """What a deep link saves (every block's configuration, with the values events gave them) is what Gradio's
    eager record holds, entry for entry."""
    import copy

    from gradio import state_holder

    gradio_fixes.apply()
    demo, number, text = _demo()
    eager, lazy = state_holder.SessionState.__new__(state_holder.SessionState), state_holder.SessionState(demo)
    gradio_fixes._ORIGINAL_SESSION_INIT(eager, demo)
    assert isinstance(lazy.config_values, gradio_fixes.LazyConfigs)
    for session in (eager, lazy):  # what an event does with the values of its input and output
        session._update_value_in_config(number._id, 7)
        session[text._id] = copy.copy(text)
    assert dict(lazy.config_values.items()) == eager.config_values
    assert list(lazy.components) == [c for c in eager.components if c] != []
    assert lazy.config_values[number._id]["props"]["value"] == 7


def test_an_unchanging_image_is_encoded_once_for_every_visitor_and_forgotten_with_it(tmp_path, monkeypatch) -> None:
    import gc

    encoded, real = [], processing_utils.encode_pil_to_bytes
    monkeypatch.setattr(processing_utils, "encode_pil_to_bytes", lambda img, fmt: encoded.append(fmt) or real(img, fmt))
    kept, fresh, cache = picture(2), picture(3), str(tmp_path)
    result = gradio_fixes.unchanging((kept, "caption", [(kept, "a gallery pair")]))
    assert result[0] is kept
    paths = {gradio_fixes.save_pil_to_cache(kept, cache, format="png") for _ in range(5)}
    assert len(paths) == 1 and encoded == ["png"]  # five visitors, one encoding
    assert Path(gradio_fixes.save_pil_to_cache(kept, cache, format="webp")).suffix == ".webp"  # another format
    for _ in range(2):
        gradio_fixes.save_pil_to_cache(fresh, cache, format="png")  # not marked: encoded every time
    assert encoded == ["png", "webp", "png", "png"]
    Path(paths.pop()).unlink()  # Gradio's delete_cache removed the file: encoded again, served again
    again = gradio_fixes.save_pil_to_cache(kept, cache, format="png")
    assert Path(again).read_bytes()[:4] == b"\x89PNG" and len(encoded) == 5
    ident = id(kept)
    del kept, result
    gc.collect()
    assert ident not in gradio_fixes._UNCHANGING  # nothing kept for an image that is gone


def test_mcp_results_lose_their_state_values_only_where_they_have_them() -> None:
    import gradio as gr
    from gradio import mcp

    gradio_fixes.apply()
    components = [gr.Textbox(), gr.State(), gr.Textbox(), gr.State()]
    assert mcp.GradioMCPServer.pop_returned_state(components, ["a", "s1", "b", "s2"]) == ["a", "b"]
    # through gradio_client (a queued event) the states are already gone: one value, the tuple of the others
    assert mcp.GradioMCPServer.pop_returned_state(components, [("a", "b")]) == [("a", "b")]
