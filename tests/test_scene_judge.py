"""The judge of the words-to-pictures model: its targets, how a reading is scored against the words asked for, a
Hub-format round trip, and the shipped judge's accuracy on fresh scenes (seen and held-out compositions)."""

from __future__ import annotations

from pathlib import Path

import torch

from diffusion import scene_judge, scenes
from diffusion.scenes import Thing

JUDGE = Path(__file__).resolve().parents[1] / "weights" / "scenes" / "judge"


def test_targets_name_each_sides_object_and_ignore_colour_and_size_where_a_side_is_empty() -> None:
    one = scenes.Scene((Thing("3", "red", "big", "right"),), (0.1, 0.1, 0.1), 0)
    two = scenes.Scene((Thing("circle", "blue", "small", "left"), Thing("7", "white", "big", "right")), (0, 0, 0), 1)
    kind, colour, size = scene_judge.targets([one, two])
    K, C, S = scene_judge.KIND_CLASSES, scene_judge.COLOUR_CLASSES, scene_judge.SIZE_CLASSES
    assert kind.tolist() == [[K.index("none"), K.index("3")], [K.index("circle"), K.index("7")]]
    assert colour.tolist() == [[-1, C.index("red")], [C.index("blue"), C.index("white")]]
    assert size.tolist() == [[-1, S.index("big")], [S.index("small"), S.index("big")]]


def test_agreement_scores_each_attribute_of_what_was_asked() -> None:
    asked = (Thing("3", "red", "big", "left"),)
    right_place = (Thing("3", "red", "small", "left"), None)
    assert scene_judge.agreement(asked, right_place) == {
        "kind": True, "colour": True, "size": False, "position": True, "count": True
    }  # fmt: skip
    wrong_side = (None, Thing("3", "red", "big", "right"))
    assert scene_judge.agreement(asked, wrong_side) == {
        "kind": False, "colour": False, "size": False, "position": False, "count": True
    }  # fmt: skip
    extra = (Thing("3", "red", "big", "left"), Thing("circle", "red", "big", "right"))
    assert scene_judge.agreement(asked, extra) == {
        "kind": True, "colour": True, "size": True, "position": True, "count": False
    }  # fmt: skip
    rates = scene_judge.rates([asked, asked], [right_place, extra])
    assert rates == {"kind": 1.0, "colour": 1.0, "size": 0.5, "position": 1.0, "count": 0.5, "all": 0.0}


def test_the_judges_training_pool_holds_held_out_compositions_and_the_model_pool_none() -> None:
    _, pool = scene_judge.training_pool(40)
    assert 5 <= sum(any(t.held_out() for t in s.things) for s in pool) <= 15
    _, model_pool = scenes.pool(40)
    assert not any(t.held_out() for s in model_pool for t in s.things)


def test_weights_round_trip_in_hub_format(tmp_path) -> None:
    images, pool = scene_judge.training_pool(16)
    model = list(scene_judge.train_judge(images, pool, steps=2, batch_size=8))[-1][2]
    scene_judge.save(model, tmp_path)
    again = scene_judge.load(tmp_path)
    x = scenes.to_float(images)
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(model(x), again(x), strict=True))
    assert scene_judge.read(again, x) == scene_judge.read(model, x)


def test_a_partial_prompt_is_scored_on_what_it_says() -> None:
    seen = (Thing("3", "red", "big", "left"), Thing("circle", "blue", "small", "right"))
    assert all(scene_judge.agreement(scenes.parse("a red 3"), seen)[a] for a in ("kind", "colour", "size", "position"))
    assert not scene_judge.agreement(scenes.parse("a red 3"), seen)["count"]  # two objects for one asked
    wrong = scene_judge.agreement(scenes.parse("a blue 3 on the right"), seen)
    assert wrong["position"] and not wrong["kind"] and wrong["colour"]  # the right side holds a blue circle
    anywhere = scene_judge.agreement(scenes.parse("a small blue circle and a red 3"), seen)
    assert all(anywhere.values())  # no sides asked: each object is found wherever it stands


def test_the_shipped_judge_reads_fresh_scenes_99_percent_right_held_out_compositions_included() -> None:
    judge = scene_judge.load(JUDGE)
    for held_out in (False, True):
        rates = scene_judge.accuracy_on_fresh_scenes(judge, 500, held_out=held_out)
        assert min(rates.values()) >= 0.99, (held_out, rates)
