"""Benchmark: float32 beside bf16 autocast (diffusion.precision), in one run, on this machine.

Run: python -m bench.precision [--quick] [--train-quality STEPS] [--out result.json]

Every row runs both precisions alternately in the same process (machines here drift by 20-30% over minutes):
- one forward of each UNet (the one-image model at 128 x 128, batch 1; the digits model at 32 x 32, batch 32);
- one-image DDIM-20 as the Reverse panel samples it: its time, the bf16 sample's PSNR against the float32 sample
  from the same noise, and each sample's PSNR against the image the model memorised;
- digits: 16 samples DDIM-20 with the default guidance, its time, and the judge's accuracy and mean confidence on
  200 samples (20 per digit) in each precision;
- training steps per second: the digits recipe (batch 64) and the Training panel's default fine-tune (the shipped
  model at 64 x 64, batch 2);
- ``--train-quality STEPS``: the digits recipe trained STEPS steps in each precision from the same seed, then judged
  (200 samples of each EMA model): bf16 training is a default only where this holds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace

import matplotlib.cbook
import torch

from bench.digits import cpu_name
from diffusion import classifier, digit_eval, digits, finetune, hub, imaging, precision, training
from diffusion.process import Diffusion, psnr_from_seed
from diffusion.recipes import DEFAULT_GUIDANCE, DIGITS
from diffusion.unet import UNet

PRECISIONS = ("float32", "bf16")
CPU = torch.device("cpu")
NEW_IMAGE = str(matplotlib.cbook.get_sample_data("Minduka_Present_Blue_Pack.png", asfileobj=False))


def timed(fn, repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` runs after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def set_precision(model: UNet, value: str) -> UNet:
    return precision.use(model, value)


def forwards(models: dict[str, UNet], repeats: int) -> dict:
    shapes = {"one-image": (1, 1, 128, 128), "digits": (32, 1, 32, 32)}
    out = {}
    for name, model in models.items():
        x = torch.randn(shapes[name], generator=torch.Generator().manual_seed(0))
        t = torch.full((x.shape[0],), 500)
        row, outputs = {}, {}
        for p in PRECISIONS:
            set_precision(model, p)
            with torch.inference_mode():
                row[f"{p}_ms"] = round(1000 * timed(lambda m=model, x=x, t=t: m(x, t), repeats), 1)
                outputs[p] = model(x, t)
        row["max_abs_diff"] = round(float((outputs["bf16"] - outputs["float32"]).abs().max()), 4)
        out[name] = row
        print(name, "forward", row, flush=True)
    return out


def one_image(model: UNet, repeats: int) -> dict:
    image = imaging.load_image(imaging.sample_image_path(), size=model.config.image_size)
    x_T = torch.randn((1, 1, 128, 128), generator=torch.Generator().manual_seed(0))
    row, samples = {}, {}
    for p in PRECISIONS:
        set_precision(model, p)
        with torch.inference_mode():
            row[f"{p}_ddim20_s"] = round(timed(lambda: Diffusion.of(model.config).sample(model, x_T, 20), repeats), 3)
            samples[p] = Diffusion.of(model.config).sample(model, x_T, 20)
        row[f"{p}_memorisation_psnr_db"] = round(imaging.psnr(samples[p][0], image), 2)
    row["bf16_vs_float32_psnr_db"] = round(imaging.psnr(samples["bf16"][0], samples["float32"][0]), 2)
    print("one-image DDIM-20", row, flush=True)
    return row


def digits_sampling(model: UNet, judge, repeats: int, per_class: int) -> dict:
    labels = torch.arange(16) % 10
    row = {}
    for p in PRECISIONS:
        set_precision(model, p)

        def run() -> None:
            with torch.inference_mode():
                digit_eval.generate(model, labels, DEFAULT_GUIDANCE, 20, range(16))

        row[f"{p}_16_ddim20_s"] = round(timed(run, repeats), 3)
        report = digit_eval.report(model, judge, DEFAULT_GUIDANCE, 20, per_class=per_class).as_dict()
        row[f"{p}_accuracy"], row[f"{p}_confident"] = report["accuracy"], report["confident"]
    print("digits DDIM-20, w =", DEFAULT_GUIDANCE, row, flush=True)
    return row


def steps_per_second(make_state, data, steps: int) -> float:
    state = make_state()
    run = training.train(state, data)
    next(run)  # warm-up: allocator, kernels
    t0 = time.perf_counter()
    for _ in range(steps):
        next(run)
    return steps / (time.perf_counter() - t0)


def training_speed(one_image_model: UNet, steps: int) -> dict:
    row = {}
    stream = digits.DigitStream(seed=digits.TRAIN_SEED, batch_size=DIGITS.train.batch_size)
    spec = finetune.RunSpec(start="pretrained", size=64)
    image = imaging.load_image(imaging.sample_image_path(), size=64)[None]
    for p in PRECISIONS:
        cfg = replace(DIGITS.train, steps=10**6, precision=p)
        row[f"digits_{p}_steps_per_s"] = round(
            steps_per_second(lambda c=cfg: training.new_state(UNet(DIGITS.model), c, CPU), stream, steps), 2
        )
        tune = replace(spec.train_config(10**6), precision=p)
        model = finetune.initial_model(spec, one_image_model)
        row[f"finetune_{p}_steps_per_s"] = round(
            steps_per_second(lambda m=model, c=tune: training.new_state(m, c, CPU), image, steps), 2
        )
    row["digits_speedup"] = round(row["digits_bf16_steps_per_s"] / row["digits_float32_steps_per_s"], 2)
    row["finetune_speedup"] = round(row["finetune_bf16_steps_per_s"] / row["finetune_float32_steps_per_s"], 2)
    print("training", row, flush=True)
    return row


def finetune_quality(one_image_model: UNet, steps: int) -> dict:
    """The Training panel's default fine-tune (the shipped model at 64 x 64, batch 2, x0) run ``steps`` steps in each
    precision from the same seed on a new image: its training time and its EMA's DDIM-50 PSNR against the image."""
    row = {}
    spec = replace(finetune.RunSpec(start="pretrained", size=64), steps=steps)
    image = imaging.load_image(NEW_IMAGE, size=64)
    for p in PRECISIONS:
        state = training.new_state(
            finetune.initial_model(spec, one_image_model), replace(spec.train_config(), precision=p), CPU
        )
        t0 = time.perf_counter()
        for _ in training.train(state, image[None]):
            pass
        ema = set_precision(state.ema.model.eval(), "float32")
        row[p] = {"seconds": round(time.perf_counter() - t0, 1), "psnr_ema_db": round(psnr_from_seed(ema, image), 2)}
    print("fine-tune", steps, "steps", row, flush=True)
    return row


def training_quality(judge, steps: int, per_class: int) -> dict:
    row = {}
    stream = digits.DigitStream(seed=digits.TRAIN_SEED, batch_size=DIGITS.train.batch_size)
    for p in PRECISIONS:
        torch.manual_seed(0)
        state = training.new_state(
            UNet(DIGITS.model), replace(DIGITS.train, steps=steps, precision=p), torch.device("cpu")
        )
        t0 = time.perf_counter()
        for _ in training.train(state, stream):
            pass
        ema = set_precision(state.ema.model.eval(), "float32")  # judged in the same arithmetic
        report = digit_eval.report(ema, judge, DEFAULT_GUIDANCE, 20, per_class=per_class).as_dict()
        row[p] = {"seconds": round(time.perf_counter() - t0), "accuracy": report["accuracy"], "loss": state.losses[-1]}
        print("trained", steps, "steps in", p, row[p], flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and samples")
    parser.add_argument("--train-quality", type=int, default=0, help="also train the digits recipe this many steps")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    repeats, per_class = (3, 5) if args.quick else (7, 20)
    result: dict = {
        "machine": f"{cpu_name()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads, torch {torch.__version__}"
        + f", bf16 units: {precision.has_bf16_units()}",
        "auto_chooses": precision.choose("auto"),
    }
    print(result, flush=True)
    one, dig = hub.load_folder(hub.BUNDLED), hub.load_conditional(hub.BUNDLED / "digits")
    judge = classifier.load(hub.BUNDLED / "digits" / "classifier")
    result["forward"] = forwards({"one-image": one, "digits": dig}, repeats)
    result["one_image"] = one_image(one, repeats)
    result["digits"] = digits_sampling(dig, judge, repeats, per_class)
    result["training"] = training_speed(one, 5 if args.quick else 20)
    result["finetune_quality"] = finetune_quality(one, 100 if args.quick else 300)
    if args.train_quality:
        result["training_quality"] = training_quality(judge, args.train_quality, per_class)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
