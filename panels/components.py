"""Gradio components of the app: plots encoded once with alt text, number fields built from a ``Limit``, an
image input that hands over the uploaded file unread, and a live video that streams segments without remuxing."""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, ClassVar

import gradio as gr
from gradio.components import video as gradio_video
from gradio.components.plot import PlotData
from PIL import Image

from diffusion import imaging
from diffusion.limits import Limit
from panels import priority
from panels.checks import CHECKS, Refused, refuse, translated
from panels.i18n import say


class _Template:
    """Mixin for a Gradio component subclass that the browser draws as its Gradio base class.

    The frontend picks its component by block name, and the config is read off ``__init__``'s signature:
    both come from the Gradio base class (ours take ``**kwargs``).
    """

    is_template = True

    def _gradio_base(self) -> type:
        return next(c for c in type(self).__mro__ if c.__module__.startswith("gradio."))

    def get_block_name(self) -> str:
        return self._gradio_base().__name__.lower()

    def get_config(self, cls: type | None = None) -> dict[str, Any]:
        return super().get_config(cls or self._gradio_base())  # type: ignore[misc]


_ENCODED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # figure -> its encoded PNG, while it lives
_ENCODE_LOCK = threading.Lock()
_DRAWING = threading.Lock()  # one figure drawn at a time (Plot.postprocess)


class DescribedPlotData(PlotData):
    """A matplotlib figure's PNG with its description: the browser's plot shows ``chart`` as its alt text."""

    chart: str


def describe_figure(figure: Any) -> str:
    """What a figure shows, for its alt text: its titles (or, without any, its axis labels), in the language they
    were drawn in."""
    parts = []
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    for ax in figure.get_axes():
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
        labels = " / ".join(t for t in (ax.get_ylabel(), ax.get_xlabel()) if t)
        if title or labels:
            parts.append(title or labels)
    unique = list(dict.fromkeys(p.replace("\n", " ") for p in parts))
    return " · ".join(unique[:6]) or "chart"


class Plot(gr.Plot):
    """A ``gr.Plot`` that encodes each figure once: a figure served again (from ``gr.cache`` or a default
    result) reuses its PNG instead of paying matplotlib's savefig again (about 0.25 s a figure on 2 cores).
    Each PNG carries the figure's description (``describe_figure``): the page shows it as the image's alt text.

    In the dark theme the page shows plots inverted (they are drawn black on white), except a plot of
    ``pictures`` (photographs, digits, heat maps: pixels whose values mean something): those keep their colours.
    A plot whose first figure shows an image is one.
    """

    def __init__(self, value: Any = None, pictures: bool | None = None, **kwargs: Any) -> None:
        if pictures is None:
            pictures = any(ax.images for ax in getattr(value, "get_axes", list)())
        if pictures:
            classes = kwargs.get("elem_classes") or []
            kwargs["elem_classes"] = [*([classes] if isinstance(classes, str) else classes), "pictures"]
        super().__init__(value, **kwargs)

    def get_config(self) -> dict[str, Any]:  # type: ignore[override]
        # the config is read off __init__'s signature: gr.Plot's (ours takes **kwargs), as gr.Plot's own does
        config = gr.components.Component.get_config(self, gr.Plot)
        config["bokeh_version"] = None
        return config

    def postprocess(self, value: Any) -> Any:
        try:
            with _ENCODE_LOCK:
                hit = _ENCODED.get(value)
        except TypeError:  # not weak-referenceable (None, a plotly dict, ...)
            return super().postprocess(value)
        if hit is not None:
            return hit
        # matplotlib holds the interpreter while it draws: figures drawn side by side all finish late (30 visitors
        # arriving together: 12 figures at once, 2-5 s each instead of 0.2 s); one after the other, the first
        # are done at once. A figure asked for again meanwhile (one remembered answer, many visitors) is drawn
        # once. Heavy events (low-priority threads) draw theirs beside: they must not hold up this line.
        # Heavy loops step aside while visitors' figures wait or are drawn (panels/priority.py).
        with priority.cheap_work(), contextlib.nullcontext() if priority.on_heavy_thread() else _DRAWING:
            with _ENCODE_LOCK:
                hit = _ENCODED.get(value)
            if hit is None:
                hit = super().postprocess(value)
                if isinstance(hit, PlotData) and hit.type == "matplotlib":
                    hit = DescribedPlotData(type=hit.type, plot=hit.plot, chart=describe_figure(value))
                with _ENCODE_LOCK:
                    _ENCODED[value] = hit
        return hit


class _RefusesChoice:
    """Mixin for a choice component: a value not among its choices is handed on as a ``checks.Refused`` (said at
    the field by the event's validator, ``checks.validate_every_event``). Gradio raises an error in preprocessing
    instead, which the validator's own run turns into a bare HTTP 400."""

    refuses = True

    def preprocess(self, payload: Any) -> Any:
        try:
            return super().preprocess(payload)  # type: ignore[misc]
        except gr.Error as exc:
            return Refused(translated(str(exc.message)))


class Radio(_RefusesChoice, gr.Radio):
    """A ``gr.Radio`` whose API schema gives its choices' own type. Gradio declares every radio a string, so an
    MCP client refused both 32 and "32" for a radio of sizes (32, 64, ...): numbers are declared as numbers."""

    def api_info(self) -> dict[str, Any]:
        info = super().api_info()
        values = [value for _, value in self.choices]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            info["type"] = "integer"
        elif values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            info["type"] = "number"
        return info


class Dropdown(_RefusesChoice, gr.Dropdown):
    """A ``gr.Dropdown`` whose refusals are said at the field (``_RefusesChoice``)."""


class _LimitedNumber(_Template):
    """A number field built from a ``Limit``: it offers the limit's range and checks every value sent with it,
    naming the field (Gradio's own check says "Value 5000 is greater than maximum value 4000." without saying which
    field, and a non-number fails with no message at all). A value it refuses is handed on as a ``checks.Refused``
    (quiet when the box is empty): the event's validator says it at the box and runs nothing
    (``checks.validate_every_event``); raising here would reach the page as a bare HTTP 400 instead."""

    limit: Limit
    refuses = True  # its events get a validator (checks.validate_every_event)

    def preprocess(self, payload: Any) -> Any:
        return refuse(self.limit, payload)


class Slider(_LimitedNumber, gr.Slider):
    """A ``gr.Slider`` over ``limit``'s range, starting at ``value``."""

    def __init__(self, limit: Limit, value: float, **kwargs: Any) -> None:
        self.limit = limit
        if limit.integer:
            kwargs.setdefault("step", 1)
        super().__init__(limit.lo, limit.hi, value, **kwargs)


class Number(_LimitedNumber, gr.Number):
    """A ``gr.Number`` over ``limit``'s range (whole numbers for a whole-number limit)."""

    def __init__(self, limit: Limit, value: float, **kwargs: Any) -> None:
        self.limit = limit
        precision = 0 if limit.integer else None
        super().__init__(value, minimum=limit.lo, maximum=limit.hi, precision=precision, **kwargs)


class ImageInput(_Template, gr.Image):
    """A ``gr.Image`` that hands the handler the uploaded file's path without decoding it.

    Gradio's own preprocessing decodes the image with PIL (before any pixel-count check, and with an
    unhelpful error for a non-image). Here the file (already inside Gradio's upload cache) is passed on
    as is, its header read: a file that is not an image, or is too large, is handed on as a ``checks.Refused``
    and said once at the box by the event's validator (four events of one upload used to raise four toasts).
    Handlers load it with ``diffusion.imaging``, which checks again and decodes it once per request.
    """

    refuses = True  # its events get a validator (checks.validate_every_event)

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("sources", ["upload", "clipboard"])  # no webcam: these panels want a picture file
        super().__init__(value, **kwargs)

    def preprocess(self, payload: Any) -> str | Refused | None:
        if payload is None:
            return None
        path = getattr(payload, "path", None)
        if not path:
            return Refused(say(CHECKS, "not_arrived"))
        if not in_upload_folder(str(path)):
            # Gradio already refuses payloads naming server files ("not uploaded by a user"); this keeps the
            # guarantee local to the code that opens the file, whatever a future Gradio does.
            return Refused(say(CHECKS, "not_uploaded"))
        try:
            imaging.open_header(str(path))
        except ValueError as exc:
            return Refused(translated(str(exc)))
        return str(path)


class DrawingInput(gr.Sketchpad):
    """A ``gr.Sketchpad`` that hands the handler its composite undecoded: an uploaded file's path, or the bytes the
    browser sent, or None for an empty canvas.

    Gradio's own preprocessing decodes every layer with PIL before any check (a 40 MP 16-bit PNG of 88 kB cost
    ~900 MB that stayed; a bomb, a truncated file or text gave an HTTP 500 with no message). The handler opens
    the composite with ``diffusion.imaging``, which checks the pixel count from the header first.
    """

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        if value is None:
            # a white sheet to draw on: a canvas with a background opens with the brush picked (an empty one opens
            # with the image tool, and draws nothing until the visitor finds the brush)
            size = kwargs.get("canvas_size") or (400, 400)
            value = {"background": Image.new("RGB", tuple(size), "white"), "layers": [], "composite": None}
        super().__init__(value, **kwargs)

    def get_block_name(self) -> str:  # drawn by the browser as the Sketchpad it is
        return "imageeditor"

    def get_config(self, cls: type | None = None) -> dict[str, Any]:
        return super().get_config(cls or gr.Sketchpad)

    def preprocess(self, payload: Any) -> str | bytes | None:
        if payload is None:
            return None
        if payload.id is not None:  # sent as blobs beside the event (accept_blobs): only the composite is read
            blobs = self.blob_storage.pop(payload.id, None)
            return blobs.composite if blobs is not None else None
        composite = payload.composite
        path = getattr(composite, "path", None)
        if not path:
            return None
        if not in_upload_folder(str(path)):
            raise gr.Error(say(CHECKS, "not_uploaded"))
        return str(path)


class LiveVideo(_Template, gr.Video):
    """A streaming ``gr.Video`` whose segments, written already where Gradio's stream places them, go out as is.

    Gradio probes every streamed segment (ffprobe) and remuxes it (ffmpeg) to put it on the stream's clock, which
    starts at ``TIMELINE_START``: two processes and about 0.2 s of a 2-core machine a segment, taken from the film
    being rendered beside them. A segment registered with ``placed`` (H.264 MPEG-TS without audio, written to
    start at ``TIMELINE_START`` + ``start``; ``diffusion.render.write_segments`` with ``timeline_start``) skips
    both: only its packets' continuity counters are renumbered, as Gradio does. The stream's packets are the
    same either way (tests/app/test_live_video.py). Any other segment, or one out of order, takes Gradio's way.
    """

    TIMELINE_START = gradio_video.STREAM_PTS_BASE
    _PLACED: ClassVar[OrderedDict[str, tuple[float, float]]] = OrderedDict()  # path -> (start, duration) in seconds
    _KEEP = 256  # registrations never streamed (an abandoned film) are forgotten after this many others

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        super().__init__(value, streaming=True, **kwargs)

    @classmethod
    def placed(cls, path: str, start: float, duration: float) -> str:
        """Register a segment written to play from ``start`` for ``duration`` seconds of its film; returns ``path``
        (to yield to this component)."""
        cls._PLACED[path] = (start, duration)
        while len(cls._PLACED) > cls._KEEP:
            cls._PLACED.popitem(last=False)
        return path

    def _encode_chunk(self, output_id: str, path: str) -> Any:
        entry = self._PLACED.pop(path, None)
        state = gradio_video._stream_states.get(output_id)
        if entry is None or state is None or state.slot.encoder is not None or abs(state.video_time - entry[0]) > 1e-6:
            return super()._encode_chunk(output_id, path)
        data = gradio_video._continue_counters(Path(path).read_bytes(), state.counters)
        state.video_time += entry[1]
        return {"data": data, "duration": entry[1], "extension": ".ts"}


def _in(root: str, path: str) -> bool:
    root, path = os.path.realpath(root), os.path.realpath(path)
    return os.path.commonpath([root, path]) == root


def in_upload_folder(path: str) -> bool:
    """Whether ``path`` (symlinks resolved) is inside Gradio's upload cache (GRADIO_TEMP_DIR)."""
    from gradio.utils import get_upload_folder

    return _in(get_upload_folder(), path)
