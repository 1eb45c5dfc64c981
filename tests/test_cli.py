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
