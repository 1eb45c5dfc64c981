"""Benchmark: fine-tuning as the training panel does it (finetune.train_chunk), PSNR over wall-clock time.

Run: python bench/finetune.py [--recipes pretrained-128,scratch-128,pretrained-64,post-128] [--seconds 300]
     [--image PATH]

Each recipe trains on a new image (default: matplotlib's Minduka_Present_Blue_Pack.png sample, grayscale,
centre-cropped) in the panel's chunks (3 s on a CPU) for the same training wall time. Every ``--eval-every``
seconds of training it samples DDIM-50 (eta 0, seed 0) from the EMA and the raw weights and prints the PSNR
against the image (evaluation time excluded; the panel's own previews are DDIM-10 and cost extra). The planned
number of steps is the budget divided by one step's measured time, so the LR decay ends with the budget.
Also reports steps per second (and, on CUDA, with and without bf16 autocast: ``--bf16-compare``).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import matplotlib.cbook
import torch

from diffusion import finetune, hub, imaging, training
from diffusion.__main__ import evaluate

RECIPES: dict[str, finetune.RunSpec] = {
    # the panel's defaults at 128 x 128: the shipped model, x0, our optimiser
    "pretrained-128": finetune.RunSpec(start="pretrained", size=128),
    # from scratch: full network with Fourier coordinate features
    "scratch-128": finetune.RunSpec(start="scratch", size=128),
    # the panel's default working resolution
    "pretrained-64": finetune.RunSpec(start="pretrained", size=64),
    # the source post's optimiser and target (eps, batch 1, 2e-4, no EMA), from the shipped model
    "post-128": finetune.RunSpec(
        start="pretrained", size=128, preset="post", prediction="eps", lr=2e-4, batch_size=1, ema_decay=0.0
    ),
}


def run(name: str, spec: finetune.RunSpec, image_path: str, seconds: float, eval_every: float) -> None:
    pretrained = hub.load_folder(hub.BUNDLED) if spec.start == "pretrained" else None
    image = imaging.load_image(image_path, size=spec.size)
    per_step = finetune.step_seconds(finetune.model_config(spec, pretrained and pretrained.config), spec.batch_size)
    spec = replace(spec, steps=max(int(seconds / per_step), 10))
    job = finetune.new_job(spec, pretrained)
    chunk = 3.0  # the panel's chunk on a CPU (panels/training.py CHUNK_SECONDS)
    trained, next_eval = 0.0, 0.0
    print(f"{name}: {spec.steps} steps planned ({per_step:.3f} s/step measured), device {training.pick_device()}")
    while True:
        if trained >= next_eval or job["step"] >= spec.steps:
            ema = evaluate(finetune.model_from_job(job, "ema"), image)
            raw = evaluate(finetune.model_from_job(job, "raw"), image)
            print(f"  {trained:6.1f} s  step {job['step']:5d}  PSNR EMA {ema:5.1f} dB  raw {raw:5.1f} dB", flush=True)
            next_eval += eval_every
            if job["step"] >= spec.steps or trained >= seconds:
                break
        t0 = time.perf_counter()
        res = finetune.train_chunk(job, image, spec.steps, min(chunk, next_eval - trained))
        trained += time.perf_counter() - t0  # includes the chunk's state rebuild, as in the panel
        if res.error:
            print("  stopped:", res.error)
            break
        job = res.job
    print(f"  {job['step'] / trained:.2f} steps/s over {trained:.0f} s of training")


def bf16_compare(image_path: str, steps: int = 50) -> None:
    """Steps per second on CUDA with and without bf16 autocast (the panel uses bf16)."""
    if not torch.cuda.is_available():
        print("bf16 comparison: no CUDA device")
        return
    image = imaging.load_image(image_path, size=128)
    pretrained = hub.load_folder(hub.BUNDLED)
    for bf16 in (False, True):
        spec = finetune.RunSpec(start="pretrained", size=128, steps=steps + 5)
        state = training.new_state(finetune.initial_model(spec, pretrained), replace(spec.train_config(), bf16=bf16))
        it = training.train(state, image[None])
        for _ in range(5):
            next(it)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in it:
            pass
        torch.cuda.synchronize()
        print(f"bf16={bf16}: {steps / (time.perf_counter() - t0):.1f} steps/s (batch {spec.batch_size}, 128 x 128)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", default="pretrained-128,scratch-128,pretrained-64,post-128")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--eval-every", type=float, default=30.0)
    parser.add_argument(
        "--image", default=str(matplotlib.cbook.get_sample_data("Minduka_Present_Blue_Pack.png", asfileobj=False))
    )
    parser.add_argument("--bf16-compare", action="store_true")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, image {os.path.basename(args.image)}")
    if args.bf16_compare:
        bf16_compare(args.image)
    for name in args.recipes.split(","):
        run(name, RECIPES[name], args.image, args.seconds, args.eval_every)


if __name__ == "__main__":
    main()
