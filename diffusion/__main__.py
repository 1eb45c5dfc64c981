"""Command line: ``python -m diffusion train|sample ...`` (``--help`` on each)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from diffusion import imaging, training
from diffusion.schedules import make_schedule
from diffusion.unet import UNet, UNetConfig

# What each preset trains: the post's network and objective, or our recipe (see bench/README.md).
MODEL_PRESETS: dict[str, UNetConfig] = {
    "post": UNetConfig(),
    "default": UNetConfig(coord_channels=True, prediction="x0", schedule="cosine"),
}


def evaluate(model: UNet, image: torch.Tensor, steps: int = 50, seed: int = 0) -> float:
    """PSNR (dB) of one DDIM sample (eta = 0) against the training image (C, H, W)."""
    from diffusion.sampling import sample

    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    x_T = torch.randn((1, *image.shape), generator=gen)
    with torch.inference_mode():
        out = sample(model, make_schedule(cfg.schedule, cfg.T), cfg.prediction, x_T, steps, generator=gen)
    return round(imaging.psnr(out[0], image), 3)


def cmd_train(args: argparse.Namespace) -> int:
    out = Path(args.out)
    ckpt = out / "checkpoint.pt"
    image = imaging.load_image(args.image, size=args.size)
    overrides = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr}
    cfg = replace(training.PRESETS[args.preset], **{k: v for k, v in overrides.items() if v})
    if args.resume and ckpt.exists():
        state = training.load_checkpoint(ckpt, cfg)
        print(f"resumed at step {state.step} from {ckpt}", flush=True)
    else:
        model_cfg = replace(MODEL_PRESETS[args.preset], image_size=args.size)
        state = training.new_state(UNet(model_cfg), cfg)
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "log.jsonl").open("a")
    t0, last_save = time.time(), time.time()
    for p in training.train(state, image[None]):
        if p.step % 50 == 0 or p.step == cfg.steps:
            print(f"step {p.step}/{cfg.steps} loss {p.loss:.5f} lr {p.lr:.2e} {time.time() - t0:.0f}s", flush=True)
        if args.eval_every and p.step % args.eval_every == 0:
            recent = state.losses[-50:]
            rec = {"step": p.step, "time": round(time.time() - t0, 1), "loss": sum(recent) / len(recent)}
            rec["psnr_ema"] = evaluate(state.ema.model, image)
            rec["psnr_raw"] = evaluate(state.model.eval(), image)
            state.model.train()
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(rec, flush=True)
        if time.time() - last_save > args.save_every:
            training.save_checkpoint(state, ckpt)
            last_save = time.time()
    training.save_checkpoint(state, ckpt)
    state.ema.model.save_pretrained(out / "ema")
    state.model.save_pretrained(out / "raw")
    print(f"done: {state.step} steps; weights in {out / 'ema'} (EMA) and {out / 'raw'}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m diffusion", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train a UNet on one image")
    tr.add_argument("--image", required=True)
    tr.add_argument("--out", required=True)
    tr.add_argument("--steps", type=int, default=0, help="optimiser steps (default: the preset's)")
    tr.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    tr.add_argument("--preset", choices=sorted(training.PRESETS), default="default")
    tr.add_argument("--size", type=int, default=128)
    tr.add_argument("--batch-size", type=int, default=0, help="default: the preset's")
    tr.add_argument("--lr", type=float, default=0.0, help="peak learning rate (default: the preset's)")
    tr.add_argument("--eval-every", type=int, default=0, help="DDIM-50 PSNR every N steps (0: never)")
    tr.add_argument("--save-every", type=float, default=120.0, help="seconds between checkpoints")
    args = parser.parse_args(argv)
    return {"train": cmd_train}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
