"""Fine-tuning in chunks: chunks add up to one run, jobs cross process boundaries, NaN and export are safe."""

from __future__ import annotations

import pickle
import zipfile
from dataclasses import replace

import pytest
import torch

from diffusion import finetune, imaging, training
from diffusion.unet import UNet

TINY = finetune.RunSpec(start="scratch", network="small", size=32, steps=12, lr=2e-3, ema_decay=0.9)


@pytest.fixture(scope="module")
def image() -> torch.Tensor:
    return imaging.load_image(imaging.sample_image_path(), size=32)


def test_chunks_add_up_to_the_uninterrupted_run(image) -> None:
    job = finetune.new_job(TINY)
    whole = training.state_from_dict(job, device=torch.device("cpu"))
    for _ in training.train(whole, image[None]):
        pass
    for until in (3, 7, 12):  # three chunks, the job crossing a pickle round trip (a ZeroGPU call) each time
        res = finetune.train_chunk(pickle.loads(pickle.dumps(job)), image, until, max_seconds=60)
        assert res.error is None and res.job["step"] == until
        job = res.job
    assert job["losses"] == whole.losses
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(job["model"][name], tensor), name
    for name, tensor in whole.ema.model.state_dict().items():
        assert torch.equal(job["ema"][name], tensor), name


def test_a_chunk_stops_at_preview_boundaries_and_at_its_time_budget(image) -> None:
    job = finetune.new_job(replace(TINY, steps=20))
    res = finetune.train_chunk(job, image, until_step=20, max_seconds=60, preview_every=5)
    assert res.job["step"] == 5 and res.preview is not None and res.preview.step == 5
    assert job["step"] == 0  # the input job is not modified
    res = finetune.train_chunk(res.job, image, until_step=20, max_seconds=0.0)
    assert res.job["step"] == 6 and res.preview is None  # one step always runs


def test_previews_are_samples_scored_against_the_image(image) -> None:
    job = finetune.new_job(TINY)
    res = finetune.train_chunk(job, image, until_step=0, max_seconds=0, force_preview=True)
    assert res.job["step"] == 0 and res.preview.ema.shape == (32, 32) and res.preview.ema.dtype.name == "uint8"
    pixels = torch.from_numpy(res.preview.ema).float()[None] / 127.5 - 1
    assert res.preview.psnr_ema == pytest.approx(imaging.psnr(pixels, image), abs=0.05)  # uint8 rounding


def test_a_short_run_learns_the_image(image) -> None:
    """Small network from scratch, x0-prediction: noise-like previews at first, the image after 150 steps."""
    job = finetune.new_job(replace(TINY, steps=150, lr=3e-3))
    before = finetune.train_chunk(job, image, 0, 0, force_preview=True).preview.psnr_ema
    after = finetune.train_chunk(job, image, 150, max_seconds=120, force_preview=True).preview
    assert before < 12 and after.psnr_raw > 20 and after.psnr_raw > before + 10


def test_a_nan_keeps_the_last_good_weights(image) -> None:
    job = finetune.new_job(TINY)
    job = finetune.train_chunk(job, image, 2, max_seconds=60).job
    broken = dict(job, model={k: v.clone() for k, v in job["model"].items()})
    next(iter(broken["model"].values())).fill_(float("nan"))
    res = finetune.train_chunk(broken, image, 5, max_seconds=60, preview_every=1)
    assert res.error and "Kept the weights of step 2" in res.error and res.preview is None
    assert res.job is broken and res.job["step"] == 2


def test_pretrained_runs_keep_the_weights_and_retarget_size_and_prediction() -> None:
    pretrained = UNet(finetune.model_config(TINY, None))
    spec = replace(TINY, start="pretrained", size=64, prediction="eps")
    model = finetune.initial_model(spec, pretrained)
    assert model.config.image_size == 64 and model.config.prediction == "eps"
    assert all(
        torch.equal(a, b) for a, b in zip(model.state_dict().values(), pretrained.state_dict().values(), strict=True)
    )
    with pytest.raises(ValueError, match="No pretrained model"):
        finetune.initial_model(spec, None)


def test_export_is_a_strict_hub_folder_of_the_ema_weights(image, tmp_path) -> None:
    job = finetune.train_chunk(finetune.new_job(TINY), image, 4, max_seconds=60).job
    path = finetune.export_zip(job, tmp_path / "model.zip", finetune.model_card(job, TINY, 12.3))
    with zipfile.ZipFile(path) as zf:
        zf.extractall(tmp_path / "out")
    model = UNet.from_pretrained(str(tmp_path / "out"), strict=True)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, job["ema"][name]), name
    card = (tmp_path / "out" / "README.md").read_text()
    assert "4 steps" in card and "12.3 dB" in card and "random weights" in card


def test_extend_and_validation() -> None:
    job = finetune.new_job(TINY)
    assert finetune.extend_job(job, 5)["train_config"]["steps"] == 5  # step 0 + 5 more
    with pytest.raises(ValueError, match="Steps must be between 1 and 5,000"):
        finetune.extend_job(job, 0)
    for bad, message in [
        ({"size": 100}, "Size must be one of 32, 64, 128"),
        ({"lr": 1.0}, "Learning rate must be between"),
        ({"ema_decay": 1.0}, "EMA decay must be between 0 and 0.9999"),
        ({"batch_size": 17}, "Batch size must be between 1 and 16"),  # the panel's slider: one limit
        ({"prediction": "noise"}, "Prediction must be eps, v or x0"),
    ]:
        with pytest.raises(ValueError, match=message):
            replace(TINY, **bad)


def test_post_preset_uses_the_posts_optimiser() -> None:
    cfg = replace(TINY, preset="post", lr=2e-4, batch_size=1).train_config()
    assert (cfg.lr_schedule, cfg.warmup_steps, cfg.weight_decay, cfg.batch_size) == ("post", 0, 0.01, 1)
    assert replace(TINY, steps=40).train_config().lr_schedule == "cosine"


def test_step_seconds_is_measured_and_cached() -> None:
    config = finetune.model_config(TINY, None)
    first = finetune.step_seconds(config, 2)
    assert 0 < first < 5 and finetune.step_seconds(config, 2) == first


def test_run_estimate_adds_the_previews_in_units_of_training_steps() -> None:
    # 300 steps of batch 2 at 0.25 s, a preview every 50 steps: 6 previews, each 2 x PREVIEW_STEPS single-image
    # forward passes, i.e. 2 * 10 / (3 * 2) = 3.33 training steps of 0.25 s
    run = finetune.estimate_run(0.25, 300, 2, 50)
    assert finetune.PREVIEW_STEPS == 10
    assert run.previews == pytest.approx(6 * 2 * 10 * 0.25 / 6)
    assert run.total == pytest.approx(300 * 0.25 + 5.0)
    assert finetune.estimate_run(0.25, 300, 2, 1000).previews == 0  # no preview before the end of the run


def test_steps_within_a_budget_inverts_the_estimate() -> None:
    """What the page says one click reaches: the steps whose estimated time (previews included) fits the budget."""
    run = finetune.estimate_run(0.25, 300, 2, 50)
    assert finetune.steps_within(run.total, 0.25, 2, 50) == pytest.approx(300, abs=1)
    assert finetune.steps_within(120.0, 0.4, 2, 50) == pytest.approx(120 / (0.4 * (1 + 2 * 10 / (3 * 2) / 50)), abs=1)
