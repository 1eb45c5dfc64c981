"""Command line: ``python -m diffusion train|sample ...`` (``--help`` on each)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from diffusion import imaging, limits, precision, training
from diffusion.process import Diffusion, psnr_from_seed
from diffusion.recipes import IMAGE_RECIPES
from diffusion.unet import UNet, UNetConfig


def cmd_train(args: argparse.Namespace) -> int:
    if args.dataset == "digits":
        return cmd_train_digits(args)
    if args.dataset == "scenes":
        return cmd_train_scenes(args)
    if not args.image:
        print("error: --image is required with --dataset image.", file=sys.stderr)
        return 2
    args.preset = args.preset or "default"
    if args.preset not in IMAGE_RECIPES:
        print(f"error: --preset for one image must be one of {sorted(IMAGE_RECIPES)}.", file=sys.stderr)
        return 2
    out = Path(args.out)
    ckpt = out / "checkpoint.pt"
    image = imaging.load_image(args.image, size=args.size)
    overrides = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "precision": args.precision}
    recipe = IMAGE_RECIPES[args.preset]
    cfg = replace(recipe.train, **{k: v for k, v in overrides.items() if v})
    if args.resume and ckpt.exists():
        state = training.load_checkpoint(ckpt, cfg)
        print(f"resumed at step {state.step} from {ckpt}", flush=True)
    else:
        model_cfg = replace(recipe.model, image_size=args.size)
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
            rec["psnr_ema"] = psnr_from_seed(state.ema.model, image)
            rec["psnr_raw"] = psnr_from_seed(state.model.eval(), image)
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


def cmd_train_scenes(args: argparse.Namespace) -> int:
    """The words-to-pictures model: ``--stage autoencoder`` first, then ``--stage model`` on its latents; ``--stage
    judge`` (any time) the classifier that scores its samples."""
    stages = {"model": cmd_train_scene_model, "judge": cmd_train_scene_judge, "autoencoder": cmd_train_autoencoder}
    return stages[args.stage](args)


def cmd_train_scene_judge(args: argparse.Namespace) -> int:
    """The judge: a classifier of the scenes' objects, trained on a pool of fresh scenes (held-out ones included)."""
    from diffusion import scene_judge

    steps, batch = args.steps or 4000, args.batch_size or 64
    cache = Path(args.out) / f"pool-{args.pool}.pt"  # rendering 30,000 scenes takes minutes: once per pool size
    if cache.is_file():
        images, pool = torch.load(cache, weights_only=True), scene_judge.training_scenes(args.pool)
    else:
        print(f"rendering {args.pool:,} scenes (a quarter with held-out compositions)", flush=True)
        images, pool = scene_judge.training_pool(args.pool)
        cache.parent.mkdir(parents=True, exist_ok=True)
        torch.save(images, cache)
    t0 = time.time()
    for progress in scene_judge.train_judge(images, pool, steps, batch, args.lr or 2e-3):
        step, loss, model = progress
        if step % 100 == 0:
            print(f"step {step}/{steps} loss {loss:.4f} {time.time() - t0:.0f}s", flush=True)
    seen = scene_judge.accuracy_on_fresh_scenes(model, 2000)
    held = scene_judge.accuracy_on_fresh_scenes(model, 2000, held_out=True)
    scene_judge.save(model, args.out)
    (Path(args.out) / "accuracy.json").write_text(json.dumps({"seen": seen, "held_out": held}, indent=2) + "\n")
    print(f"done in {time.time() - t0:.0f}s: on 2,000 fresh scenes {seen}; with held-out compositions {held}")
    return 0


def cmd_train_scene_model(args: argparse.Namespace) -> int:
    """The text encoder and latent UNet, trained together on the autoencoder's latents of captioned scenes; under
    torchrun, data-parallel on every rank (each renders the pool; training's batches differ per rank)."""
    from diffusion import autoencoder, distributed, scenes, text2image

    if not args.autoencoder:
        print("error: --stage model needs --autoencoder (the folder of the trained autoencoder).", file=sys.stderr)
        return 2
    from diffusion.recipes import SCENES

    cfg = replace(
        SCENES.train,
        **{k: v for k, v in {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr}.items() if v},
        precision=args.precision,
    )
    rank, world, device = distributed.setup()
    if cfg.batch_size % world:
        print(f"error: the batch size {cfg.batch_size} must be divisible by {world} processes.", file=sys.stderr)
        return 2
    ae = autoencoder.KLAutoencoder.from_pretrained(args.autoencoder).eval()
    out, ckpt = Path(args.out), Path(args.out) / "checkpoint.pt"
    _say(rank, f"rendering {args.pool:,} scenes and encoding them")
    images, pool = scenes.pool(args.pool)
    latents = text2image.latents_of(ae, images)
    if args.resume and ckpt.exists():
        state = training.load_checkpoint(ckpt, cfg, device, build=text2image.from_config_dict)
        _say(rank, f"resumed at step {state.step} from {ckpt}")
    else:
        scale = float(1.0 / latents.std())
        torch.manual_seed(cfg.seed)  # the initial weights; DDP broadcasts rank 0's anyway
        state = training.new_state(text2image.LatentDiffusion(text2image.T2IConfig(latent_scale=scale)), cfg, device)
    state = distributed.wrap(state, rank, world)
    scale = state.model.config.latent_scale
    captions = [(s.caption("en"), s.caption("zh")) for s in pool]
    stream = text2image.LatentCaptionStream(latents * scale, captions, cfg.batch_size // world, cfg.seed)
    out.mkdir(parents=True, exist_ok=True)
    t0, last_save, start = time.time(), time.time(), state.step
    for p in training.train(state, stream):
        if p.step % 50 == 0:
            rate = (time.time() - t0) / max(p.step - start, 1)
            _say(rank, f"step {p.step}/{cfg.steps} loss {p.loss:.5f} lr {p.lr:.2e} {rate:.3f}s/step")
        if rank == 0 and time.time() - last_save > args.save_every:
            training.save_checkpoint(state, ckpt)
            last_save = time.time()
    identical = distributed.weights_identical(state.model, world)
    if rank == 0:
        training.save_checkpoint(state, ckpt)
        state.ema.model.save(out / "model")
        print(f"done: {state.step} steps on {world} process(es), weights identical on every rank: {identical}; "
              f"weights in {out / 'model'} (EMA)", flush=True)  # fmt: skip
    distributed.teardown(world)
    return 0


def cmd_train_autoencoder(args: argparse.Namespace) -> int:
    """The words-to-pictures model's first stage: the autoencoder of the scenes (checkpointed, resumable)."""
    from diffusion import autoencoder, scenes

    out, ckpt = Path(args.out), Path(args.out) / "checkpoint.pt"
    steps, batch = args.steps or 20_000, args.batch_size or 64
    if args.resume and ckpt.exists():
        run = autoencoder.load_run(ckpt, args.lr)
    else:
        run = autoencoder.new_run(autoencoder.KLConfig(), args.lr or 1e-3)
    where = f"resumed at step {run.step}" if run.step else "new run"
    print(f"{where}; rendering {args.pool:,} scenes", flush=True)
    images, _ = scenes.pool(args.pool)
    fresh, _ = scenes.pool(512, first_seed=10**7)  # never trained on
    out.mkdir(parents=True, exist_ok=True)
    t0, last_save, log = time.time(), time.time(), (out / "log.jsonl").open("a")
    for step, rec, kl in autoencoder.train(run, images, steps, batch, precision=precision.choose(args.precision)):
        if step % 50 == 0:
            print(f"step {step}/{steps} L1 {rec:.4f} KL {kl:.1f} {time.time() - t0:.0f}s", flush=True)
        if args.eval_every and step % args.eval_every == 0:
            psnr = autoencoder.reconstruction_psnr(run.model.eval(), fresh)
            run.model.train()
            log.write(json.dumps({"step": step, "time": round(time.time() - t0), "l1": rec, "psnr": psnr}) + "\n")
            log.flush()
            print(f"step {step}: reconstruction PSNR on fresh scenes {psnr:.2f} dB", flush=True)
        if time.time() - last_save > args.save_every:
            autoencoder.save_run(run, ckpt)
            last_save = time.time()
    autoencoder.save_run(run, ckpt)
    run.model.save_pretrained(out / "autoencoder")
    print(f"done: {run.step} steps, PSNR {autoencoder.reconstruction_psnr(run.model, fresh):.2f} dB", flush=True)
    return 0


def cmd_train_digits(args: argparse.Namespace) -> int:
    """Train the class-conditional digits model; under torchrun, data-parallel on every rank."""
    from diffusion import distributed
    from diffusion.digits import TRAIN_SEED, DigitStream
    from diffusion.recipes import DIGITS_RECIPES

    name = args.preset or "digits"
    if name not in DIGITS_RECIPES:
        print(f"error: --preset for digits must be one of {sorted(DIGITS_RECIPES)}.", file=sys.stderr)
        return 2
    recipe = DIGITS_RECIPES[name]
    rank, world, device = distributed.setup()
    overrides = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "precision": args.precision}
    cfg = replace(recipe.train, **{k: v for k, v in overrides.items() if v})
    if cfg.batch_size % world:
        print(f"error: the batch size {cfg.batch_size} must be divisible by {world} processes.", file=sys.stderr)
        return 2
    out, ckpt = Path(args.out), Path(args.out) / "checkpoint.pt"
    if args.resume and ckpt.exists():
        state = training.load_checkpoint(ckpt, cfg, device)
        _say(rank, f"resumed at step {state.step} from {ckpt}")
    else:
        torch.manual_seed(cfg.seed)  # the initial weights; DDP broadcasts rank 0's anyway
        state = training.new_state(UNet(recipe.model), cfg, device)
    state = distributed.wrap(state, rank, world)
    stream = DigitStream(seed=TRAIN_SEED, batch_size=cfg.batch_size // world)
    out.mkdir(parents=True, exist_ok=True)
    t0, last_save, start = time.time(), time.time(), state.step
    for p in training.train(state, stream):
        if p.step % 50 == 0 or p.step == cfg.steps:
            rate = (time.time() - t0) / max(p.step - start, 1)
            _say(
                rank,
                f"step {p.step}/{cfg.steps} loss {p.loss:.5f} lr {p.lr:.2e} {time.time() - t0:.0f}s {rate:.3f}s/step",
            )
        if rank == 0 and args.eval_every and p.step % args.eval_every == 0:
            state.ema.model.save_pretrained(out / "ema")
            _digit_sheet(state.ema.model, out / f"samples_{p.step:06d}.png")
            state.model.train()
        if rank == 0 and time.time() - last_save > args.save_every:
            training.save_checkpoint(state, ckpt)
            last_save = time.time()
    identical = distributed.weights_identical(state.model, world) and distributed.weights_identical(
        state.ema.model, world
    )
    if rank == 0:
        training.save_checkpoint(state, ckpt)
        state.ema.model.save_pretrained(out / "ema")
        state.model.save_pretrained(out / "raw")
        minutes = (time.time() - t0) / 60
        (out / "run.json").write_text(
            json.dumps(
                {
                    "steps": state.step,
                    "world": world,
                    "minutes": round(minutes, 2),
                    "identical_on_all_ranks": identical,
                    "recipe": name,
                }
            )
        )
    _say(rank, f"done: {state.step} steps on {world} process(es); weights identical on every rank: {identical}")
    distributed.teardown(world)
    return 0 if identical else 1


def _say(rank: int, message: str) -> None:
    if rank == 0:
        print(message, flush=True)


def _digit_sheet(model: UNet, path: Path, steps: int = 20, guidance: float = 0.0) -> None:
    """Two rows of samples, labels 0-9 then 0-9 again, from seeds 0-19 (a visual check during training)."""
    from diffusion.digit_eval import generate

    model.eval()
    out = generate(model, torch.arange(20) % 10, guidance, steps, range(20))
    imaging.grid_image(out, nrow=10).save(path)


def cmd_sample_scenes(args: argparse.Namespace) -> int:
    """Text to picture: ``--prompt`` (English or Chinese), ``--negative``, guidance, steps, n seeds from --seed."""
    from diffusion import autoencoder, scenes, text2image

    folder = Path(args.weights)
    ae = autoencoder.KLAutoencoder.from_pretrained(str(folder / "autoencoder")).eval()
    model = text2image.LatentDiffusion.load(folder / "model")
    precision.use(model.unet, args.precision)
    from diffusion.recipes import SCENES_GUIDANCE

    guidance = SCENES_GUIDANCE if args.guidance is None else args.guidance
    if not 1 <= args.steps <= model.config.T:
        print(
            f"error: --steps must be between 1 and {limits.shown(model.config.T)}, got {args.steps}.", file=sys.stderr
        )
        return 2
    t0 = time.perf_counter()
    try:
        with torch.inference_mode():
            for p in text2image.generate_progressive(
                model, args.prompt or "", guidance, args.steps, range(args.seed, args.seed + args.n), args.negative
            ):
                final = p.x
            images = text2image.decode(ae, final, model.config.latent_scale)
    except scenes.PromptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    imaging.grid_image(images, nrow=args.n).save(args.out)
    said = f"“{args.prompt}”" if args.prompt else "the empty prompt (unconditional)"
    print(f"{said}, w = {guidance:g}, DDIM-{args.steps} in {model.unet.precision}: {args.out} "
          f"({time.perf_counter() - t0:.2f} s)")  # fmt: skip
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from diffusion import hub

    if (Path(args.weights) / "autoencoder").is_dir():  # the words-to-pictures model: autoencoder and model
        return cmd_sample_scenes(args)
    try:
        loaded = hub.load_model(args.weights, revision=args.revision)
    except hub.WeightsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model, cfg = precision.use(loaded.model, args.precision), loaded.model.config
    print(f"{loaded.note} Sampling in {model.precision}.", flush=True)
    problem = _check_conditioning(cfg, args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    if cfg.num_classes:
        from diffusion.digit_eval import generate

        labels = None if args.label is None else torch.full((args.n,), args.label)
        seeds = range(args.seed, args.seed + args.n)
        out = generate(model, labels, args.guidance, args.steps, seeds, method=args.method, eta=args.eta)
        size = cfg.image_size
    else:
        gen = torch.Generator().manual_seed(args.seed)
        size = args.size or cfg.image_size
        x_T = torch.randn((args.n, cfg.in_channels, size, size), generator=gen)
        with torch.inference_mode():
            out = Diffusion.of(cfg).sample(
                model,
                x_T,
                args.steps,
                method=args.method,
                eta=args.eta,
                generator=gen,
            )
    print(f"{args.method.upper()}-{args.steps}: {time.perf_counter() - t0:.2f} s", flush=True)
    from PIL import Image

    tiles = [imaging.to_pil(x) for x in out]
    sheet = Image.new(tiles[0].mode, (size * len(tiles), size))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, (i * size, 0))
    sheet.save(args.out)
    print(f"saved {args.out}")
    return 0


def _check_conditioning(cfg: UNetConfig, args: argparse.Namespace) -> str | None:
    """Why --label/--guidance can't be used with this model (None when they can)."""
    import math

    if not cfg.num_classes:
        if args.label is not None or args.guidance is not None:
            return "this model has no label embedding (config.json: num_classes = 0): drop --label and --guidance."
        return None
    if args.guidance is None:
        from diffusion.recipes import DEFAULT_GUIDANCE

        args.guidance = DEFAULT_GUIDANCE
    if args.label is not None and not 0 <= args.label < cfg.num_classes:
        return f"--label must be between 0 and {cfg.num_classes - 1}, got {args.label}."
    if not math.isfinite(args.guidance) or not 0 <= args.guidance <= 20:
        return f"--guidance must be a number between 0 and 20, got {args.guidance}."
    if not 1 <= args.steps <= cfg.T:
        return f"--steps must be between 1 and {limits.shown(cfg.T)}, got {args.steps}."
    return None


def cmd_push(args: argparse.Namespace) -> int:
    import os

    from diffusion import hub

    token = os.environ.get("HF_TOKEN")
    if not token:
        print("error: set HF_TOKEN to a Hugging Face write token to push.", file=sys.stderr)
        return 2
    try:
        url = hub.push_folder(args.weights, args.repo, token)
    except (hub.WeightsError, ConnectionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"pushed to {url}")
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    """Push the models to model repos and the app to a Space (or, with --dry-run, say what would happen)."""
    import os

    from diffusion import deploy, hub

    plan = deploy.plan(args.space, args.owner)
    print(deploy.describe(plan), flush=True)
    if plan.problems:
        print("error: nothing was uploaded; fix the problems above first.", file=sys.stderr)
        return 2
    if args.dry_run:
        print("dry run: nothing was uploaded.")
        return 0
    try:
        url = deploy.deploy(args.space, os.environ.get("HF_TOKEN", ""), args.owner, args.private)
    except (hub.WeightsError, ConnectionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"deployed: {url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m diffusion", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train a UNet on one image, or the class-conditional digits model")
    tr.add_argument("--dataset", choices=("image", "digits", "scenes"), default="image")
    tr.add_argument("--pool", type=int, default=20_000, help="scenes: how many scenes to render for training")
    tr.add_argument(
        "--stage", choices=("autoencoder", "model", "judge"), default="autoencoder", help="scenes: which part"
    )
    tr.add_argument("--autoencoder", help="scenes, --stage model: the trained autoencoder's folder")
    tr.add_argument("--image", help="the training image (--dataset image)")
    tr.add_argument("--out", required=True)
    tr.add_argument("--steps", type=int, default=0, help="optimiser steps (default: the preset's)")
    tr.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    tr.add_argument("--preset", help="image: default or post; digits: digits (default) or digits-tiny")
    tr.add_argument("--size", type=int, default=128)
    tr.add_argument("--batch-size", type=int, default=0, help="default: the preset's")
    tr.add_argument("--lr", type=float, default=0.0, help="peak learning rate (default: the preset's)")
    tr.add_argument("--eval-every", type=int, default=0, help="DDIM-50 PSNR every N steps (0: never)")
    tr.add_argument("--save-every", type=float, default=120.0, help="seconds between checkpoints")
    tr.add_argument(
        "--precision", choices=precision.PRECISIONS, help="the forward's arithmetic (default: float32 on a CPU)"
    )
    sa = sub.add_parser("sample", help="generate images with trained weights")
    sa.add_argument("--weights", default="bundled", help="a folder, a Hub repo id, or 'bundled' (weights/)")
    sa.add_argument("--revision", default="main", help="Hub revision (branch, tag or commit) to pin")
    sa.add_argument("--steps", type=int, default=50)
    sa.add_argument("--eta", type=float, default=0.0)
    sa.add_argument("--method", choices=("ddim", "ddpm"), default="ddim")
    sa.add_argument("--seed", type=int, default=0)
    sa.add_argument("--n", type=int, default=1, help="images side by side (one seed stream; digits: seeds SEED..)")
    sa.add_argument("--label", type=int, default=None, help="class-conditional models: the digit to draw")
    sa.add_argument(
        "--guidance",
        type=float,
        default=None,
        help="classifier-free guidance w: (1+w) cond - w uncond (default: the recipe's)",
    )
    sa.add_argument("--size", type=int, default=0, help="default: the training size")
    sa.add_argument("--out", default="sample.png")
    sa.add_argument("--prompt", default="", help="the words-to-pictures model: what to draw (English or Chinese)")
    sa.add_argument("--negative", default="", help="the words-to-pictures model: what to steer away from")
    sa.add_argument(
        "--precision",
        choices=precision.PRECISIONS,
        help=f"default: {precision.ENV}, else auto (bf16 if the chip has it)",
    )
    pu = sub.add_parser("push", help="upload a weights folder to the Hub (token from HF_TOKEN)")
    pu.add_argument("--weights", required=True)
    pu.add_argument("--repo", required=True)
    de = sub.add_parser("deploy", help="push the models to model repos and the app to a Space (token from HF_TOKEN)")
    de.add_argument("--space", required=True, help="the Space id, owner/name")
    de.add_argument("--owner", default=None, help="who owns the model repos (default: the Space's owner)")
    de.add_argument("--private", action="store_true")
    de.add_argument("--dry-run", action="store_true", help="list what would be uploaded and check it; upload nothing")
    args = parser.parse_args(argv)
    commands = {"train": cmd_train, "sample": cmd_sample, "push": cmd_push, "deploy": cmd_deploy}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
