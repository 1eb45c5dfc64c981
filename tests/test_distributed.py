"""Data-parallel training under torchrun: two CPU processes (gloo) end with bit-identical weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from diffusion import hub

ROOT = Path(__file__).resolve().parent.parent


def test_torchrun_two_cpu_processes_train_to_identical_weights(tmp_path) -> None:
    out = tmp_path / "ddp"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "diffusion",
        "train",
        "--dataset",
        "digits",
        "--preset",
        "digits-tiny",
        "--out",
        str(out),
        "--steps",
        "12",
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on 2 process(es); weights identical on every rank: True" in done.stdout
    run = json.loads((out / "run.json").read_text())
    assert run == {**run, "steps": 12, "world": 2, "identical_on_all_ranks": True}
    trained = hub.load_folder(out / "ema")
    assert trained.config.num_classes == 10
    # it trained: the weights moved away from the seeded initialisation
    from diffusion.recipes import DIGITS_TINY
    from diffusion.unet import UNet

    torch.manual_seed(0)
    init = UNet(DIGITS_TINY.model)
    moved = [not torch.equal(a, b) for a, b in zip(init.parameters(), trained.parameters(), strict=True)]
    assert sum(moved) > len(moved) // 2


def test_torchrun_trains_the_words_to_pictures_model_on_two_processes(tmp_path) -> None:
    out = tmp_path / "t2i"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "diffusion"]
    cmd += [
        "train",
        "--dataset",
        "scenes",
        "--stage",
        "model",
        "--autoencoder",
        str(ROOT / "weights/scenes/autoencoder"),
    ]
    cmd += ["--out", str(out), "--pool", "32", "--steps", "3", "--batch-size", "8"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3 steps on 2 process(es), weights identical on every rank: True" in done.stdout
    from diffusion.text2image import LatentDiffusion

    assert LatentDiffusion.load(out / "model").config.text.vocab == 44
