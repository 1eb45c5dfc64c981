"""DDIM inversion of an uploaded image with the one-image model (a section of the reverse-process panel).

Endpoint (``gradio_client``):
- ``/reverse_invert(image, steps, mix_seed, mix, weights)`` -> a strip (the image at the model's size · the noise
  x_T that DDIM inversion finds for it · DDIM back from that noise · DDIM from the noise rotated ``mix`` of the
  way towards ``mix_seed``'s), a status line with the round-trip PSNR, and the numbers as JSON.
"""

from __future__ import annotations

import time
from typing import Any

import gradio as gr
import torch
from PIL import Image

from diffusion import imaging, inversion, limits
from diffusion.digit_eval import seed_noise
from panels import common
from panels.common import EXAMPLES, ImageInput, Number, Slider, check, say, user_errors
from panels.models import ModelChoice, denoiser, startup_models
from panels.reverse_strings import STRINGS

DEFAULT_STEPS = 20


def invert(choice: ModelChoice, image: Any, steps: Any, mix_seed: Any, mix: Any) -> tuple[Image.Image, str, dict]:
    """Handler body for /reverse_invert (the caller picks the model): see the module docstring."""
    if image is None:
        raise gr.Error(say(STRINGS, "reverse.inv_upload"))
    n, amount = check(limits.INVERSION_STEPS, steps), check(limits.MIX, mix)
    seed = check(limits.SEED.named("Mix seed"), mix_seed)
    cfg = choice.model.config
    with user_errors():
        x_0 = imaging.load_image(image, size=cfg.image_size, channels=cfg.in_channels)[None]
    t0 = time.perf_counter()
    other = seed_noise([seed], tuple(x_0.shape[1:]))
    inv = inversion.invert_and_edit(
        denoiser(choice), choice.process.schedule, choice.process.prediction, x_0, n, other=other, mix=amount
    )
    elapsed = time.perf_counter() - t0
    strip = torch.cat([inv.original, (inv.noise / 3).clamp(-1, 1), inv.round_trip, inv.edited])
    numbers = {
        "round_trip_psnr_db": round(inv.psnr[0], 2),
        "noise_std": round(inv.noise.std().item(), 3),
        "seconds": round(elapsed, 2),
    }
    if choice.image is not None:
        numbers["edited_psnr_to_training_image_db"] = round(imaging.psnr(inv.edited[0], choice.image), 2)
    status = say(STRINGS, "reverse.inv_status", n=n, psnr=inv.psnr[0], std=numbers["noise_std"], elapsed=elapsed)
    return imaging.grid_image(strip, nrow=4, pad=4), status, numbers


@common.default_result
def default_inversion() -> tuple[Image.Image, str, dict]:
    """The section's result before the first click: the bundled model's own image, DDIM-20 each way."""
    return invert(startup_models()["ema"], EXAMPLES[0], DEFAULT_STEPS, 1, 0.0)


def layout(t) -> dict[str, Any]:
    """The section's components, by name (the outputs show ``default_inversion`` once the page loads)."""
    gr.Markdown(t("reverse.inv_intro"))
    ui: dict[str, Any] = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            ui["image"] = ImageInput(EXAMPLES[0], type="filepath", label=t("reverse.inv_image"), height=200)
            label = t("reverse.inv_examples")
            ui["examples"] = gr.Examples(EXAMPLES, ui["image"], cache_examples=False, label=label)
            ui["steps"] = Slider(limits.INVERSION_STEPS, DEFAULT_STEPS, label=t("reverse.inv_steps"))
            ui["mix_seed"] = Number(limits.SEED.named("Mix seed"), 1, label=t("digits.inv_mix_seed"))
            ui["mix"] = Slider(limits.MIX, 0.0, step=0.05, label=t("digits.inv_mix"))
            ui["run"] = gr.Button(t("reverse.inv_run"), variant="primary")
        with gr.Column(scale=2):
            gr.Markdown(t("reverse.inv_columns"))
            ui["strip"] = gr.Image(
                label=t("reverse.inv_columns"), format="png", interactive=False, elem_classes="alt-label"
            )
            ui["status"] = gr.Markdown()
            ui["numbers"] = gr.JSON(visible=False)
            gr.Markdown(t("reverse.inv_why"))
    return ui
