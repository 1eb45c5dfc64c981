"""Thermodynamics panel: the post's particle simulation, rendered headless with pygame, beside its physics.

Endpoint (``gradio_client``):
- ``/thermo_run(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_seconds)`` ->
  (MP4 path, GIF path or None, density plot, entropy/flux plot, Markdown). ``scenario`` is "driven" (the post's
  hot/cold box) or "ink" (an ink drop at uniform temperature); ``skip_seconds`` are simulated before filming
  (the driven box needs ~40 s to reach its steady state).
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
import numpy as np

from diffusion import fokker_planck, limits
from diffusion.limits import FPS
from diffusion.particles import SCENARIOS, ParticleParams
from diffusion.render import FilmRecord, film, join_segments, segment_lengths, write_gif, write_mp4, write_segments
from panels import common
from panels.common import Number, PanelContext, Plot, Slider, make_translator, output_path, user_errors
from panels.components import LiveVideo
from panels.priority import step_aside
from panels.thermodynamics_plots import density_figure, entropy_figure
from panels.thermodynamics_strings import STRINGS

t = make_translator(STRINGS)

GIF_FPS, GIF_MAX_FRAMES = 20, 200
# Gradio streams a video (HLS) with the system's ffmpeg and ffprobe; without them the film arrives whole.
# DIFFUSION_STREAM_FILMS=0 turns it off: the film then arrives whole, its first picture as late as its last.
STREAMING = bool(shutil.which("ffmpeg") and shutil.which("ffprobe")) and os.environ.get("DIFFUSION_STREAM_FILMS") != "0"
SEGMENT_FRAMES = 60  # a streamed segment per second of film after the first tenth
ENTROPY_CELLS = (40, 30)


def _progress(progress: Any) -> Any:
    """The film's ``on_frame``: the progress bar every 30 frames (200 while skipping), a pause for cheap requests
    every 5 filmed frames."""

    def on_frame(phase: str, done: int, total: int) -> None:
        if phase == "skip":
            if done % 200 == 0:
                progress(done / max(total, 1), desc=common.say(STRINGS, "thermo.p_skip"))
            return
        if done % 30 == 0:
            progress((done + 1) / total, desc=common.say(STRINGS, "thermo.p_film"))
        if done % 5 == 0:
            step_aside()

    return on_frame


def _frames(scenario: Any, particles: int, seconds: float, skip_s: float) -> tuple[int, int]:
    """(frames filmed, frames skipped) of a request, or a gr.Error when it is more work than a request may do."""
    if scenario not in SCENARIOS:
        raise gr.Error(common.say(STRINGS, "thermo.err_scenario", names=", ".join(SCENARIOS), got=scenario))
    n_frames = round(seconds * FPS)
    if particles * n_frames > limits.FILM_WORK:
        work = particles * n_frames
        raise gr.Error(
            common.say(STRINGS, "thermo.err_work", cap=limits.FILM_WORK, n=particles, frames=n_frames, work=work)
        )
    # the ink drop is filmed from the moment it is let go (skipping ahead would show it already mixed); only the
    # driven box skips to its steady state
    skip = round(skip_s * FPS) if scenario == "driven" else 0
    if particles * skip > limits.SKIP_WORK:
        raise gr.Error(common.say(STRINGS, "thermo.err_skip", cap=limits.SKIP_WORK, n=particles, skip=skip))
    return n_frames, skip


@dataclass
class Film:
    """A requested film, ready to render: its frames (a generator), what they measure, and its settings."""

    params: ParticleParams
    particles: int
    n_frames: int
    skip: int
    frames: Iterator[np.ndarray]
    record: FilmRecord
    t0: float


def _checked(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, skip_s) -> tuple:
    """(parameters, frames filmed, frames skipped) of a request, or the gr.Error that refuses it."""
    n_frames, skip = _frames(scenario, particles, seconds, skip_s)
    with user_errors():
        params = ParticleParams(
            left_temp=left_temp, right_temp=right_temp, drift_coeff=drift, diffusion_base=diffusion,
            scenario=scenario, ink_temp=left_temp,
        )  # fmt: skip
    return params, n_frames, skip


def _film(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_s, progress) -> Film:
    params, n_frames, skip = _checked(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, skip_s)
    record = FilmRecord(ENTROPY_CELLS, [] if gif is True else None, max(1, FPS // GIF_FPS), GIF_MAX_FRAMES)
    frames = film(params, particles, n_frames, seed, record, skip, _progress(progress))
    return Film(params, particles, n_frames, skip, frames, record, time.perf_counter())


def _results(job: Film) -> tuple:
    """(GIF path or None, density plot, entropy plot, numbers) of a rendered film."""
    elapsed, record, params = time.perf_counter() - job.t0, job.record, job.params
    gif_path = write_gif(record.gif, output_path(".gif"), fps=GIF_FPS, scale=1) if record.gif else None
    n_frames = len(record.entropy)
    recorded = np.linspace(job.skip, job.skip + n_frames, min(n_frames, 200) + 1).round().astype(int)
    sol = fokker_planck.solve(params, np.unique(np.concatenate([[0], recorded])), cells=190)
    entropies, fluxes = np.array(record.entropy), np.array(record.flux)
    figure = entropy_figure(entropies, fluxes, sol, job.particles, ENTROPY_CELLS, FPS, job.skip, params.scenario)
    text = summary(params, job.particles, record, sol, elapsed)
    return gif_path, density_figure(record.x, sol, params), figure, text


def run(
    scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_s, progress=gr.Progress()
):
    """Handler for /thermo_run: the film (MP4, optional GIF), its density and entropy plots, its numbers."""
    job = _film(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_s, progress)
    mp4 = write_mp4(job.frames, output_path(".mp4"), FPS)
    return (mp4, *_results(job))


def go_live(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_s) -> tuple:
    """Before a streamed film: check the request (a refused one leaves the last film in place), then show the
    empty live video in place of the last film."""
    _checked(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, skip_s)
    return gr.Video(value=None, visible=True), gr.Video(visible=False)


def run_streamed(
    scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_s, progress=gr.Progress()
):
    """The page's button: the film streamed (its first tenth of a second plays while the rest renders), then, like
    /thermo_run, the whole film (to loop and download), the GIF, the plots and the numbers."""
    job = _film(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_s, progress)
    segments: list[str] = []
    size = (int(job.params.width), int(job.params.height))
    lengths = segment_lengths(job.n_frames, every=SEGMENT_FRAMES)
    # written where the live video's stream plays them: they go out as they are (no probe, no remux)
    written = write_segments(job.frames, output_path, size, lengths, FPS, timeline_start=LiveVideo.TIMELINE_START)
    starts = itertools.accumulate(lengths[:-1], initial=0)  # each segment's first frame
    for path, start, length in zip(written, starts, lengths, strict=True):
        segments.append(path)
        yield LiveVideo.placed(path, start / FPS, length / FPS), *(gr.skip() for _ in range(5))  # as soon as encoded
    mp4 = join_segments(segments, output_path(".mp4"))
    yield None, mp4, *_results(job)  # the stream is complete: no more segments


# the panel's controls at their defaults: (scenario, particles, seconds, LEFT_TEMP, RIGHT_TEMP, DRIFT_COEFF,
# DIFFUSION_BASE, seed, gif, skip ahead)
DEFAULTS = ("driven", 3000, 5, 1.0, 0.2, 0.8, 10.0, 0, False, 40)


@common.default_result
def default_run() -> tuple:
    """What the panel shows before the first click: the default film and its plots (computed once)."""
    mp4, gif_path, *rest = run(*DEFAULTS, progress=common.no_progress)
    return (common.keep_file(mp4), gif_path, *rest)


def summary(params: ParticleParams, n: int, record: FilmRecord, sol: fokker_planck.FPSolution, elapsed: float) -> str:
    """Numbers under the plots: entropy against its maximum, flux against the PDE, speed."""
    frames = len(record.entropy)
    rate = n * frames / elapsed / 1e6
    lines = [common.say(STRINGS, "thermo.sum_speed", n=n, frames=frames, elapsed=elapsed, rate=rate)]
    first, last, h_max = record.entropy[0], record.entropy[-1], record.max_entropy
    cells = ENTROPY_CELLS[0] * ENTROPY_CELLS[1]
    lines.append(common.say(STRINGS, "thermo.sum_entropy", first=first, last=last, cells=cells, h_max=h_max))
    if params.scenario == "driven":
        tail, pde = max(1, frames // 4), sol.outflow[-1] * n
        lines.append(common.say(STRINGS, "thermo.sum_flux", tail=tail, flux=record.steady_flux(), pde=pde))
    return "\n\n".join(lines)


def build(ctx: PanelContext) -> None:
    """The panel: its layout, then its events."""
    common.intro(ctx, STRINGS, "thermo.intro")
    _wire(ctx, _layout(ctx))


def _layout(ctx: PanelContext) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=300, elem_classes="controls"):
            choices = [(t("thermo.sc_driven"), "driven"), (t("thermo.sc_ink"), "ink")]
            ui["scenario"] = common.Radio(choices, value=DEFAULTS[0], label=t("thermo.scenario"))
            ui["particles"] = Slider(limits.PARTICLES, DEFAULTS[1], step=10, label=t("thermo.particles"))
            ui["seconds"] = Slider(limits.FILM_SECONDS, DEFAULTS[2], step=1, label=t("thermo.seconds"))
            ui["seed"] = Number(limits.SEED, DEFAULTS[7], label=t("thermo.seed"))
            with common.more_settings(ctx):
                for key, name in (("left", "LEFT_TEMP"), ("right", "RIGHT_TEMP")):
                    limit, value = limits.TEMPERATURE.named(name), DEFAULTS[3 if key == "left" else 4]
                    ui[key] = Slider(limit, value, step=0.05, label=t(f"thermo.{key}"))
                ui["drift"] = Slider(limits.DRIFT, DEFAULTS[5], step=0.05, label=t("thermo.drift"))
                ui["diffusion"] = Slider(limits.DIFFUSION_BASE, DEFAULTS[6], step=0.5, label=t("thermo.diffusion"))
                ui["skip"] = Slider(limits.SKIP_SECONDS, DEFAULTS[9], step=5, label=t("thermo.skip"))
                ui["gif"] = gr.Checkbox(DEFAULTS[8], label=t("thermo.gif"))
            ui["run"] = gr.Button(t("thermo.run"), variant="primary")
        with gr.Column(scale=2):
            video = {"label": t("thermo.video"), "autoplay": True, "height": 420, "interactive": False}
            ui["video"] = gr.Video(loop=True, elem_id="thermo-video" + ctx.suffix, **video)
            # the film as it renders (streamed), shown in place of the last one until the whole film is there
            if STREAMING:
                live_id = "thermo-live" + ctx.suffix
                ui["live"] = LiveVideo(visible=False, elem_id=live_id, **video)
            ui["gif_file"] = gr.File(label=t("thermo.gif_file"), interactive=False, visible=False)
            ui["numbers"] = gr.Markdown()
    with gr.Row():
        ui["density"] = Plot(show_label=False, format="png")
        ui["entropy"] = Plot(show_label=False, format="png")
    gr.Markdown(t("thermo.why"))
    return ui


def _wire(ctx: PanelContext, ui: dict[str, Any]) -> None:
    # the GIF's box only shows once a GIF is asked for (no empty box on the page)
    ui["gif"].change(lambda on: gr.File(visible=on), ui["gif"], ui["gif_file"], queue=False, api_visibility="private")
    ui["scenario"].change(  # skipping ahead only applies to the driven box
        lambda s: gr.Slider(interactive=s == "driven"),
        ui["scenario"],
        ui["skip"],
        queue=False,
        api_visibility="private",
    )
    outputs = [ui[k] for k in ("video", "gif_file", "density", "entropy", "numbers")]
    names = ("scenario", "particles", "seconds", "left", "right", "drift", "diffusion", "seed", "gif", "skip")
    inputs = [ui[k] for k in names]
    linked = ("scenario", "particles", "seconds", "seed", "skip")
    common.url_params(ctx, " ".join(linked), *(ui[k] for k in linked))
    common.show_default(ctx.page, default_run, outputs, run, inputs, concurrency_id="defaults", concurrency_limit=1)
    lane = {"concurrency_id": "render", "concurrency_limit": 1}
    if not STREAMING:
        ui["run"].click(
            run, inputs, outputs, api_name=ctx.api_name("thermo_run"), api_visibility=ctx.visibility, **lane
        )
        return
    # the API's /thermo_run answers with the whole film (a hidden button); the page's button streams it
    gr.Button(visible=False).click(
        run, inputs, outputs, api_name=ctx.api_name("thermo_run"), api_visibility=ctx.visibility, **lane
    )
    videos, private = [ui["live"], ui["video"]], {"api_visibility": "private"}
    whole = lambda: (gr.Video(visible=False), gr.Video(visible=True))  # noqa: E731
    # the live video is shown (and emptied) first: shown after the stream began, it would restart the player; a
    # request it refuses changes nothing (and the chain stops there)
    # (queued, as every event that may refuse: Gradio shows the message of a queued event's error only)
    ui["run"].click(go_live, inputs, videos, show_progress="hidden", **private).then(
        run_streamed,
        inputs,
        [ui["live"], *outputs],
        api_name=ctx.api_name("thermo_stream"),
        show_progress_on=[ui["numbers"], ui["density"], ui["entropy"]],  # not over the film that is playing
        **private,
        **lane,
    ).then(whole, None, videos, queue=False, **private)
