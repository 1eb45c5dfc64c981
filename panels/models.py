"""The models the app samples from (shared by the reverse-process, inversion, digits and training panels) and the
sampling loop the reverse panel streams.

The bundled model (or the one named by ``DIFFUSION_WEIGHTS``) is loaded once at start-up and shared read-only;
a model a visitor loads from the Hub lives in that visitor's ``gr.State`` as a ``ModelChoice``.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from diffusion import hub, imaging, precision
from diffusion.process import Diffusion
from diffusion.sampling import Progress
from diffusion.unet import UNet
from panels.priority import step_aside

WEIGHTS_ENV, REVISION_ENV = "DIFFUSION_WEIGHTS", "DIFFUSION_REVISION"


@dataclass(frozen=True)
class ModelChoice:
    """A model to sample from, with what the UI needs to describe it."""

    model: UNet
    name: str
    image: torch.Tensor | None  # (C, H, W) training image, for PSNR captions; None when unknown
    note: str  # where it came from (and any fallback), for the UI

    @property
    def process(self) -> Diffusion:
        """The model's schedule and prediction target."""
        return Diffusion.of(self.model.config)


def prepare_model(model: UNet) -> UNet:
    """Eval mode, no gradients, channels_last (25% faster on CPU, bench/README.md), and the precision the library
    chooses for this machine (bf16 where the chip has the units: ``diffusion.precision``)."""
    model = precision.use(model.eval().requires_grad_(False))
    return model.to(memory_format=torch.channels_last) if not torch.cuda.is_available() else model


@functools.cache
def startup_models() -> dict[str, ModelChoice]:
    """Load once per process: the EMA model (bundled, or ``DIFFUSION_WEIGHTS``) and the bundled raw weights."""
    loaded = hub.load_model(os.environ.get(WEIGHTS_ENV) or None, os.environ.get(REVISION_ENV) or hub.DEFAULT_REVISION)
    image = None
    if loaded.source == "bundled":  # the bundled model learned Grace Hopper (weights/README.md)
        cfg = loaded.model.config
        image = imaging.load_image(imaging.sample_image_path(), size=cfg.image_size, channels=cfg.in_channels)
    models = {"ema": ModelChoice(prepare_model(loaded.model), f"{loaded.source} (EMA)", image, loaded.note)}
    raw_dir = hub.BUNDLED / "raw"
    if loaded.source == "bundled" and raw_dir.is_dir():
        models["raw"] = ModelChoice(prepare_model(hub.load_folder(raw_dir)), "bundled (raw)", image, loaded.note)
    return models


def load_custom(repo_id: str, revision: str) -> ModelChoice:
    """A visitor's model from the Hub (never a path on the server); raises hub.WeightsError."""
    try:
        folder = hub.download(repo_id, revision or hub.DEFAULT_REVISION)
    except ConnectionError as exc:
        raise hub.WeightsError(str(exc)) from None
    note = f"Loaded {repo_id} at revision {revision} from the Hub."
    return ModelChoice(prepare_model(hub.load_folder(folder)), f"{repo_id}@{revision}", None, note)


@dataclass(frozen=True)
class Frame:
    """One stored step of a trajectory: uint8 (H, W) or (H, W, 3) images, for the scrubber and the GIF."""

    t: int
    x: np.ndarray
    x0: np.ndarray
    psnr_x0: float | None
    eps: np.ndarray | None = None  # the network's noise estimate at this step, ±3 as black and white


def to_uint8(x: torch.Tensor) -> np.ndarray:
    return np.asarray(imaging.to_pil(x))


def denoiser(choice: ModelChoice) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The model as a sampler's denoiser (x_t (B, C, H, W), t (B,)) -> output, for the shared, read-only weights:
    each call steps aside for cheap requests first, runs channels_last in inference mode, and returns a normal
    tensor (the sampler's arithmetic runs outside inference mode)."""

    def denoise(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        step_aside()  # a cheap request (a Markov chain, a forward view) goes first
        # Grad mode is per thread and a sampling generator resumes on whichever worker thread Gradio picks: a
        # context held across its yields would leak into that pool (and break training there).
        with torch.inference_mode():
            return choice.model(x.contiguous(memory_format=torch.channels_last), t).clone()

    return denoise


def run(
    choice: ModelChoice, method: str, steps: int, eta: float, seed: int, grid: str
) -> Iterator[tuple[Progress, float]]:
    """Sample one image from fixed noise, yielding (progress, seconds spent in the model so far)."""
    cfg = choice.model.config
    gen = torch.Generator().manual_seed(seed)
    x_T = torch.randn((1, cfg.in_channels, cfg.image_size, cfg.image_size), generator=gen)
    model_time = [0.0]
    denoise = denoiser(choice)

    def timed(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        t0 = time.perf_counter()
        out = denoise(x, t)
        model_time[0] += time.perf_counter() - t0
        return out

    for p in choice.process.sample_progressive(
        timed,
        x_T,
        steps,
        method=method,
        eta=eta,
        generator=gen,
        grid=grid,
        clip=grid != "post",
    ):
        yield p, model_time[0]
