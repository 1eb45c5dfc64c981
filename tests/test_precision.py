"""The precision a network runs in: detection of the chip's bf16 units, the override, the fallback, and bf16
sampling against float32 (only the network's forward is bf16: the sampler's arithmetic stays float32)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from diffusion import hub, imaging, precision, training
from diffusion.process import Diffusion
from diffusion.sampling import sample
from diffusion.schedules import make_schedule

AMX = frozenset({"fpu", "avx512f", "amx_tile", "amx_bf16", "avx512_bf16"})
NO_UNITS = frozenset({"fpu", "sse2", "avx2", "avx512f"})


def test_the_cpus_bf16_units_are_read_from_its_flags(tmp_path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx512f avx512_bf16\n\n")
    assert precision.cpu_flags(str(info)) == {"fpu", "sse2", "avx512f", "avx512_bf16"}
    assert precision.cpu_flags(str(tmp_path / "missing")) == frozenset()  # no /proc: no units known
    assert precision.has_bf16_units(torch.device("cpu"), AMX)
    assert precision.has_bf16_units(torch.device("cpu"), frozenset({"avx512_bf16"}))
    assert not precision.has_bf16_units(torch.device("cpu"), NO_UNITS)


def test_auto_follows_the_units_and_the_environment_overrides(monkeypatch) -> None:
    monkeypatch.setenv(precision.ENV, "auto")
    assert precision.choose(flags=AMX) == "bf16"
    assert precision.choose(flags=NO_UNITS) == "float32"  # a CPU without the units runs as before
    monkeypatch.setenv(precision.ENV, "float32")
    assert precision.choose(flags=AMX) == "float32"
    monkeypatch.setenv(precision.ENV, "BF16")
    assert precision.choose(flags=NO_UNITS) == "bf16"  # asked for: emulated where there are no units
    assert precision.choose("float32", flags=AMX) == "float32"  # an explicit value (the CLI flag) wins
    monkeypatch.setenv(precision.ENV, "fp8")
    with pytest.raises(ValueError, match="Unknown precision 'fp8' \\(from DIFFUSION_PRECISION\\): use auto"):
        precision.choose()


def test_a_loaded_model_runs_in_the_chosen_precision(monkeypatch) -> None:
    monkeypatch.setenv(precision.ENV, "float32")
    model = hub.load_folder(hub.BUNDLED / "digits")
    assert model.precision == "float32"
    x, t = torch.randn(4, 1, 32, 32, generator=torch.Generator().manual_seed(0)), torch.full((4,), 300)
    with torch.inference_mode():
        reference = model._run(x, t, None, None)
        assert torch.equal(model(x, t), reference)  # float32: exactly as before
        precision.use(model, "bf16")
        out = model(x, t)
    assert model.precision == "bf16" and out.dtype == torch.float32 and out.shape == x.shape
    assert 0 < float((out - reference).abs().max()) < 0.1  # bf16 ran, and stayed close
    assert precision.use(torch.nn.Linear(2, 2), "bf16") is not None  # a network without the switch is left alone


class AffineGaussianDenoiser(torch.nn.Module):
    """The exact eps-denoiser of data N(mean, std^2 I), computed with a matrix product (what autocast turns to bf16):
    eps(x_t) = (x_t - a E[x_0 | x_t]) / s, E[x_0 | x_t] = mean + a std^2 / (a^2 std^2 + s^2) (x_t - a mean)."""

    def __init__(self, mean: float, std: float, schedule, precision_name: str) -> None:
        super().__init__()
        self.mean, self.std, self.abar = mean, std, torch.as_tensor(schedule.alpha_bars, dtype=torch.float32)
        self.precision = precision_name

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        abar = self.abar[t.long()][:, None, None, None]
        a, s = abar.sqrt(), (1 - abar).sqrt()
        gain = a * self.std**2 / (abar * self.std**2 + 1 - abar)
        with precision.autocast(self.precision, x.device.type):
            identity = torch.eye(x.shape[-1])
            centred = F.linear(x - a * self.mean, identity)  # a matrix product: bf16 under autocast
        x0 = self.mean + gain * centred.float()
        return (x - a * x0) / s


def test_bf16_sampling_of_an_exact_denoiser_matches_float32() -> None:
    """DDIM-20 of the exact denoiser: bf16 samples within 0.02 of float32's (bf16 keeps 8 bits of mantissa: a
    relative error of 0.4% per product), with the same mean (the data's) and spread."""
    schedule = make_schedule("cosine", 1000)
    x_T = torch.randn(64, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    out = {
        p: sample(AffineGaussianDenoiser(0.3, 0.2, schedule, p), schedule, "eps", x_T, 20) for p in ("float32", "bf16")
    }
    assert float((out["bf16"] - out["float32"]).abs().max()) < 0.02
    assert abs(float(out["bf16"].mean()) - 0.3) < 0.01 and abs(float(out["float32"].mean()) - 0.3) < 0.01
    assert abs(float(out["bf16"].std()) - float(out["float32"].std())) < 0.002


def test_the_one_image_model_samples_the_same_image_in_bf16() -> None:
    """The shipped model's DDIM-20 sample in bf16 against float32 from the same noise (bench/precision.py: 40+ dB)."""
    model = hub.load_folder(hub.BUNDLED)
    x_T = torch.randn((1, 1, 128, 128), generator=torch.Generator().manual_seed(0))
    samples = {}
    for p in ("float32", "bf16"):
        precision.use(model, p)
        with torch.inference_mode():
            samples[p] = Diffusion.of(model.config).sample(model, x_T, 20)
    assert imaging.psnr(samples["bf16"][0], samples["float32"][0]) > 35


def test_training_runs_in_bf16_only_where_asked() -> None:
    cpu = torch.device("cpu")
    assert not training.uses_bf16(training.TrainConfig(), cpu)  # the default: float32 on a CPU, as before
    assert training.uses_bf16(training.TrainConfig(precision="bf16"), cpu)
    assert not training.uses_bf16(training.TrainConfig(precision="float32", bf16=True), cpu)
    model = hub.load_folder(hub.BUNDLED / "digits")
    precision.use(model, "bf16")
    state = training.new_state(model, training.TrainConfig(steps=1), cpu)
    assert state.model.precision == "float32"  # how a run trains is its config's, not how the model was loaded
    assert math.isfinite(next(training.train(state, torch.zeros(1, 1, 32, 32))).loss)
    np.testing.assert_equal(state.step, 1)
