"""DDIM inversion of an uploaded image with the one-image model (a section of the reverse-process panel).

Endpoint (``gradio_client``):
- ``/reverse_invert(image, steps, mix_seed, mix, weights)`` -> a strip (the image at the model's size · the noise
  x_T that DDIM inversion finds for it · DDIM back from that noise · DDIM from the noise rotated ``mix`` of the
  way towards ``mix_seed``'s), a status line with the round-trip PSNR, and the numbers as JSON.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import gradio as gr
import torch
from PIL import Image

from diffusion import imaging, inversion
from diffusion.digit_eval import seed_noise
from panels.common import EXAMPLES, ImageInput, Number, Slider, as_float, as_int, as_seed, user_errors
from panels.priority import step_aside
from panels.reverse_model import ModelChoice

MAX_STEPS = 200
DEFAULT_STEPS = 20


def _denoiser(choice: ModelChoice):
    def denoise(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        step_aside()
        with torch.inference_mode():
            return choice.model(x.contiguous(memory_format=torch.channels_last), t).clone()

    return denoise


def invert(choice: ModelChoice, image: Any, steps: Any, mix_seed: Any, mix: Any) -> tuple[Image.Image, str, dict]:
    """Handler body for /reverse_invert (the caller picks the model): see the module docstring."""
    if image is None:
        raise gr.Error("Upload an image (or pick an example) to invert.")
    n, amount, seed = as_int(steps, "Inversion steps", 2, MAX_STEPS), as_float(mix, "Mix", 0.0, 1.0), as_seed(mix_seed)
    cfg = choice.model.config
    with user_errors():
        x_0 = imaging.load_image(image, size=cfg.image_size, channels=cfg.in_channels)[None]
    t0 = time.perf_counter()
    other = seed_noise([seed], tuple(x_0.shape[1:]))
    inv = inversion.invert_and_edit(_denoiser(choice), choice.schedule, cfg.prediction, x_0, n, other=other, mix=amount)
    elapsed = time.perf_counter() - t0
    strip = torch.cat([inv.original, (inv.noise / 3).clamp(-1, 1), inv.round_trip, inv.edited])
    numbers = {
        "round_trip_psnr_db": round(inv.psnr[0], 2),
        "noise_std": round(inv.noise.std().item(), 3),
        "seconds": round(elapsed, 2),
    }
    if choice.image is not None:
        numbers["edited_psnr_to_training_image_db"] = round(imaging.psnr(inv.edited[0], choice.image), 2)
    status = (
        f"DDIM-{n} both ways · round trip **{inv.psnr[0]:.1f} dB** · noise std {numbers['noise_std']:g} "
        f"(N(0, 1) has 1) · {elapsed:.1f} s"
    )
    return imaging.grid_image(strip, nrow=4, pad=4), status, numbers


@functools.cache
def default_inversion(choice: ModelChoice, image: str) -> tuple[Image.Image, str, dict]:
    """The section's result before the first click (deterministic: computed once per process)."""
    return invert(choice, image, DEFAULT_STEPS, 1, 0.0)


def layout(t, image: str, first: tuple) -> dict[str, Any]:
    """The section's components, by name; ``first`` is what the outputs show before the first click."""
    gr.Markdown(t("reverse.inv_intro"))
    ui: dict[str, Any] = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            ui["image"] = ImageInput(
                image, type="filepath", label=t("reverse.inv_image"), sources=["upload", "clipboard"], height=200
            )
            label = t("reverse.inv_examples")
            ui["examples"] = gr.Examples(EXAMPLES, ui["image"], cache_examples=False, label=label)
            ui["steps"] = Slider(
                2, MAX_STEPS, DEFAULT_STEPS, step=1, name="Inversion steps", integer=True, label=t("reverse.inv_steps")
            )
            ui["mix_seed"] = Number(1, name="Mix seed", minimum=0, maximum=2**32 - 1, label=t("digits.inv_mix_seed"))
            ui["mix"] = Slider(0.0, 1.0, 0.0, step=0.05, name="Mix", label=t("digits.inv_mix"))
            ui["run"] = gr.Button(t("reverse.inv_run"), variant="primary")
        with gr.Column(scale=2):
            gr.Markdown(t("reverse.inv_columns"))
            ui["strip"] = gr.Image(
                first[0], label=t("reverse.inv_columns"), show_label=False, format="png", interactive=False
            )
            ui["status"] = gr.Markdown(first[1])
            ui["numbers"] = gr.JSON(first[2], visible=False)
            gr.Markdown(t("reverse.inv_why"))
    return ui
