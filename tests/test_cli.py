"""The command line: train (and resume), sample, push without a token."""

from __future__ import annotations

import json

from PIL import Image

from diffusion.__main__ import main
from diffusion.imaging import sample_image_path


def test_train_resume_and_sample(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    args = ["train", "--image", sample_image_path(), "--out", str(out), "--size", "16", "--batch-size", "1"]
    assert main([*args, "--steps", "3", "--eval-every", "3"]) == 0
    assert (out / "ema" / "model.safetensors").is_file() and (out / "checkpoint.pt").is_file()
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert log[0]["step"] == 3 and "psnr_ema" in log[0]
    assert main([*args, "--steps", "5", "--resume"]) == 0
    assert "resumed at step 3" in capsys.readouterr().out
    png = tmp_path / "s.png"
    assert main(["sample", "--weights", str(out / "ema"), "--steps", "2", "--n", "2", "--out", str(png)]) == 0
    assert Image.open(png).size == (32, 16)


def test_sample_and_push_errors(tmp_path, capsys, monkeypatch) -> None:
    assert main(["sample", "--weights", "not a repo id", "--out", str(tmp_path / "x.png")]) == 2
    assert "not a Hub repo id" in capsys.readouterr().err
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert main(["push", "--weights", str(tmp_path), "--repo", "me/model"]) == 2
    assert "set HF_TOKEN" in capsys.readouterr().err


def test_digits_train_resume_and_conditional_sampling(tmp_path, capsys) -> None:
    out = tmp_path / "digits"
    args = ["train", "--dataset", "digits", "--preset", "digits-tiny", "--out", str(out)]
    assert main([*args, "--steps", "4", "--eval-every", "4"]) == 0
    assert (out / "samples_000004.png").is_file() and (out / "ema" / "config.json").is_file()
    assert main([*args, "--steps", "6", "--resume"]) == 0
    assert "resumed at step 4" in capsys.readouterr().out
    png = tmp_path / "three.png"
    common = ["sample", "--weights", str(out / "ema"), "--steps", "3", "--seed", "0", "--out", str(png)]
    assert main([*common, "--label", "3", "--guidance", "2", "--n", "4"]) == 0
    assert Image.open(png).size == (4 * 32, 32)
    assert "Sampling in float32." in capsys.readouterr().out  # the tests' DIFFUSION_PRECISION
    assert main([*common, "--label", "3", "--precision", "bf16"]) == 0  # the flag wins over the environment
    assert "Sampling in bf16." in capsys.readouterr().out
    assert main([*args, "--steps", "7", "--resume", "--precision", "bf16"]) == 0  # training in bf16 autocast
    assert main(common) == 0  # unconditional
    assert Image.open(png).size == (32, 32)


def test_digits_sampling_errors(tmp_path, capsys) -> None:
    from diffusion.recipes import DIGITS_TINY
    from diffusion.unet import UNet

    UNet(DIGITS_TINY.model).save_pretrained(tmp_path / "m")
    base = ["sample", "--weights", str(tmp_path / "m"), "--out", str(tmp_path / "x.png"), "--steps", "2"]
    for extra, message in [
        (["--label", "10"], "--label must be between 0 and 9"),
        (["--label", "-1"], "--label must be between 0 and 9"),
        (["--guidance", "nan"], "--guidance must be a number between 0 and 20"),
        (["--guidance", "-1"], "--guidance must be a number between 0 and 20"),
    ]:
        assert main([*base, *extra]) == 2
        assert message in capsys.readouterr().err
    assert main([*base[:-2], "--steps", "1000000"]) == 2
    assert "--steps must be between 1 and 1,000" in capsys.readouterr().err
    # a one-image (unconditional) model refuses a label, saying why
    assert main(["sample", "--weights", "bundled", "--label", "3", "--out", str(tmp_path / "y.png")]) == 2
    assert "no label embedding" in capsys.readouterr().err
    assert main(["train", "--dataset", "digits", "--preset", "post", "--out", str(tmp_path / "r")]) == 2
    assert "--preset for digits must be one of" in capsys.readouterr().err


def test_the_scenes_autoencoder_trains_resumes_and_ships_hub_weights(tmp_path, capsys) -> None:
    out = tmp_path / "ae"
    args = ["train", "--dataset", "scenes", "--out", str(out), "--pool", "32", "--batch-size", "4", "--eval-every", "2"]
    assert main([*args, "--steps", "2"]) == 0
    assert "reconstruction PSNR on fresh scenes" in capsys.readouterr().out
    assert main([*args, "--steps", "3", "--resume"]) == 0
    assert "resumed at step 2" in capsys.readouterr().out
    from diffusion.autoencoder import KLAutoencoder

    assert KLAutoencoder.from_pretrained(str(out / "autoencoder")).config.latent_size == 12
    # the second stage on its latents, then text to picture from the bundle (autoencoder/ and model/)
    model_args = ["train", "--dataset", "scenes", "--stage", "model", "--autoencoder", str(out / "autoencoder")]
    assert main([*model_args, "--out", str(out), "--pool", "16", "--batch-size", "4", "--steps", "2"]) == 0
    png = tmp_path / "f.png"
    sample = ["sample", "--weights", str(out), "--steps", "3", "--seed", "0", "--n", "2", "--out", str(png)]
    assert main([*sample, "--prompt", "a red 3 on the left", "--negative", "a blue 3"]) == 0
    assert Image.open(png).size == (2 * 48 + 3 * 2, 48 + 2 * 2)
    assert "“a red 3 on the left”, w = 3, DDIM-3" in capsys.readouterr().out
    assert main([*sample, "--prompt", "左边一个红色 3"]) == 0
    assert main([*sample]) == 0 and "the empty prompt (unconditional)" in capsys.readouterr().out
    assert main([*sample, "--prompt", "a red dog"]) == 2 and "Unknown words: “dog”" in capsys.readouterr().err
