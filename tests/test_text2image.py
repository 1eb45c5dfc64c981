"""The words-to-pictures model's parts: the text encoder, cross-attention, the latent UNet, caption dropout and
guidance with a negative prompt, each against an independent computation."""

from __future__ import annotations

import math

import torch

from diffusion import scenes, text2image, training
from diffusion.text2image import LatentCaptionStream, LatentDiffusion, T2IConfig, text_guidance
from diffusion.text_encoder import CrossAttention, TextConfig, TextEncoder
from diffusion.unet import UNetConfig

SMALL = T2IConfig(
    unet=UNetConfig(
        in_channels=4, channels=(16, 32), bottleneck=32, time_emb_dim=32, groups=8, image_size=12, residual=True,
        shared_norm=False, schedule="cosine", prediction="v", context_dim=32,
    ),
    text=TextConfig(vocab=len(scenes.VOCABULARY), dim=32, layers=1, heads=2, max_tokens=scenes.MAX_TOKENS),
)  # fmt: skip


def test_the_text_encoder_gives_a_vector_per_word_and_masks_padding() -> None:
    encoder = TextEncoder(TextConfig(dim=32, layers=1, heads=2))
    ids = scenes.encode(["a big red 3 on the left", "左边一个红色圆形"])
    tokens, mask = encoder(ids)
    assert tokens.shape == (2, scenes.MAX_TOKENS, 32) and mask.sum(1).tolist() == [7, 4]
    changed = ids.clone()
    changed[1, 10] = 5  # a word past the end of the prompt... is a word: only padding is ignored
    assert not torch.equal(encoder(changed)[0][1, :4], tokens[1, :4])


def test_cross_attention_against_a_hand_computation() -> None:
    """One head: x + W_o softmax(q k^T / sqrt(C)) v with q from the normalised pixels, k and v from the tokens,
    padded tokens weighted 0 (computed here with explicit loops over pixels in float64)."""
    torch.manual_seed(0)
    layer = CrossAttention(channels=8, context_dim=6, heads=1, groups=1).double().requires_grad_(False)
    torch.nn.init.normal_(layer.out.weight)
    x, tokens = torch.randn(1, 8, 2, 3, dtype=torch.float64), torch.randn(1, 4, 6, dtype=torch.float64)
    mask = torch.tensor([[True, True, True, False]])
    keep = {}
    got = layer(x, tokens, mask, keep)
    normed = layer.norm(x).flatten(2)[0].T  # (HW, C)
    k, v = (tokens[0] @ layer.kv.weight.T).chunk(2, dim=-1)
    for p in range(6):
        q = layer.q.weight @ normed[p]
        scores = [float(q @ k[j]) / math.sqrt(8) if mask[0, j] else -math.inf for j in range(4)]
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        weights = [w / sum(weights) for w in weights]
        attended = sum(w * v[j] for j, w in enumerate(weights))
        expected = x[0].flatten(1)[:, p] + layer.out.weight @ attended + layer.out.bias
        assert torch.allclose(got[0].flatten(1)[:, p], expected, atol=1e-10)
        assert torch.allclose(keep["weights"][0, 0, p], torch.tensor(weights, dtype=torch.float64), atol=1e-12)


def test_the_latent_unet_takes_words_and_shows_where_each_looks() -> None:
    model = LatentDiffusion(SMALL)
    z, t = torch.randn(2, 4, 12, 12), torch.tensor([10, 900])
    ids = scenes.encode(["a big red 3 on the left", ""])
    assert model(z, t, ids).shape == z.shape
    maps = {k: v for k, v in model.features(z, t, ids).items() if k.startswith("attention")}
    assert set(maps) == {
        "attention down 1",
        "attention down 2",
        "attention bottleneck",
        "attention up 2",
        "attention up 1",
    }
    assert maps["attention down 1"].shape == (2, 4, 144, scenes.MAX_TOKENS)
    assert torch.allclose(maps["attention down 1"].sum(-1), torch.ones(2, 4, 144))
    assert maps["attention down 1"][0, :, :, 7:].abs().max() == 0  # padding gets no attention


def test_hub_format_round_trip(tmp_path) -> None:
    model = LatentDiffusion(SMALL)
    model.save(tmp_path)
    again = LatentDiffusion.load(tmp_path)
    z, t, ids = torch.randn(1, 4, 12, 12), torch.tensor([500]), scenes.encode(["a blue square"])
    with torch.no_grad():
        assert torch.equal(model.eval()(z, t, ids), again(z, t, ids))


def test_a_dropped_caption_becomes_the_empty_prompt() -> None:
    ids = scenes.encode(["a red 3", "a blue circle", "左边一个白色 7", "a small 1"])
    dropped = training.drop_labels(ids, 0.5, scenes.TOKEN_IDS[scenes.EMPTY], torch.Generator().manual_seed(1))
    empty = scenes.encode([""])[0]
    kept = [torch.equal(a, b) for a, b in zip(dropped, ids, strict=True)]
    assert 0 < sum(kept) < 4
    assert all(k or torch.equal(row, empty) for k, row in zip(kept, dropped, strict=True))


def test_guidance_with_a_negative_prompt_is_cond_plus_w_times_cond_minus_negative() -> None:
    """With a model whose output is linear in a known function of the words, the guided output is computed by
    hand: f(x, ids) = x * (1 + sum of ids / 100)."""

    def model(x, t, ids):
        return x * (1 + ids.sum(1).float() / 100)[:, None, None, None]

    x, t = torch.randn(2, 4, 12, 12), torch.zeros(2, dtype=torch.long)
    ids, negative = scenes.encode(["a red 3", "a red 3"]), scenes.encode(["a blue 3", ""])
    w = 2.5
    got = text_guidance(model, ids, negative, w)(x, t)
    cond = x * (1 + ids.sum(1).float() / 100)[:, None, None, None]
    neg = x * (1 + negative.sum(1).float() / 100)[:, None, None, None]
    assert torch.allclose(got, (1 + w) * cond - w * neg)
    assert torch.equal(text_guidance(model, ids, negative, 0.0)(x, t), cond)


def test_training_batches_mix_both_languages_and_are_reproducible() -> None:
    _, pool = scenes.pool(8)
    captions = [(s.caption("en"), s.caption("zh")) for s in pool]
    stream = LatentCaptionStream(torch.randn(8, 4, 12, 12), captions, batch_size=32, seed=1)
    z, ids = stream.batch(5)
    assert torch.equal(ids, stream.batch(5)[1]) and z.shape == (32, 4, 12, 12)
    chinese = (ids >= scenes.TOKEN_IDS["一个"]).any(1)
    assert 0 < chinese.sum() < 32
    model = LatentDiffusion(SMALL)
    state = training.new_state(
        model, training.TrainConfig(steps=2, batch_size=32, label_dropout=0.1), torch.device("cpu")
    )
    losses = [p.loss for p in training.train(state, stream)]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)


def test_word_maps_average_the_full_resolution_layers_and_heads_per_word() -> None:
    """Two layers at 2 x 2 (and one at 1 x 1, left out), two heads, three tokens: the map of word j at position p
    is the mean over the layers and heads of the weight p gives j (by hand)."""
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(1, 2, 4, 3, generator=gen).softmax(-1)
    b = torch.rand(1, 2, 4, 3, generator=gen).softmax(-1)
    small = torch.rand(1, 2, 1, 3, generator=gen).softmax(-1)
    maps = text2image.word_maps({"attention down 1": a, "attention bottleneck": small, "attention up 1": b}, 2)
    assert maps.shape == (1, 3, 2, 2)
    for j in range(3):
        for p in range(4):
            expected = (a[0, 0, p, j] + a[0, 1, p, j] + b[0, 0, p, j] + b[0, 1, p, j]) / 4
            assert torch.isclose(maps[0, j].flatten()[p], expected)
    assert torch.allclose(maps.sum(1), torch.ones(1, 2, 2))  # each position still spreads one unit over the words


def test_generation_records_attention_per_step_and_sampling_one_prompt_per_seed_agrees() -> None:
    model = LatentDiffusion(SMALL).eval()
    record: list = []
    steps = list(text2image.generate_progressive(model, "a red 3", 2.0, 3, [4, 5], attention=record))
    assert len(record) == 3 and record[0]["attention down 1"].shape == (2, 4, 144, scenes.MAX_TOKENS)
    batched = text2image.sample(model, ["a red 3", "a red 3"], 2.0, 3, [4, 5])
    assert torch.allclose(batched, steps[-1].x, atol=1e-5)  # the same noise per seed, the same steps


def test_word_similarity_is_a_cosine_matrix() -> None:
    sim = text2image.word_similarity(LatentDiffusion(SMALL).eval(), ["red", "红色", "left"])
    assert sim.shape == (3, 3) and torch.allclose(sim.diagonal(), torch.ones(3), atol=1e-5)
    assert torch.allclose(sim, sim.T) and sim.abs().max() <= 1 + 1e-5
