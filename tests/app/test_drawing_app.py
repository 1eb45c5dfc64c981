"""The 2-D lab's drawing canvas ("Use my drawing") as the browser sends it: through the queue with the composite
uploaded first. Its input goes through the same checks as every image input: a pixel count read from the header,
our messages in the reader's language, and no memory that stays."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from PIL import Image, ImageDraw

import app


def use_drawing_index() -> int:
    return next(i for i, fn in app.demo.fns.items() if getattr(fn.fn, "__name__", "") == "use_drawing")


def send(app_url: str, payload: bytes | None, name: str = "drawing.png", lang: str = "en-US") -> dict:
    """Upload ``payload`` as the canvas's composite (None: an empty canvas) and run the event: its last message."""
    headers = {"accept-language": lang}
    with httpx.Client(base_url=app_url, timeout=120, headers=headers) as h:
        composite = None
        if payload is not None:
            path = h.post("/gradio_api/upload", files={"files": (name, payload)}).json()[0]
            composite = {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}
        editor = {"background": None, "layers": [], "composite": composite, "id": None}
        session = f"drawing-{id(payload)}"
        join = {"data": [editor], "fn_index": use_drawing_index(), "session_hash": session}
        assert h.post("/gradio_api/queue/join", json=join).status_code == 200
        with h.stream("GET", f"/gradio_api/queue/data?session_hash={session}") as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return message
    raise AssertionError("no answer")


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def test_a_drawing_becomes_the_shape_and_a_blank_canvas_says_draw_first(app_url) -> None:
    drawing = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(drawing).ellipse((100, 100, 300, 300), outline=(0, 0, 0, 255), width=12)
    done = send(app_url, png(drawing))
    assert done["success"], done
    shape, name = done["output"]["data"]
    assert name == "shape" and Image.open(shape["path"]).size == (400, 400)
    for blank in (None, png(Image.new("RGBA", (400, 400), (0, 0, 0, 0)))):
        done = send(app_url, blank)
        assert not done["success"] and "Draw a shape on the canvas first (dark strokes)." in done["output"]["error"]
    done = send(app_url, None, lang="zh-CN")
    assert "请先在画布上画一个形状(深色笔画)。" in done["output"]["error"]


HOSTILE = {
    "bomb.png": png(Image.new("1", (10_000, 10_000))),  # 100 MP of one bit: a few kB
    "truncated.png": png(Image.new("RGB", (300, 300), "red"))[:400],
    "empty.png": b"",
    "text.png": b"just some text, not an image",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="40"/></svg>',
    "page.html": b"<html><body><img src=x onerror=alert(1)></body></html>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_on_the_canvas_get_our_message(app_url, name) -> None:
    """Gradio's own preprocessing answered these with an HTTP 500 and no message."""
    done = send(app_url, HOSTILE[name], name)
    error = done["output"]["error"]
    assert not done["success"] and error, done
    assert any(k in error for k in ("not an image", "too large", "damaged or truncated", "empty", "Draw a shape"))


def test_a_40_mp_16_bit_file_is_refused_from_its_header_and_memory_does_not_stay(app_url) -> None:
    """A 6,300 x 6,300 16-bit PNG of ~90 kB: refused before decoding (a drawing is at most 4 MP); ten of them leave
    the server's memory where it was (it grew by ~900 MB a request when Gradio decoded the canvas first)."""
    huge = png(Image.new("I;16", (6300, 6300)))
    assert len(huge) < 1_000_000
    first = send(app_url, huge, "huge.png")
    assert not first["success"] and "too large" in first["output"]["error"] and "4,000,000" in first["output"]["error"]
    before = rss_mb()
    for _ in range(10):
        assert not send(app_url, huge, "huge.png")["success"]
    assert rss_mb() - before < 100
