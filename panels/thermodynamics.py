"""Thermodynamics panel: the post's particle simulation, rendered headless with pygame, beside its physics.

Endpoint (``gradio_client``):
- ``/thermo_run(scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_seconds)`` ->
  (MP4 path, GIF path or None, density plot, entropy/flux plot, Markdown). ``scenario`` is "driven" (the post's
  hot/cold box) or "ink" (an ink drop at uniform temperature); ``skip_seconds`` are simulated before filming
  (the driven box needs ~40 s to reach its steady state).
"""

from __future__ import annotations

import math
import time
from typing import Any

import gradio as gr
import numpy as np

from diffusion import fokker_planck
from diffusion.particles import SCENARIOS, ParticleParams, ParticleSystem, coarse_entropy
from diffusion.render import Renderer, write_gif, write_mp4
from panels import common
from panels.common import (
    Number,
    Plot,
    Slider,
    make_translator,
    output_path,
    user_errors,
)
from panels.priority import step_aside
from panels.thermodynamics_plots import density_figure, entropy_figure
from panels.thermodynamics_strings import STRINGS

t = make_translator(STRINGS)

FPS = 60  # the post's clock.tick(60)
MAX_PARTICLES = 50_000
MAX_SECONDS = 20
MAX_WORK = 30_000_000  # particle-frames per request: about 15 s of work on 2 cores
MAX_SKIP_S = 120
MAX_SKIP_WORK = 150_000_000  # particle-steps simulated before filming: about 8 s (no rendering)
GIF_FPS, GIF_MAX_FRAMES = 20, 200
ENTROPY_CELLS = (40, 30)


def frames(params: ParticleParams, n: int, n_frames: int, seed: int, record: dict, progress, skip: int = 0):
    """Yield rendered (H, W, 3) frames one at a time (streamed to the encoder, never all in memory),
    filling ``record`` with per-frame entropy and flux, the GIF's frames and the final x positions.
    The first ``skip`` frames are simulated but not filmed (to start from the steady state)."""
    system = ParticleSystem(params, n, np.random.default_rng(seed))
    for frame in range(skip):
        system.step()
        if frame % 200 == 0:
            progress(frame / max(skip, 1), desc=common.say(STRINGS, "thermo.p_skip"))
    renderer = Renderer(params)
    gif_every = max(1, FPS // GIF_FPS)
    for frame in range(n_frames):
        system.step()
        image = renderer.draw(system)
        record["entropy"].append(coarse_entropy(system.pos, params.width, params.height, ENTROPY_CELLS))
        record["flux"].append(system.reinjected)
        if record["gif"] is not None and frame % gif_every == 0 and len(record["gif"]) < GIF_MAX_FRAMES:
            record["gif"].append(image[::2, ::2].copy())  # half size: GIFs of full frames are huge
        if frame % 30 == 0:
            progress((frame + 1) / n_frames, desc=common.say(STRINGS, "thermo.p_film"))
        if frame % 5 == 0:
            step_aside()
        yield image
    record["x"] = system.pos[:, 0].copy()


def run(
    scenario, particles, seconds, left_temp, right_temp, drift, diffusion, seed, gif, skip_s, progress=gr.Progress()
):
    """Handler for /thermo_run."""
    if scenario not in SCENARIOS:
        raise gr.Error(common.say(STRINGS, "thermo.err_scenario", names=", ".join(SCENARIOS), got=scenario))
    n_frames = round(seconds * FPS)
    if particles * n_frames > MAX_WORK:
        work = particles * n_frames
        raise gr.Error(common.say(STRINGS, "thermo.err_work", cap=MAX_WORK, n=particles, frames=n_frames, work=work))
    # the ink drop is filmed from the moment it is let go (skipping ahead would show it already mixed); only the
    # driven box skips to its steady state
    skip = round(skip_s * FPS) if scenario == "driven" else 0
    if particles * skip > MAX_SKIP_WORK:
        raise gr.Error(common.say(STRINGS, "thermo.err_skip", cap=MAX_SKIP_WORK, n=particles, skip=skip))
    with user_errors():
        params = ParticleParams(
            left_temp=left_temp,
            right_temp=right_temp,
            drift_coeff=drift,
            diffusion_base=diffusion,
            scenario=scenario,
            ink_temp=left_temp,
        )
    t0 = time.perf_counter()
    record: dict[str, Any] = {"entropy": [], "flux": [], "gif": [] if gif is True else None}
    film = frames(params, particles, n_frames, seed, record, progress, skip)
    mp4 = write_mp4(film, output_path(".mp4"), fps=FPS)
    elapsed = time.perf_counter() - t0
    gif_path = write_gif(record["gif"], output_path(".gif"), fps=GIF_FPS, scale=1) if record["gif"] else None
    entropies, fluxes = np.array(record["entropy"]), np.array(record["flux"])
    recorded = np.linspace(skip, skip + n_frames, min(n_frames, 200) + 1).round().astype(int)
    sol = fokker_planck.solve(params, np.unique(np.concatenate([[0], recorded])), cells=190)
    text = summary(params, particles, n_frames, entropies, fluxes, sol, elapsed)
    return (
        mp4,
        gif_path,
        density_figure(record["x"], sol, params),
        entropy_figure(entropies, fluxes, sol, particles, ENTROPY_CELLS, FPS, skip, scenario),
        text,
    )


# the panel's controls at their defaults: (scenario, particles, seconds, LEFT_TEMP, RIGHT_TEMP, DRIFT_COEFF,
# DIFFUSION_BASE, seed, gif, skip ahead)
DEFAULTS = ("driven", 3000, 5, 1.0, 0.2, 0.8, 10.0, 0, False, 40)


@common.default_result
def default_run() -> tuple:
    """What the panel shows before the first click: the default film and its plots (computed once)."""
    mp4, gif_path, *rest = run(*DEFAULTS, progress=common.no_progress)
    return (common.keep_file(mp4), gif_path, *rest)


def summary(params, n, frames, entropies, fluxes, sol, elapsed) -> str:
    """Numbers under the plots: entropy against its maximum, flux against the PDE, speed."""
    h_max = math.log(ENTROPY_CELLS[0] * ENTROPY_CELLS[1])
    rate = n * frames / elapsed / 1e6
    lines = [common.say(STRINGS, "thermo.sum_speed", n=n, frames=frames, elapsed=elapsed, rate=rate)]
    cells = ENTROPY_CELLS[0] * ENTROPY_CELLS[1]
    lines.append(
        common.say(STRINGS, "thermo.sum_entropy", first=entropies[0], last=entropies[-1], cells=cells, h_max=h_max)
    )
    if params.scenario == "driven":
        tail = max(1, frames // 4)
        flux, pde = fluxes[-tail:].mean(), sol.outflow[-1] * n
        lines.append(common.say(STRINGS, "thermo.sum_flux", tail=tail, flux=flux, pde=pde))
    return "\n\n".join(lines)


def build(page: gr.Blocks, api: bool = True) -> None:
    """Lay out the panel and wire its event (see markov.build for ``page`` and ``api``)."""
    vis, sfx = ("public", "") if api else ("private", "_page")
    common.intro(api, STRINGS, "thermo.intro")
    with gr.Row():
        with gr.Column(scale=1, min_width=300, elem_classes="controls"):
            scenario = gr.Radio(
                [(t("thermo.sc_driven"), "driven"), (t("thermo.sc_ink"), "ink")],
                value=DEFAULTS[0],
                label=t("thermo.scenario"),
            )
            particles = Slider(
                10, MAX_PARTICLES, DEFAULTS[1], step=10, name="Particles", integer=True, label=t("thermo.particles")
            )
            seconds = Slider(1, MAX_SECONDS, DEFAULTS[2], step=1, name="Duration (s)", label=t("thermo.seconds"))
            seed = Number(DEFAULTS[7], name="Seed", minimum=0, maximum=2**32 - 1, label=t("thermo.seed"))
            with common.more_settings(api):
                left = Slider(0.05, 2.0, DEFAULTS[3], step=0.05, name="LEFT_TEMP", label=t("thermo.left"))
                right = Slider(0.05, 2.0, DEFAULTS[4], step=0.05, name="RIGHT_TEMP", label=t("thermo.right"))
                drift = Slider(0.0, 3.0, DEFAULTS[5], step=0.05, name="DRIFT_COEFF", label=t("thermo.drift"))
                diffusion = Slider(0.0, 30.0, DEFAULTS[6], step=0.5, name="DIFFUSION_BASE", label=t("thermo.diffusion"))
                skip_s = Slider(0, MAX_SKIP_S, DEFAULTS[9], step=5, name="Skip ahead (s)", label=t("thermo.skip"))
                gif = gr.Checkbox(DEFAULTS[8], label=t("thermo.gif"))
            run_btn = gr.Button(t("thermo.run"), variant="primary")
        with gr.Column(scale=2):
            video = gr.Video(label=t("thermo.video"), autoplay=True, loop=True, height=420, interactive=False)
            gif_file = gr.File(label=t("thermo.gif_file"), interactive=False, visible=False)
            numbers = gr.Markdown()
    with gr.Row():
        density = Plot(show_label=False, format="png")
        entropy = Plot(show_label=False, format="png")
    gr.Markdown(t("thermo.why"))
    # the GIF's box only shows once a GIF is asked for (no empty box on the page)
    gif.change(lambda on: gr.File(visible=on), gif, gif_file, queue=False, api_visibility="private")
    scenario.change(  # skipping ahead only applies to the driven box
        lambda s: gr.Slider(interactive=s == "driven"), scenario, skip_s, queue=False, api_visibility="private"
    )
    outputs = [video, gif_file, density, entropy, numbers]
    inputs = [scenario, particles, seconds, left, right, drift, diffusion, seed, gif, skip_s]
    common.url_params(api, "scenario particles seconds seed skip", scenario, particles, seconds, seed, skip_s)
    common.show_default(page, default_run, outputs, run, inputs, concurrency_id="defaults", concurrency_limit=1)
    gr.on(
        [run_btn.click],
        run,
        inputs,
        outputs,
        api_name="thermo_run" + sfx,
        api_visibility=vis,
        concurrency_id="render",
        concurrency_limit=1,
    )
