"""The live video streams segments written on its stream's clock as they are: the packets a player gets are the ones
Gradio's own probe-and-remux would give, and anything else still takes Gradio's way."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import numpy as np
import pytest
from gradio.components import video as gradio_video

from diffusion.render import segment_lengths, write_segments
from panels.components import LiveVideo

pytestmark = pytest.mark.skipif(not shutil.which("ffprobe"), reason="needs ffmpeg and ffprobe")

FPS = 60


def _film(n: int = 130) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [np.clip(rng.normal(2 * i, 30, (48, 64, 3)), 0, 255).astype(np.uint8) for i in range(n)]


def _segments(tmp_path: Path, tag: str, timeline_start: float) -> tuple[list[str], list[int]]:
    frames, names = _film(), (str(tmp_path / f"{tag}{i}.ts") for i in itertools.count())
    lengths = segment_lengths(len(frames))
    return list(write_segments(iter(frames), lambda _: next(names), (64, 48), lengths, FPS, timeline_start)), lengths


def _stream(video: LiveVideo, paths: list[str]) -> list[dict]:
    """The chunks a stream of these segments sends, as Gradio's stream_output makes them (one stream)."""
    output_id = f"test/{uuid.uuid4().hex}/0/playlist.m3u8"
    gradio_video._stream_states[output_id] = gradio_video._VideoStream()
    try:
        return [video._encode_chunk(output_id, p) for p in paths]
    finally:
        video.end_stream_output(output_id)


def _packets(data: bytes, tmp_path: Path) -> dict:
    """Each packet's timestamps and content hash, and the stream's description, as ffprobe reads them."""
    path = tmp_path / f"{uuid.uuid4().hex}.ts"
    path.write_bytes(data)
    entries = "packet=pts,dts,duration,flags,data_hash:stream=id,codec_name,width,height,pix_fmt,r_frame_rate"
    command = ["ffprobe", "-v", "error", "-show_data_hash", "md5", "-show_entries", entries, "-of", "json", str(path)]
    out = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    return {"packets": out["packets"], "streams": out["streams"]}


def test_placed_segments_go_out_as_written_with_the_packets_gradio_would_send(tmp_path: Path) -> None:
    video = LiveVideo()
    ours, lengths = _segments(tmp_path, "placed", LiveVideo.TIMELINE_START)
    theirs, _ = _segments(tmp_path, "plain", 0.0)  # the same film on its own clock: Gradio probes and remuxes it
    starts = np.cumsum([0, *lengths[:-1]]) / FPS
    fast = _stream(video, [LiveVideo.placed(p, s, n / FPS) for p, s, n in zip(ours, starts, lengths, strict=True)])
    slow = _stream(video, theirs)
    assert [c["duration"] for c in fast] == pytest.approx([c["duration"] for c in slow]) == [n / FPS for n in lengths]
    for f, s in zip(fast, slow, strict=True):
        assert _packets(f["data"], tmp_path) == _packets(s["data"], tmp_path)  # same frames at the same times
    # not remuxed: the bytes written, continuity counters renumbered to follow the previous segment's
    counters: dict[int, int] = {}
    assert [c["data"] for c in fast] == [gradio_video._continue_counters(Path(p).read_bytes(), counters) for p in ours]
    assert not LiveVideo._PLACED  # each registration used once


def test_segments_out_of_place_take_gradios_way(tmp_path: Path) -> None:
    """A segment registered at the wrong place on the stream (here: the second first) is probed and remuxed, so
    the player still gets a continuous film; so is one never registered."""
    video = LiveVideo()
    ours, lengths = _segments(tmp_path, "placed", LiveVideo.TIMELINE_START)
    LiveVideo.placed(ours[1], lengths[0] / FPS, lengths[1] / FPS)
    chunks = _stream(video, [ours[1], ours[0]])
    first = _packets(chunks[0]["data"], tmp_path)["packets"][0]
    assert int(first["pts"]) == round(LiveVideo.TIMELINE_START * 90_000)  # moved to the start of the stream
    assert chunks[0]["data"] != Path(ours[1]).read_bytes()
    LiveVideo._PLACED.clear()


def test_registrations_never_streamed_are_forgotten() -> None:
    for i in range(LiveVideo._KEEP + 10):
        LiveVideo.placed(f"/nowhere/{i}.ts", i, 1.0)
    assert len(LiveVideo._PLACED) == LiveVideo._KEEP and "/nowhere/0.ts" not in LiveVideo._PLACED
    LiveVideo._PLACED.clear()
