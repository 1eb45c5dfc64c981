"""The words-to-pictures panel's endpoints through gradio_client: a streamed grid of eight scenes read by the
judge, held-out compositions named, the attention, comparison, round-trip and encoder views, and bad prompts."""

from __future__ import annotations

import numpy as np
import pytest
from gradio_client import Client
from PIL import Image

from tests.refusals import REFUSED

PROMPT = "a big red 3 on the left and a small blue circle on the right"


def generate(client, prompt=PROMPT, negative="", guidance=3.0, steps=6, seed=0):
    job = client.submit(prompt, negative, guidance, steps, seed, api_name="/words_generate")
    job.result()
    return job.outputs()


def scenes_of(path) -> np.ndarray:
    """The 8 scenes of a 4 x 2 sheet (48 px scenes with 2 px gaps, enlarged 3x): (8, 48, 48, 3)."""
    a = np.asarray(Image.open(path).convert("RGB")).astype(int)[::3, ::3]
    return np.stack([a[2 + r * 50 : 50 + r * 50, 2 + c * 50 : 50 + c * 50] for r in range(2) for c in range(4)])


def test_streams_eight_different_scenes_and_says_what_the_judge_reads(client) -> None:
    outputs = generate(client)
    assert len(outputs) >= 2  # streamed before the end
    x0, latent, status, numbers, nearest = outputs[-1]
    samples = scenes_of(x0)
    assert len({s.tobytes() for s in samples}) == 8  # eight seeds, eight different scenes
    assert Image.open(latent).size[0] > 0
    assert "DDIM-6" in status and "of 8" in status
    assert numbers["asked"] == [
        {"size": "big", "colour": "red", "kind": "3", "side": "left"},
        {"size": "small", "colour": "blue", "kind": "circle", "side": "right"},
    ]
    assert len(numbers["judge_reads"]) == 8 and 0 <= numbers["agreement"]["all"] <= 8
    assert Image.open(nearest).size == Image.open(x0).size
    assert min(numbers["nearest_training_distance"]) > 0.02  # new scenes, not copies of training ones
    assert "never_seen_in_training" not in numbers


def test_the_same_seed_gives_the_same_scene_and_seed_s_is_scene_0(client) -> None:
    a = scenes_of(generate(client, seed=5)[-1][0])
    b = scenes_of(generate(client, seed=5)[-1][0])
    c = scenes_of(generate(client, seed=6)[-1][0])
    assert np.array_equal(a, b) and np.array_equal(a[1], c[0])


def test_held_out_compositions_are_named_and_the_empty_prompt_is_unconditional(client) -> None:
    *_, (_, _, status, numbers, _) = generate(client, prompt="a green triangle on the left")
    assert numbers["never_seen_in_training"] == ["green + triangle"]
    assert "Never seen in training" in status
    *_, (_, _, status, numbers, _) = generate(client, prompt="")
    assert numbers["asked"] == [] and "unconditional" in status


def test_the_same_prompt_in_chinese_asks_for_the_same_scene(client) -> None:
    *_, (_, _, _, numbers, _) = generate(client, prompt="左边一个大的红色 3 和右边一个小的蓝色圆形")
    assert numbers["asked"] == [
        {"side": "left", "size": "big", "colour": "red", "kind": "3"},
        {"side": "right", "size": "small", "colour": "blue", "kind": "circle"},
    ]


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (("a purple banana", "", 3.0, 6, 0), "Unknown words: “banana”", "不认识的词:“banana”"),
        (("🍎 red 3", "", 3.0, 6, 0), "Unknown words: “🍎”", "不认识的词:“🍎”"),
        (("a " * 250, "", 3.0, 6, 0), "at most 200", "最多 200"),
        ((PROMPT, "not a word", 3.0, 6, 0), "Unknown words: “not”, “word”", "不认识的词"),
        ((PROMPT, "", "nan", 6, 0), "Guidance must be", "引导强度"),  # JSON has no NaN: as a client can send it
        ((PROMPT, "", 1e9, 6, 0), "Guidance must be", "引导强度"),
        ((PROMPT, "", 3.0, 0, 0), "Steps must be", "步数"),
        ((PROMPT, "", 3.0, 10**6, 0), "Steps must be", "步数"),
    ],
)
def test_bad_requests_get_a_clear_message_in_the_readers_language(client, args, english, chinese) -> None:
    """A prompt is refused by the event's validator (HTTP 422, before the queue), a number by its component."""
    with pytest.raises(REFUSED, match=english):
        client.predict(*args, api_name="/words_generate")
    zh = Client(client.src, headers={"accept-language": "zh-CN"}, verbose=False)
    with pytest.raises(REFUSED, match=chinese):
        zh.predict(*args, api_name="/words_generate")


def test_attention_comparison_round_trip_and_encoder_views(client) -> None:
    figure, text = client.predict(PROMPT, "", 3.0, 6, 0, api_name="/words_attention")
    assert figure is not None and "columns: steps 1," in text and "red" in text
    figure, text = client.predict(PROMPT, "a big blue 3 on the left", "", 3.0, 6, 0, api_name="/words_compare")
    assert figure is not None and text.startswith("seed 0")
    picture, text = client.predict(0, api_name="/words_roundtrip")
    assert Image.open(picture).size[0] > Image.open(picture).size[1] * 4  # scene, 4 channels, decoded: one row
    assert " dB" in text
    figure, text = client.predict(api_name="/words_encoder")
    assert "English words have their Chinese translation" in text
    with pytest.raises(REFUSED, match="Which fresh scene"):
        client.predict(-1, api_name="/words_roundtrip")
