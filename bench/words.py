"""Benchmark: the words-to-pictures model (weights/scenes/), what the issue asks of it, on this machine.

Run: python -m bench.words [--n 200] [--out result.json]

- time: 8 samples, DDIM-20 with guidance, decoded (as the panel makes its grid; median of 5), in the precision
  the app would choose here and in float32; the first streamed grid (one step + decoding 8 x̂₀);
- the latent model's cost per step against a pixel-space UNet of the same design and width on the 3 x 48 x 48
  scenes (one guided step of 8 samples: 16 rows);
- prompt-following: the judge's reading of one sample per caption of ``--n`` fresh scenes, per attribute, on seen
  and on held-out compositions, against guidance (0, 1, 3, 5) at 20 steps and against steps (5, 10, 20, 50) at
  the default guidance;
- the same captions in English and in Chinese, same seeds: how often the judge reads the same scene;
- the judge's own accuracy on fresh rendered scenes (seen and held-out compositions).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import torch

from bench.digits import cpu_name
from bench.precision import timed
from diffusion import precision, scene_judge, scenes, text2image
from diffusion.hub import BUNDLED
from diffusion.recipes import SCENES_GUIDANCE
from diffusion.text2image import LatentDiffusion
from diffusion.unet import UNet

FOLDER = BUNDLED / "scenes"
DEFAULT_GUIDANCE = SCENES_GUIDANCE
PROMPT = "a big red 3 on the left and a small blue circle on the right"


def grid_time(model: LatentDiffusion, ae, steps: int = 20) -> float:
    def run() -> None:
        with torch.inference_mode():
            z = text2image.sample(model, [PROMPT] * 8, DEFAULT_GUIDANCE, steps, range(8))
            text2image.decode(ae, z, model.config.latent_scale)

    return timed(run, 5)


def first_grid_time(model: LatentDiffusion, ae) -> float:
    def run() -> None:
        with torch.inference_mode():
            p = next(text2image.generate_progressive(model, PROMPT, DEFAULT_GUIDANCE, 20, range(8)))
            text2image.decode(ae, p.pred_x0, model.config.latent_scale)

    return timed(run, 5)


def step_costs(model: LatentDiffusion) -> dict[str, float]:
    """One guided step of 8 samples (16 rows) in latent space and with a pixel-space UNet of the same design."""
    ids = scenes.encode([PROMPT] * 16)
    cfg = model.config.unet
    pixel = UNet(replace(cfg, in_channels=3, image_size=scenes.SIZE)).eval()
    pixel.precision = model.unet.precision
    context = model.text(ids)
    out = {}
    for name, net, shape in (
        ("latent 4 x 12 x 12", model.unet, (16, 4, 12, 12)),
        ("pixels 3 x 48 x 48", pixel, (16, 3, 48, 48)),
    ):
        x, t = torch.randn(shape), torch.full((16,), 500)
        with torch.inference_mode():
            out[name] = timed(lambda net=net, x=x, t=t: net(x, t, context=context), 10)
    return out


def following(model, ae, judge, n: int) -> dict:
    rows: dict = {"guidance": {}, "steps": {}}
    for w in (0.0, 1.0, 3.0, 5.0):
        rows["guidance"][w] = {
            kind: scene_judge.prompt_following(model, ae, judge, n, w, 20, held_out=kind == "held_out")[0]
            for kind in ("seen", "held_out")
        }
        print("guidance", w, json.dumps(rows["guidance"][w]), flush=True)
    for steps in (5, 10, 50):
        rows["steps"][steps] = scene_judge.prompt_following(model, ae, judge, n, DEFAULT_GUIDANCE, steps)[0]
        print("steps", steps, json.dumps(rows["steps"][steps]), flush=True)
    rows["steps"][20] = rows["guidance"][DEFAULT_GUIDANCE]["seen"]
    return rows


def novelty(model, ae, n: int) -> dict:
    """Median RMS distance of samples (one per fresh caption) to their nearest of the first 2,048 training scenes,
    beside the same for fresh rendered scenes: about equal means new scenes, far below means copies."""
    from diffusion import digit_eval

    reference = scenes.to_float(scenes.pool(2048)[0])
    asked = [scenes.random_scene(scene_judge.EVAL_SEED + i) for i in range(n)]
    z = text2image.sample(model, [s.caption("en") for s in asked], DEFAULT_GUIDANCE, 20, range(n))
    samples = text2image.decode(ae, z, model.config.latent_scale)
    fresh = scenes.to_float(scenes.pool(n, scene_judge.EVAL_SEED)[0])
    return {
        "samples_median": float(digit_eval.nearest(samples, reference)[0].median()),
        "fresh_scenes_median": float(digit_eval.nearest(fresh, reference)[0].median()),
    }


def languages(model, ae, judge, n: int) -> dict:
    en_rates, en = scene_judge.prompt_following(model, ae, judge, n, DEFAULT_GUIDANCE, 20, lang="en")
    zh_rates, zh = scene_judge.prompt_following(model, ae, judge, n, DEFAULT_GUIDANCE, 20, lang="zh")
    same = sum(a == b for a, b in zip(en, zh, strict=True)) / n
    return {"same_reading": same, "en": en_rates, "zh": zh_rates}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200, help="captions per setting")
    parser.add_argument("--out")
    args = parser.parse_args()
    parts = text2image.load_bundle(FOLDER)
    ae, model, judge = parts.autoencoder, parts.model, parts.judge
    result: dict = {"cpu": cpu_name(), "threads": torch.get_num_threads()}
    for want in ("float32", precision.choose()):
        model.unet.precision = want
        result[f"grid_8_ddim20_s_{want}"] = grid_time(model, ae)
        result[f"first_grid_s_{want}"] = first_grid_time(model, ae)
        result[f"step_cost_s_{want}"] = step_costs(model)
        print(want, json.dumps({k: v for k, v in result.items() if want in k}), flush=True)
    model.unet.precision = precision.choose()
    result["judge"] = {
        "seen": scene_judge.accuracy_on_fresh_scenes(judge, 2000),
        "held_out": scene_judge.accuracy_on_fresh_scenes(judge, 2000, held_out=True),
    }
    print("judge", json.dumps(result["judge"]), flush=True)
    result["languages"] = languages(model, ae, judge, args.n)
    print("languages", json.dumps(result["languages"]), flush=True)
    result["novelty"] = novelty(model, ae, args.n)
    print("novelty", json.dumps(result["novelty"]), flush=True)
    result["following"] = following(model, ae, judge, args.n)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
