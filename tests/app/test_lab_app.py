"""The 2-D lab through gradio_client: a flow-matching run, its samplers, both objectives on one chart, guidance,
densities and traced trajectories, Chinese server text, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client
from PIL import Image

from tests.refusals import REFUSED


def test_flow_matching_session_samples_compares_and_traces(app_url) -> None:
    client = Client(app_url, verbose=False)
    job = client.submit("moons", "", None, 2000, 0, 1500, "flow", api_name="/points_train")
    job.result()
    last = job.outputs()[-1][0]
    assert last.startswith("step 1500 / 1500 · flow")
    with pytest.raises(REFUSED, match="sampled with Euler or Heun"):
        client.predict("DDIM", 50, 0, api_name="/points_reverse")
    video, _, status = client.predict("Heun", 10, 0, api_name="/points_reverse")
    assert video.endswith(".mp4") and status.startswith("Heun-10 (20 network evaluations)")
    assert float(status.rsplit(" ", 1)[1]) < 0.1

    job = client.submit(0, api_name="/points_objectives")  # trains the denoising model on the same moons
    status, chart, numbers = job.result()
    assert any("Training the diffusion model" in o[0] for o in job.outputs()[:-1])
    samplers = {"denoise/ddpm", "denoise/ddim", "denoise/euler", "denoise/heun", "flow/euler", "flow/heun"}
    assert set(numbers["curves"]) == samplers
    assert numbers["curves"]["denoise/ddim"] == numbers["curves"]["denoise/euler"]  # the same sampler
    assert chart["plot"].startswith("data:image/png") and "Best at ≤ 20 evaluations" in status
    flow_heun = dict(map(tuple, numbers["curves"]["flow/heun"]))
    assert flow_heun[20] < 4 * numbers["floor"]

    picture, status, numbers = client.predict(0.0, api_name="/points_view")
    assert Image.open(picture).size == (560, 560)
    assert numbers["objective"] == "flow" and numbers["mass"] == pytest.approx(1.0, abs=0.05)
    _, status, numbers = client.predict(0.5, 0.3, -0.2, api_name="/points_trace")
    assert "The path through (0.30, -0.20) at s = 0.50" in status
    assert max(abs(v) for v in numbers["data_end"]) < 1.2  # it ends on the data, inside [-1, 1]^2


def test_guidance_triptych_and_scores(client) -> None:
    job = client.submit("flow", 2.0, 0, api_name="/points_guidance")
    status, triptych, scores, numbers = job.result()
    assert triptych["plot"].startswith("data:image/png") and scores["plot"].startswith("data:image/png")
    curve = {c["w"]: c for c in numbers["curve"]}
    assert curve[-1.0]["class_accuracy"] < 0.5 and curve[1.0]["class_accuracy"] > 0.95  # the label matters
    assert curve[15.0]["median_off_shape"] > 3 * curve[1.0]["median_off_shape"]  # too strong leaves the shapes
    assert numbers["w"] == 2.0 and status.startswith("w = 2:")
    again = client.predict("flow", 2.0, 0, api_name="/points_guidance")  # the trained model is kept: same numbers
    assert again[3] == numbers


def test_server_text_follows_the_reader_language(app_url) -> None:
    zh = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    with pytest.raises(REFUSED, match="请先训练一个模型"):
        zh.predict(0.0, api_name="/points_view")
    status = zh.predict("flow", 1.0, 0, api_name="/points_guidance")[0]
    assert "的点最靠近自己的类别" in status


def test_lab_bad_input_names_the_field(client) -> None:
    for args, api, message in [
        (("flow", 50.0, 0), "/points_guidance", "Guidance w must be between -1"),
        (("rectified", 1.0, 0), "/points_guidance", "not in the list of choices"),
        (("spiral", "", None, 500, 0, 200, "score"), "/points_train", "not in the list of choices"),
    ]:
        with pytest.raises(REFUSED, match=message):
            client.predict(*args, api_name=api)


def test_the_default_lab_outputs_are_complete() -> None:
    from panels import points

    outputs = points.default_run()
    assert len(outputs) == 9 + 11
    assert all(o is not None for o in outputs)
    assert Path(outputs[-3]).exists() and outputs[-1]["mass"] == pytest.approx(1.0, abs=0.08)


def test_the_default_lab_text_comes_in_the_reader_language() -> None:
    from panels import common, points

    with common.reading_in("zh"):
        zh = points.default_run()
    en = points.default_run()
    assert "不超过 20 次计算时最好的是" in zh[9] and "Best at ≤ 20 evaluations" in en[9]
    assert all(zh[12]["models"][k] is en[12]["models"][k] for k in ("denoise", "flow"))  # the same models
    assert zh[11]["floor"] == pytest.approx(en[11]["floor"])  # and numbers: only the words differ
    assert "的点最靠近自己的类别" in zh[13] and "密度在整幅图上的积分为" in zh[18]
