"""Embeds against the running app: the web component's config, links that set an experiment, the forced language
reaching the server's messages."""

from __future__ import annotations

import json

import httpx
import pytest

from panels import embed

pytestmark = pytest.mark.usefixtures("app_url")


def page_config(html: str) -> dict:
    match = embed._CONFIG_IN_HTML.search(html.encode())
    assert match, "the page carries no config"
    return json.loads(match.group(1))


def component(config: dict, name: str) -> dict:
    """A component by the name a link sets it by (``url-seed``), or the note by its id."""
    props = [c["props"] for c in config["components"]]
    return next(p for p in props if f"url-{embed.url_name(p)}" == name or p.get("elem_id") == name)


@pytest.mark.parametrize("panel", ["thermodynamics", "markov", "forward", "reverse", "training", "points"])
def test_every_panel_serves_the_config_the_web_component_asks_for(app_url: str, panel: str) -> None:
    response = httpx.get(f"{app_url}/{panel}/config", timeout=60)
    assert response.status_code == 200
    config = response.json()
    assert config["current_page"] == "" and list(config["page"]) == [""] and len(config["pages"]) == 1
    assert config["dependencies"] and config["components"]  # the panel's own, with its events
    assert config["root"].rstrip("/") == app_url


def test_the_embed_prefix_carries_settings_and_language_to_every_later_request(app_url: str) -> None:
    config = httpx.get(f"{app_url}/embed/lang=zh&steps=50&g_seed=3/markov/config", timeout=60).json()
    assert config["root"] == f"{app_url}/embed/lang=zh&steps=50&g_seed=3"
    assert config["i18n_translations"]["en"] == config["i18n_translations"]["zh"]  # Chinese whatever the browser
    assert component(config, "url-steps")["value"] == 50 and component(config, "url-g_seed")["value"] == 3
    assert "本页从链接中的实验设置开始" in component(config, embed.NOTE_ID)["value"]
    # the app's theme and API answer under the prefix too (the web component asks for them there)
    assert httpx.get(f"{config['root']}/theme.css", timeout=30).status_code == 200
    assert httpx.get(f"{config['root']}/gradio_api/info", timeout=30).status_code == 200


def test_a_link_sets_clamps_and_forces_the_language_of_the_page(app_url: str) -> None:
    response = httpx.get(f"{app_url}/markov?lang=zh&steps=99999&seed=7", timeout=60)
    assert response.status_code == 200
    assert '<head><script>(function(){var l="zh-CN"' in response.text  # before Gradio's own scripts
    config = page_config(response.text)
    # the slider offers what the API allows (diffusion.limits.CHAIN_STEPS): 99,999 is clamped to its 10,000
    assert component(config, "url-steps")["value"] == 10_000 and component(config, "url-seed")["value"] == 7
    shown = component(config, embed.NOTE_ID)
    assert shown["visible"] and "超出范围 1…10,000:改用 10,000" in shown["value"]


@pytest.mark.parametrize("query", ["steps=abc&seed=", "seed=1e999", "lang=xx&%zz=1", "steps=" + "9" * 600])
def test_malformed_links_keep_the_defaults_and_never_fail(app_url: str, query: str) -> None:
    response = httpx.get(f"{app_url}/markov?{query}", timeout=60)
    assert response.status_code == 200
    config = page_config(response.text)
    assert component(config, "url-steps")["value"] == 200 and component(config, "url-seed")["value"] == 0
    assert "<head><script>(function(){var l=" not in response.text


def test_the_web_components_script_is_served_by_the_app(app_url: str) -> None:
    response = httpx.get(f"{app_url}/gradio.js", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert 'import("./assets/' in response.text


def _error_of(url: str, api: str, data: list, **headers: str) -> str:
    """The message of a refused call: said before the queue (HTTP 422, a number out of its range: the field's
    message), or by the event's handler (its error event)."""
    response = httpx.post(f"{url}/gradio_api/call/{api}", json={"data": data}, headers=headers, timeout=30)
    if response.status_code == 422:
        return " ".join(v["message"] for v in response.json()["detail"] if not v["is_valid"])
    event = response.json()["event_id"]
    with httpx.stream("GET", f"{url}/gradio_api/call/{api}/{event}", timeout=60) as stream:
        text = "".join(stream.iter_text())
    assert "event: error" in text, text
    return json.loads(text.split("data:", 1)[1])["error"]


def test_a_forced_language_reaches_the_servers_messages(app_url: str) -> None:
    bad = [5.0, "x0 = 3", 100, 0]  # beta far out of its range
    assert "β must be between" in _error_of(app_url, "markov_gaussian", bad)
    assert "β 必须在 0.0001 到 0.5 之间" in _error_of(f"{app_url}/embed/lang=zh", "markov_gaussian", bad)
    # the page's ?lang= wins over the browser's preference (Gradio forwards the page's query with each event)
    forced = _error_of(app_url, "markov_gaussian?lang=en", bad, **{"accept-language": "zh-CN"})
    assert "β must be between" in forced


def test_server_text_and_plots_follow_the_readers_language(client) -> None:
    from gradio_client import Client

    zh = Client(client.src, headers={"accept-language": "zh-CN"}, verbose=False)
    text = zh.predict(0.02, "x0 = 3", 50, 0, api_name="/markov_gaussian")[1]
    assert "| | 模拟 | 精确 | N(0, 1) |" in text
    english = client.predict(0.02, "x0 = 3", 50, 0, api_name="/markov_gaussian")[1]
    assert "| | sim | exact | N(0, 1) |" in english
    # the same numbers either way: only the words change
    assert text.split("\n")[0] == english.split("\n")[0]


def test_a_page_opened_under_the_prefix_keeps_its_settings_for_later_requests(app_url: str) -> None:
    response = httpx.get(f"{app_url}/embed/lang=zh&seed=7/markov", timeout=60)
    assert response.status_code == 200 and '<head><script>(function(){var l="zh-CN"' in response.text
    config = page_config(response.text)
    assert config["root"] == f"{app_url}/embed/lang=zh&seed=7" and component(config, "url-seed")["value"] == 7
