"""Headless pygame rendering of the particle simulation into RGB frames, and MP4/GIF encoding.

pygame runs with the dummy video driver and no audio: it never opens a window. The temperature background is
drawn once (one pygame line per column, as in the post) and blitted each frame. Particles are stamped straight
into the surface's pixels through ``pygame.surfarray`` (one numpy scatter per stamp offset for all particles),
which is what makes tens of thousands of particles per frame affordable. Trail points are white alpha-blended
over the background, which the post intended but its opaque surface ignored (quirk 6 in docs/architecture.md).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
# pygame's display init installs SIGINT/SIGTERM handlers that swallow the signal: a Space restart (SIGTERM) or
# Ctrl-C would then have to kill the app. Without them the server stops normally.
os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import pygame

from diffusion.particles import ParticleParams, ParticleSystem, coarse_entropy

HEAD_RADIUS = 3  # the post draws each particle as a circle of radius 3
TRAIL_ALPHAS = (50, 90, 130, 170)  # the post's 50 + 40 i, for the 4 trail points before the head


def _disk(radius: int) -> np.ndarray:
    """(k, 2) integer offsets (dx, dy) of the pixels of a filled disk."""
    r = np.arange(-radius, radius + 1)
    dx, dy = np.meshgrid(r, r)
    keep = dx**2 + dy**2 <= radius**2
    return np.stack([dx[keep], dy[keep]], 1)


def _stamp_offsets(disk: np.ndarray, stride: int) -> np.ndarray:
    """Disk offsets (dx, dy) -> flat offsets in a padded canvas indexed [x, y] with column length ``stride``."""
    return (disk[:, 0] * stride + disk[:, 1]).astype(np.int32)


def _pack(shifts: tuple[int, ...], rgb: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 colours -> 32-bit pixel values of a surface with these channel shifts."""
    rgb = rgb.astype(np.uint32)
    return (rgb[:, 0] << shifts[0]) | (rgb[:, 1] << shifts[1]) | (rgb[:, 2] << shifts[2])


INK_WATER = (18, 26, 40)  # the ink drop's background: dark blue-grey water
INK_COLOUR = (120, 180, 235)  # and its ink: a soft light blue (its trails fade towards white)


class Renderer:
    """Draws a ``ParticleSystem`` onto a pygame Surface of the box's size and returns (H, W, 3) uint8 frames.

    Particles are stamped into a padded numpy copy of the surface's 32-bit pixels (padding = the stamp radius,
    so stamps at the walls need no clipping), then the canvas is blitted back into the pygame Surface.
    """

    def __init__(self, params: ParticleParams) -> None:
        pygame.display.init()  # the dummy driver: no window, but Surfaces work
        self.w, self.h = int(params.width), int(params.height)
        self.params = params
        self.surface = pygame.Surface((self.w, self.h), depth=32)
        self.shifts = self.surface.get_shifts()[:3]
        self.pad = HEAD_RADIUS
        self.background = self._background()
        self.stride = self.h + 2 * self.pad  # canvas is (W + 2 pad, H + 2 pad), indexed [x, y]
        self.head = self._offsets(_disk(HEAD_RADIUS))
        self.trail_stamps = [self._offsets(_disk(i // 2)) for i in range(len(TRAIL_ALPHAS))]
        # Trail point i is white at alpha_i over the background: precompute each blended background once, so a
        # frame only copies pixels from it (a newer trail point covers an older one rather than adding to it).
        bg_bytes = self.background.view(np.uint8)
        self.trail_backgrounds = [_blend_lut(a / 255)[bg_bytes].view(np.uint32).reshape(-1) for a in TRAIL_ALPHAS]

    def _offsets(self, disk: np.ndarray) -> np.ndarray:
        return _stamp_offsets(disk, self.stride)

    def _background(self) -> np.ndarray:
        """The post's gradient, drawn with pygame (one line per column), as a padded uint32 canvas.

        The ink drop has one temperature everywhere: a gradient colour would fill the box with one saturated
        red, so it gets a calm, dark "water" instead (its particles are ink, not a thermometer).
        """
        if self.params.scenario == "ink":
            self.surface.fill(INK_WATER)
        else:
            temps = self.params.temperature(np.arange(self.w, dtype=np.float64))
            for x, temp in enumerate(temps):
                pygame.draw.line(self.surface, _temp_color(temp, green=0), (x, 0), (x, self.h - 1))
        pixels = pygame.surfarray.array2d(self.surface).astype(np.uint32)
        return np.pad(pixels, self.pad, mode="edge")

    def pack(self, rgb: np.ndarray) -> np.ndarray:
        """(N, 3) uint8 colours -> the surface's 32-bit pixel values."""
        return _pack(self.shifts, rgb)

    def draw(self, system: ParticleSystem) -> np.ndarray:
        """Render the current state: (H, W, 3) uint8 RGB frame."""
        canvas = self.background.copy()
        flat = canvas.reshape(-1)
        trails = system.trails()
        for i, blended in enumerate(self.trail_backgrounds):  # oldest first, so newer points cover older ones
            idx = self._indices(trails[i], self.trail_stamps[i])
            flat[idx] = blended[idx]
        flat[self._indices(system.pos, self.head)] = self.pack(self._colours(system.pos))[:, None]
        pygame.surfarray.blit_array(self.surface, canvas[self.pad : -self.pad, self.pad : -self.pad])
        # tobytes walks the surface row by row in C: already (H, W, 3), no strided numpy transpose.
        return np.frombuffer(pygame.image.tobytes(self.surface, "RGB"), np.uint8).reshape(self.h, self.w, 3)

    def _colours(self, pos: np.ndarray) -> np.ndarray:
        """(N, 3) particle colours: by temperature (255 T, 150, 255 (1 - T)), or the one ink colour."""
        if self.params.scenario == "ink":
            return np.broadcast_to(np.array(INK_COLOUR, dtype=np.float64), (len(pos), 3))
        temps = self.params.temperature(pos[:, 0])
        return np.stack([255 * temps, np.full_like(temps, 150), 255 * (1 - temps)], 1).clip(0, 255)

    def _indices(self, pos: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Flat canvas indices of every stamp pixel of every particle, (N, K) int32 (the canvas is < 2^31)."""
        xi = np.rint(pos[:, 0]).astype(np.int32).clip(0, self.w - 1) + self.pad
        yi = np.rint(pos[:, 1]).astype(np.int32).clip(0, self.h - 1) + self.pad
        return (xi * np.int32(self.stride) + yi)[:, None] + offsets[None, :]


@functools.lru_cache(maxsize=16)
def _blend_lut(alpha: float) -> np.ndarray:
    c = np.arange(256, dtype=np.float64)
    return (c + np.floor((255 - c) * alpha)).astype(np.uint8)


def _temp_color(temp: float, green: int) -> tuple[int, int, int]:
    t = min(max(float(temp), 0.0), 1.0)
    return int(255 * t), green, int(255 * (1 - t))


# One encoder thread: a film is encoded on one core while it renders on the other. x264 "ultrafast" at quality 29,
# with the deblocking filter that ultrafast drops turned back on ("deblock=0,0"; without it crowded particles look
# blocky): the 5 s default film (60 fps, 800 x 600, every pixel of the trails moving) encodes with 1.75 s of CPU
# instead of 2.4 s ("superfast" at 28) and decodes with 0.52 s instead of 0.94 (the visitor's browser; on this
# benchmark's machine the same 2 cores), at 11.0 MB instead of 8.9 and 22.2 dB instead of 22.4 against the rendered
# frames (bench/README.md). "veryfast" at 23, before: 3.4 s and 12.8 MB.
_H264 = ["-preset", "ultrafast", "-x264-params", "deblock=0,0", "-crf", "29", "-threads", "1"]


def write_mp4(frames, path: str, fps: int = 60) -> str:
    """Encode (H, W, 3) uint8 frames as browser-playable H.264 (yuv420p) with imageio-ffmpeg's ffmpeg."""
    import imageio.v2 as imageio

    writer = imageio.get_writer(
        path,
        fps=fps,
        codec="libx264",
        pixelformat="yuv420p",
        macro_block_size=2,
        output_params=[*_H264, "-movflags", "+faststart"],
    )
    try:
        for frame in frames:
            writer.append_data(frame)
    finally:
        writer.close()
    return path


def segment_lengths(total: int, first: int = 6, every: int = 60, least: int = 15) -> list[int]:
    """How ``write_segments`` cuts a film of ``total`` frames: ``first`` frames, then ``every`` frames each, a short
    tail (under ``least`` frames, which players and ffprobe may fail to read) joined to the segment before it."""
    lengths = [min(first, total)] if total > 0 else []
    while sum(lengths) < total:
        lengths.append(min(every, total - sum(lengths)))
    if len(lengths) > 1 and lengths[-1] < least:
        lengths[-2:] = [lengths[-2] + lengths[-1]]
    return lengths


def write_segments(
    frames: Iterator[np.ndarray],
    path_of: Callable[[str], str],
    size: tuple[int, int],
    lengths: list[int],
    fps: int = 60,
    timeline_start: float = 0.0,
) -> Iterator[str]:
    """Encode (H, W, 3) uint8 frames of ``size`` (W, H) as consecutive H.264 MPEG-TS segments of ``lengths`` frames
    (``segment_lengths``), yielding each segment's path (from ``path_of(".ts")``) as soon as it is written: a
    player can start on the first while the rest still renders. Each segment carries its place on the film's
    timeline (no B-frames, so none starts late), so ``join_segments`` makes them one film without re-encoding;
    the film's first frame is shown at ``timeline_start`` seconds (a player's stream may start its clock later
    than zero: placed there already, a segment can go out as it is).
    The encoder of each segment is started before its first frame is asked for: its start-up (a fifth of a
    second) overlaps the simulation instead of delaying the picture."""
    import imageio_ffmpeg

    frames = iter(frames)
    start = 0
    for length in lengths:
        path = path_of(".ts")
        offset = f"{timeline_start + start / fps:.6f}"
        params = [*_H264, "-bf", "0", "-output_ts_offset", offset, "-muxdelay", "0", "-muxpreload", "0"]
        writer = imageio_ffmpeg.write_frames(
            path, size, fps=fps, codec="libx264", pix_fmt_out="yuv420p", macro_block_size=2,
            output_params=[*params, "-f", "mpegts"],
        )  # fmt: skip
        writer.send(None)  # starts ffmpeg
        for _ in range(length):
            writer.send(np.ascontiguousarray(next(frames)))
        writer.close()
        start += length
        yield path
    next(frames, None)  # the frames end here: their source (e.g. ``film``) gets to finish its record


def join_segments(paths: list[str], path: str) -> str:
    """The segments of ``write_segments`` as one MP4 film (streams copied, not re-encoded)."""
    import subprocess

    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", "concat:" + "|".join(paths)]
    command += ["-c", "copy", "-movflags", "+faststart", path]
    subprocess.run(command, check=True, capture_output=True)
    return path


def write_gif(frames: list[np.ndarray], path: str, fps: int = 20, scale: int = 2) -> str:
    """A looping GIF (downscaled by ``scale``: GIFs of full-size 60 fps video are huge)."""
    from PIL import Image

    images = [Image.fromarray(f[::scale, ::scale]) for f in frames]
    palette = images[len(images) // 2].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return path


class CloudRenderer:
    """Draws a 2-D point cloud as particles, like ``Renderer``: the same disk stamps, the same white trails and the
    same temperature colours (red = hot = noisy, blue = cold = clean), with an optional vector field (arrows)
    underneath. World coordinates in [-extent, extent]^2 map to a square ``size`` x ``size`` frame, y up.
    """

    def __init__(self, size: int = 480, extent: float = 3.0) -> None:
        pygame.display.init()
        self.size, self.extent = int(size), float(extent)
        self.surface = pygame.Surface((self.size, self.size), depth=32)
        self.shifts = self.surface.get_shifts()[:3]
        self.pad = HEAD_RADIUS
        self.stride = self.size + 2 * self.pad
        self.head = _stamp_offsets(_disk(2), self.stride)
        self.trail = _stamp_offsets(_disk(1), self.stride)

    def to_pixels(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) world coordinates -> (N, 2) float pixel coordinates (x right, y down)."""
        scale = (self.size - 1) / (2 * self.extent)
        return np.stack([(points[:, 0] + self.extent) * scale, (self.extent - points[:, 1]) * scale], 1)

    def draw(
        self,
        points: np.ndarray,
        temp: float,
        trails: list[np.ndarray] = (),
        arrows: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """One (size, size, 3) uint8 frame.

        Args:
            points: (N, 2) positions now; ``trails``: earlier positions, oldest first (each (N, 2)).
            temp: 0 (cold, blue) .. 1 (hot, red): the colour of every particle.
            arrows: (origins (K, 2), vectors (K, 2)) in world units, drawn as grey arrows under the particles.
        """
        self.surface.fill((18, 18, 28))
        c = (self.size - 1) / 2
        pygame.draw.line(self.surface, (45, 45, 60), (0, c), (self.size, c))
        pygame.draw.line(self.surface, (45, 45, 60), (c, 0), (c, self.size))
        if arrows is not None:
            start, vec = self.to_pixels(arrows[0]), arrows[1] * (self.size - 1) / (2 * self.extent)
            for (x, y), (dx, dy) in zip(start, vec, strict=True):
                end = (x + dx, y - dy)
                pygame.draw.line(self.surface, (110, 110, 130), (x, y), end)
                pygame.draw.circle(self.surface, (150, 150, 175), end, 1)
        canvas = np.pad(pygame.surfarray.array2d(self.surface).astype(np.uint32), self.pad, mode="edge")
        flat = canvas.reshape(-1)
        for i, old in enumerate(trails):
            grey = np.uint32(60 + 150 * (i + 1) // (len(trails) + 1))
            flat[self._indices(old, self.trail)] = _pack(self.shifts, np.array([[grey, grey, grey]]))[0]
        rgb = np.array([[255 * temp, 150, 255 * (1 - temp)]]).clip(0, 255)
        flat[self._indices(points, self.head)] = _pack(self.shifts, rgb)[0]
        pygame.surfarray.blit_array(self.surface, canvas[self.pad : -self.pad, self.pad : -self.pad])
        return np.frombuffer(pygame.image.tobytes(self.surface, "RGB"), np.uint8).reshape(self.size, self.size, 3)

    def _indices(self, points: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        px = self.to_pixels(np.asarray(points, dtype=np.float64))
        inside = np.isfinite(px).all(1) & (px >= 0).all(1) & (px <= self.size - 1).all(1)  # off-frame: not drawn
        xi = np.rint(px[inside, 0]).astype(np.int32) + self.pad
        yi = np.rint(px[inside, 1]).astype(np.int32) + self.pad
        return ((xi * np.int32(self.stride) + yi)[:, None] + offsets[None, :]).reshape(-1)


@dataclass
class FilmRecord:
    """What a film of the particle system measured, frame by frame (filled while its frames are rendered).

    Attributes:
        entropy: coarse-grained entropy (nats) of each filmed frame (``coarse_entropy`` over ``cells``).
        flux: particles re-injected at each filmed frame (the driven box's current; 0 for the ink drop).
        gif: half-size frames kept for a GIF (every ``gif_every``-th, at most ``gif_max``), or None for no GIF.
        x: (N,) final x positions, once the film is done.
    """

    cells: tuple[int, int] = (40, 30)
    gif: list[np.ndarray] | None = None
    gif_every: int = 3
    gif_max: int = 200
    entropy: list[float] = field(default_factory=list)
    flux: list[int] = field(default_factory=list)
    x: np.ndarray | None = None

    @property
    def max_entropy(self) -> float:
        """log(number of cells): the entropy of particles spread evenly over the box."""
        return math.log(self.cells[0] * self.cells[1])

    def steady_flux(self) -> float:
        """Mean re-injections per frame over the last quarter of the film (the driven box's steady current)."""
        tail = max(1, len(self.flux) // 4)
        return float(np.mean(self.flux[-tail:]))


def film(
    params: ParticleParams,
    n: int,
    n_frames: int,
    seed: int,
    record: FilmRecord,
    skip: int = 0,
    on_frame: Callable[[str, int, int], None] | None = None,
) -> Iterator[np.ndarray]:
    """Simulate ``n`` particles and yield ``n_frames`` rendered (H, W, 3) frames one at a time (streamed to the
    encoder, never all in memory), measuring each into ``record``. The first ``skip`` frames are simulated but not
    filmed (to start from the driven box's steady state). ``on_frame(phase, done, total)`` ("skip" or "film") is
    called every frame: the caller's progress bar and its chance to let other work run."""
    system = ParticleSystem(params, n, np.random.default_rng(seed))
    for frame in range(skip):
        system.step()
        if on_frame is not None:
            on_frame("skip", frame, skip)
    renderer = Renderer(params)
    for frame in range(n_frames):
        system.step()
        image = renderer.draw(system)
        record.entropy.append(coarse_entropy(system.pos, params.width, params.height, record.cells))
        record.flux.append(system.reinjected)
        if record.gif is not None and frame % record.gif_every == 0 and len(record.gif) < record.gif_max:
            record.gif.append(image[::2, ::2].copy())  # half size: GIFs of full frames are huge
        if on_frame is not None:
            on_frame("film", frame, n_frames)
        yield image
    record.x = system.pos[:, 0].copy()
