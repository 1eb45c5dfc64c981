"""Training engine: the loss falls, EMA math, learning-rate schedules, exact resume, NaN stop."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
from tiny import tiny_config

from diffusion import training
from diffusion.recipes import IMAGE_RECIPES
from diffusion.unet import UNet

TINY = tiny_config(prediction="x0", schedule="cosine")
IMAGE = torch.linspace(-1, 1, 256).view(1, 1, 16, 16)


def tiny_state(steps: int, **kwargs) -> training.TrainState:
    torch.manual_seed(0)
    cfg = training.TrainConfig(steps=steps, batch_size=4, lr=3e-3, warmup_steps=5, **kwargs)
    return training.new_state(UNet(TINY), cfg, torch.device("cpu"))


def test_loss_falls_on_a_tiny_model() -> None:
    state = tiny_state(150)
    losses = [p.loss for p in training.train(state, IMAGE)]
    assert len(losses) == 150 and state.step == 150
    assert sum(losses[-20:]) / 20 < 0.5 * sum(losses[:20]) / 20


def test_ema_math() -> None:
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.constant_(model.weight, 0.0)
    ema = training.EMA(model, decay=0.9)
    expected = 0.0
    for n in range(1, 100):
        torch.nn.init.constant_(model.weight, float(n))
        ema.update(model)
        d = min(0.9, (1 + n) / (10 + n))  # warm-up: the early decays are small
        expected = d * expected + (1 - d) * n
        assert math.isclose(ema.model.weight.item(), expected, rel_tol=1e-6)
    assert ema.current_decay() == 0.9


def test_learning_rate_schedules() -> None:
    post = IMAGE_RECIPES["post"].train
    assert post.batch_size == 1 and post.lr == 2e-4 and post.grad_clip == 1.0 and post.ema_decay == 0.0
    # CosineAnnealingLR(T_max=1000) stepped past T_max: 0 at 1000, back to the peak at 2000.
    assert training.lr_at(0, post) == 2e-4
    assert training.lr_at(1000, post) < 1e-12 and math.isclose(training.lr_at(2000, post), 2e-4)
    torch_opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=2e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=1000)
    for step in range(1, 1500):
        torch_opt.step()
        sched.step()
        if step % 250 == 0:
            assert math.isclose(torch_opt.param_groups[0]["lr"], training.lr_at(step, post), abs_tol=1e-12)
    cfg = training.TrainConfig(steps=100, lr=1.0, warmup_steps=10)
    assert training.lr_at(0, cfg) == 0.1 and training.lr_at(9, cfg) == 1.0
    assert math.isclose(training.lr_at(99, cfg), 0.1 + 0.9 * (1 + math.cos(math.pi * 89 / 90)) / 2)
    assert training.TrainConfig(steps=100).resolved_ema_decay() == 0.9
    assert training.TrainConfig(steps=100_000).resolved_ema_decay() == 0.9995


def test_resume_reproduces_the_uninterrupted_run(tmp_path) -> None:
    straight = tiny_state(12)
    for _ in training.train(straight, IMAGE):
        pass
    first = tiny_state(12)
    for p in training.train(first, IMAGE):
        if p.step == 5:
            break
    training.save_checkpoint(first, tmp_path / "ckpt.pt")
    resumed = training.load_checkpoint(tmp_path / "ckpt.pt", device=torch.device("cpu"))
    assert resumed.step == 5
    for _ in training.train(resumed, IMAGE):
        pass
    for a, b in zip(straight.model.state_dict().values(), resumed.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    for a, b in zip(straight.ema.model.state_dict().values(), resumed.ema.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert straight.losses == resumed.losses


def test_nan_loss_stops_with_a_message() -> None:
    state = tiny_state(10)
    state = replace(state, cfg=replace(state.cfg, lr=float("inf"), warmup_steps=0))
    with pytest.raises(FloatingPointError, match="loss became nan"):
        for _ in training.train(state, IMAGE):
            pass


def test_label_dropout_replaces_the_expected_fraction() -> None:
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 10, (20_000,), generator=gen)
    dropped = training.drop_labels(labels, 0.1, 10, gen)
    frac = (dropped == 10).float().mean().item()
    assert abs(frac - 0.1) < 5 * math.sqrt(0.1 * 0.9 / 20_000)  # 5 standard errors
    kept = dropped != 10
    assert torch.equal(dropped[kept], labels[kept])
    assert torch.equal(training.drop_labels(labels, 0.0, 10, gen), labels)


def test_a_tiny_conditional_model_learns_from_the_digit_stream_and_resumes_exactly(tmp_path) -> None:
    from diffusion.digits import DigitStream
    from diffusion.recipes import DIGITS_TINY

    stream = DigitStream(batch_size=DIGITS_TINY.train.batch_size)
    torch.manual_seed(0)
    cfg = replace(DIGITS_TINY.train, steps=120)
    state = training.new_state(UNet(DIGITS_TINY.model), cfg, torch.device("cpu"))
    losses = [p.loss for p in training.train(state, stream)]
    assert sum(losses[-20:]) / 20 < 0.7 * sum(losses[:20]) / 20
    # stop at 60, save, resume: the same weights as the uninterrupted run
    torch.manual_seed(0)
    half = training.new_state(UNet(DIGITS_TINY.model), cfg, torch.device("cpu"))
    for p in training.train(half, stream):
        if p.step == 60:
            break
    training.save_checkpoint(half, tmp_path / "c.pt")
    resumed = training.load_checkpoint(tmp_path / "c.pt", cfg, torch.device("cpu"))
    for _ in training.train(resumed, stream):
        pass
    for a, b in zip(state.ema.model.parameters(), resumed.ema.model.parameters(), strict=True):
        assert torch.equal(a, b)
