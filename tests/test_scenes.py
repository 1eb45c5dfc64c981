"""The captioned scenes of the words-to-pictures model: deterministic, captioned in both languages from their
attributes, with compositions held out of training, and a tokenizer that names what it does not know."""

from __future__ import annotations

import pytest
import torch

from diffusion import scenes
from diffusion.scenes import Thing


def test_the_same_seed_gives_the_same_scene_and_image() -> None:
    a, sa = scenes.batch(range(8))
    b, sb = scenes.batch(range(8))
    assert torch.equal(a, b) and sa == sb
    assert a.shape == (8, 3, scenes.SIZE, scenes.SIZE) and a.min() >= -1 and a.max() <= 1
    assert len({s.caption() for s in sa}) > 4  # different seeds, different scenes


def test_captions_say_every_attribute_in_both_languages() -> None:
    two = (Thing("3", "red", "big", "left"), Thing("circle", "blue", "small", "right"))
    assert scenes.caption(two, "en") == "a big red 3 on the left and a small blue circle on the right"
    assert scenes.caption(two, "zh") == "左边一个大的红色 3 和右边一个小的蓝色圆形"
    one = (Thing("triangle", "white", "small", "right"),)
    assert scenes.caption(one, "zh") == "右边一个小的白色三角形"
    with pytest.raises(ValueError, match="Unknown language"):
        scenes.caption(one, "fr")


def test_an_objects_colour_is_where_its_side_says() -> None:
    """The picture shows its caption: a lone red object on the left puts its red ink in the left half."""
    scene = scenes.Scene((Thing("square", "red", "big", "left"),), (0.0, 0.0, 0.0), seed=0)
    x = (scenes.render(scene) + 1) / 2  # [0, 1]
    red = (x[0] > 0.5) & (x[1] < 0.3) & (x[2] < 0.3)
    half = scenes.SIZE // 2
    assert red[:, :half].sum() > 60 and red[:, half:].sum() < 0.05 * red.sum()


def test_held_out_compositions_never_appear_in_training_and_only_there_in_the_test() -> None:
    train = [scenes.random_scene(s) for s in range(3000)]
    test = [scenes.random_scene(s, held_out=True) for s in range(300)]
    assert not any(t.held_out() for s in train for t in s.things)
    assert all(any(t.held_out() for t in s.things) for s in test)
    kinds = {t.kind for s in train for t in s.things}
    assert kinds == set(scenes.KINDS)  # every word is learned, only some combinations are not
    assert any((t.colour, t.kind) == ("green", "circle") for s in train for t in s.things)
    assert any(t.kind == "7" and t.side == "right" for s in train for t in s.things)


def test_prompts_in_either_language_or_mixed_become_known_words() -> None:
    assert scenes.tokenize("A big red 3 on the left.") == ["a", "big", "red", "3", "on", "the", "left"]
    assert scenes.tokenize("左边一个大的红色3") == ["左边", "一个", "大的", "红色", "3"]
    assert scenes.tokenize("a 红色 circle") == ["a", "红色", "circle"]
    assert scenes.tokenize("ａ ｂｉｇ ３") == ["a", "big", "3"]  # full-width forms (a Chinese keyboard's)
    assert scenes.tokenize("   ") == [scenes.EMPTY]  # the empty prompt: unconditional
    ids = scenes.encode(["a red 3", ""])
    assert (
        ids.shape == (2, scenes.MAX_TOKENS) and ids[1, 0] == scenes.TOKEN_IDS[scenes.EMPTY] and ids[1, 1:].eq(0).all()
    )


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("a big dog 🐶 on the left", "Unknown words: “dog”, “🐶”"),
        ("左边一个大的猫", "Unknown words: “猫”"),
        ("a purple banana", "Unknown words: “banana”"),  # not "a" with leftovers: a Latin word is whole or unknown
        ("x" * 500, "at most 200"),
        ("a " * 30, "at most 24"),
    ],
)
def test_prompts_the_encoder_cannot_read_say_why(prompt, message) -> None:
    with pytest.raises(scenes.PromptError, match=message):
        scenes.tokenize(prompt)


@pytest.mark.parametrize(
    ("prompt", "asked"),
    [
        (
            "a big red 3 on the left and a small blue circle on the right",
            [
                {"size": "big", "colour": "red", "kind": "3", "side": "left"},
                {"size": "small", "colour": "blue", "kind": "circle", "side": "right"},
            ],
        ),
        (
            "左边一个大的红色 3 和右边一个小的蓝色圆形",
            [
                {"side": "left", "size": "big", "colour": "red", "kind": "3"},
                {"side": "right", "size": "small", "colour": "blue", "kind": "circle"},
            ],
        ),
        ("a red 3", [{"colour": "red", "kind": "3"}]),
        ("red 3 blue 5", [{"colour": "red", "kind": "3"}, {"colour": "blue", "kind": "5"}]),
        (
            "左边一个红色3右边一个蓝色5",
            [{"side": "left", "colour": "red", "kind": "3"}, {"side": "right", "colour": "blue", "kind": "5"}],
        ),
        ("", []),
    ],
)
def test_a_prompt_says_what_it_asks_for_object_by_object(prompt, asked) -> None:
    assert scenes.parse(prompt) == asked


def test_every_caption_parses_back_to_its_scenes_objects() -> None:
    for seed in range(200):
        scene = scenes.random_scene(seed)
        for lang in scenes.LANGUAGES:
            asked = scenes.parse(scene.caption(lang))
            assert asked == [
                dict(zip(("kind", "colour", "size", "side"), t.attributes(), strict=True)) for t in scene.things
            ]


def test_held_out_compositions_of_a_prompt_are_named() -> None:
    assert scenes.held_out_in(scenes.parse("a big green triangle on the left")) == [("green", "triangle")]
    assert scenes.held_out_in(scenes.parse("左边一个蓝色 7 和右边一个绿色圆形")) == [("7", "left")]
    assert scenes.held_out_in(scenes.parse("a green circle and a red triangle")) == []  # apart, both were seen
