"""The headless pygame renderer and the MP4/GIF encoders."""

from __future__ import annotations

import numpy as np
from PIL import Image

from diffusion.particles import ParticleParams, ParticleSystem
from diffusion.render import Renderer, write_gif, write_mp4


def test_frames_have_the_right_size_and_the_posts_background() -> None:
    p = ParticleParams()
    system = ParticleSystem(p, 1, np.random.default_rng(0))
    system.pos[:] = [[100.0, 300.0]]
    system.trail[:] = system.pos
    frame = Renderer(p).draw(system)
    assert frame.shape == (600, 800, 3) and frame.dtype == np.uint8
    # Column x has colour (255 T, 0, 255 (1 - T)) with T = 1 - 0.8 x / 800, truncated like the post's int().
    for x in (0, 400, 799):
        temp = 1 - 0.8 * x / 800
        assert tuple(frame[10, x]) == (int(255 * temp), 0, int(255 * (1 - temp)))
    # The particle: coloured by its temperature (255 T, 150, 255 (1 - T)) at its centre.
    temp = 1 - 0.8 * 100 / 800
    assert tuple(frame[300, 100]) == (int(255 * temp), 150, int(255 * (1 - temp)))


def test_the_ink_drop_is_ink_on_dark_water_not_one_saturated_temperature() -> None:
    from diffusion.render import INK_COLOUR, INK_WATER

    p = ParticleParams(scenario="ink")
    system = ParticleSystem(p, 1, np.random.default_rng(0))
    system.pos[:] = [[100.0, 300.0]]
    system.trail[:] = system.pos
    frame = Renderer(p).draw(system)
    assert tuple(frame[10, 10]) == INK_WATER and tuple(frame[10, 790]) == INK_WATER
    assert tuple(frame[300, 100]) == INK_COLOUR


def test_trails_are_alpha_blended_white() -> None:
    p = ParticleParams()
    system = ParticleSystem(p, 1, np.random.default_rng(0))
    system.pos[:] = [[500.0, 100.0]]
    system.trail[:] = [[[200.0, 100.0]]] * 5
    system.trail[-1] = system.pos
    frame = Renderer(p).draw(system).astype(int)
    temp = 1 - 0.8 * 200 / 800
    bg = np.array([int(255 * temp), 0, int(255 * (1 - temp))])
    # Four stacked trail points at alpha 50, 90, 130, 170 (/255): the newest, white at 170/255 over the
    # background, is on top (the post meant translucent white dots; its opaque surface drew them solid).
    expected = bg + np.floor((255 - bg) * 170 / 255)
    np.testing.assert_array_equal(frame[100, 200], expected.astype(int))
    assert tuple(frame[100, 200]) != (255, 255, 255) and frame[100, 200].sum() > bg.sum()


def test_same_seed_same_frames() -> None:
    frames = []
    for seed in (1, 1, 2):
        p = ParticleParams()
        system, renderer = ParticleSystem(p, 300, np.random.default_rng(seed)), Renderer(p)
        for _ in range(5):
            system.step()
        frames.append(renderer.draw(system))
    assert np.array_equal(frames[0], frames[1]) and not np.array_equal(frames[0], frames[2])


def test_mp4_and_gif_decode_to_the_expected_frame_count(tmp_path) -> None:
    import imageio.v3 as iio

    p = ParticleParams(width=160, height=120)
    system, renderer = ParticleSystem(p, 200, np.random.default_rng(3)), Renderer(p)
    frames = []
    for _ in range(24):
        system.step()
        frames.append(renderer.draw(system))
    mp4 = write_mp4(frames, str(tmp_path / "a.mp4"), fps=24)
    decoded = list(iio.imiter(mp4, plugin="FFMPEG"))
    assert len(decoded) == 24 and decoded[0].shape == (120, 160, 3)
    meta = iio.immeta(mp4, plugin="FFMPEG")
    assert meta["codec"] == "h264" and meta["pix_fmt"].startswith("yuv420p")  # what browsers play
    gif = write_gif(frames, str(tmp_path / "a.gif"), fps=12)
    assert Image.open(gif).n_frames == 24 and Image.open(gif).size == (80, 60)


def test_a_film_measures_every_frame_it_renders() -> None:
    """``film`` yields the frames the renderer draws for the seeded system, after the skipped ones, and records each
    frame's entropy and re-injections as an independent run of the same system measures them."""
    from diffusion.particles import coarse_entropy
    from diffusion.render import FilmRecord, film

    p = ParticleParams()
    record = FilmRecord((10, 8), gif=[], gif_every=2, gif_max=3)
    calls: list[tuple[str, int, int]] = []
    frames = list(film(p, 300, 7, 5, record, skip=4, on_frame=lambda *a: calls.append(a)))
    system, renderer = ParticleSystem(p, 300, np.random.default_rng(5)), Renderer(p)
    for _ in range(4):
        system.step()
    entropy, flux = [], []
    for i in range(7):
        system.step()
        np.testing.assert_array_equal(frames[i], renderer.draw(system))
        entropy.append(coarse_entropy(system.pos, p.width, p.height, (10, 8)))
        flux.append(system.reinjected)
    assert record.entropy == entropy and record.flux == flux
    np.testing.assert_array_equal(record.x, system.pos[:, 0])
    assert len(record.gif) == 3 and record.gif[0].shape == (300, 400, 3)  # every 2nd frame, at most 3, half size
    assert [c[0] for c in calls] == ["skip"] * 4 + ["film"] * 7 and calls[-1] == ("film", 6, 7)
    assert record.max_entropy == np.log(80)
    assert record.steady_flux() == np.mean(flux[-1:])  # the last quarter of 7 frames: one frame


def test_segments_stream_a_film_and_join_into_it_frame_for_frame(tmp_path) -> None:
    """The streamed segments (6 frames, then 60 each, a short tail joined to the one before) are each readable
    alone (as the player and Gradio's ffprobe read them) and carry their place on the film's timeline: joined
    without re-encoding they are the whole film, every frame once, at 60 fps."""
    import itertools

    import imageio.v3 as iio

    from diffusion.render import join_segments, segment_lengths, write_segments

    assert segment_lengths(300) == [6, 60, 60, 60, 60, 54] and segment_lengths(70) == [6, 64]
    assert segment_lengths(4) == [4] and segment_lengths(0) == [] and sum(segment_lengths(1201)) == 1201
    names = (str(tmp_path / f"{i}.ts") for i in itertools.count())
    rng = np.random.default_rng(0)
    for n in (70, 130):
        frames = [np.clip(rng.normal(3 * i, 20, (48, 64, 3)), 0, 255).astype(np.uint8) for i in range(n)]
        lengths = segment_lengths(n)
        paths = list(write_segments(iter(frames), lambda suffix: next(names), (64, 48), lengths, fps=60))
        assert [_frames(p) for p in paths] == lengths
        film = join_segments(paths, str(tmp_path / f"film{n}.mp4"))
        shown = [float(f.mean()) for f in iio.imiter(film, plugin="FFMPEG")]
        assert len(shown) == n and iio.immeta(film, plugin="FFMPEG")["fps"] == 60
        assert np.allclose(shown, [f.mean() for f in frames], atol=2)  # each frame in its place


def _frames(path: str) -> int:
    """Frames in an MPEG-TS segment, counted by ffprobe (as a player sees them)."""
    import subprocess

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", path],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(out.split()[0])
