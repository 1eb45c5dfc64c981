"""The judge: the shipped digit classifier is right on fresh rendered digits, and loads strictly."""

from __future__ import annotations

import json

import pytest
import torch

from diffusion import classifier, hub
from diffusion.digits import EVAL_SEED, DigitStream

FOLDER = hub.BUNDLED / "digits" / "classifier"


def test_shipped_classifier_is_at_least_99_percent_right_on_fresh_digits() -> None:
    model = classifier.load(FOLDER)
    assert classifier.accuracy_on_fresh_digits(model, n=2000) >= 0.99


def test_it_is_not_fooled_by_noise_or_blank_images() -> None:
    model = classifier.load(FOLDER)
    noise = torch.randn((200, 1, 32, 32), generator=torch.Generator().manual_seed(0)).clamp(-1, 1)
    blank = torch.full((10, 1, 32, 32), -1.0)
    real, _ = DigitStream(seed=EVAL_SEED, batch_size=200).take(200)
    conf_real = classifier.predict(model, real).max(1).values
    conf_noise = classifier.predict(model, torch.cat([noise, blank])).max(1).values
    # the confidence figure means something: real digits are recognised with more confidence than junk
    assert conf_real.median() > 0.99 and conf_noise.median() < conf_real.median()


def test_the_folder_round_trips_strictly(tmp_path) -> None:
    # (training itself is what made the shipped classifier: its accuracy test above checks the result)
    model = classifier.DigitClassifier()
    classifier.save(model, tmp_path / "c", card="# test\n")
    again = classifier.load(tmp_path / "c")
    for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    (tmp_path / "c" / "config.json").write_text(json.dumps({"widths": [16, 32, 64], "num_classes": 10}))
    with pytest.raises(RuntimeError):  # strict: weights that don't fit the config are refused
        classifier.load(tmp_path / "c")
