"""Embeds and links: the config rewrites of panels/embed.py, and the rule that every server-made text of every
panel exists in both languages."""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

from panels import common, embed

ROOT = pathlib.Path(__file__).resolve().parents[1]


def config(*components: dict) -> dict:
    """A config as Gradio serves it for a route page: its components, a page table, translations."""
    return {
        "components": [{"id": i, "type": c.pop("type"), "props": c} for i, c in enumerate(components)],
        "page": {"": {"layout": {"id": 0}}, "markov": {"layout": {"id": 99}, "components": [], "dependencies": []}},
        "pages": [["", "Home", True], ["markov", "Markov", True]],
        "current_page": "markov",
        "i18n_translations": {"en": {"k.steps": "Number of steps"}, "zh": {"k.steps": "步数"}},
    }


def steps_slider(**extra) -> dict:
    label = '__i18n__{"__type__": "translation_metadata", "key": "k.steps"}'
    return {"type": "slider", "elem_classes": ["url-steps"], "minimum": 1, "maximum": 1000, "step": 1, "value": 200,
            "label": label, **extra}  # fmt: skip


def note() -> dict:
    return {"type": "markdown", "elem_id": embed.NOTE_ID, "value": "", "visible": False}


def test_a_link_sets_values_clamps_and_says_so_in_the_readers_language() -> None:
    c = config(steps_slider(), {"type": "number", "elem_classes": ["url-seed"], "precision": 0, "value": 0}, note())
    notes = embed.apply_query(c, {"steps": "5000", "seed": "7.4"}, "zh")
    steps, seed, shown = (x["props"] for x in c["components"])
    assert steps["value"] == 1000 and seed["value"] == 7  # clamped to the slider's range; rounded to whole
    assert shown["visible"] and "步数 = 5000 超出范围 1…1,000:改用 1,000。" in shown["value"]
    assert "7.4 不是整数" in shown["value"] and len(notes) == 3  # what was set, then the two corrections


def test_unknown_or_malformed_parameters_are_ignored_and_defaults_kept() -> None:
    c = config(steps_slider(), {"type": "radio", "elem_classes": ["url-sampler"], "choices": [["DDIM", "DDIM"]],
                                "value": "DDIM"}, note())  # fmt: skip
    assert embed.apply_query(c, {"steps": "many", "sampler": "PLMS", "nonsense": "1", "steps2": "3"}, "en") == []
    assert [x["props"]["value"] for x in c["components"]] == [200, "DDIM", ""]
    assert not c["components"][2]["props"]["visible"]  # nothing changed: no note
    assert embed.apply_query(c, {"steps": "nan"}, "en") == [] and c["components"][0]["props"]["value"] == 200
    assert embed.parse_query("a=1&" * 300) == {}  # an overlong query is ignored whole
    assert embed.parse_query("%%%&&=&steps=3") == {"steps": "3"}


def test_choices_are_matched_by_value_or_translated_label_in_any_case() -> None:
    label = '__i18n__{"__type__": "translation_metadata", "key": "k.gray"}'
    c = config({"type": "radio", "elem_classes": ["url-color"], "choices": [[label, "grayscale"], ["RGB", "RGB"]],
                "value": "grayscale"})  # fmt: skip
    c["i18n_translations"]["zh"]["k.gray"] = "灰度"
    embed.apply_query(c, {"color": "rgb"}, "en")
    assert c["components"][0]["props"]["value"] == "RGB"
    embed.apply_query(c, {"color": "灰度"}, "zh")
    assert c["components"][0]["props"]["value"] == "grayscale"


def test_the_web_component_gets_a_one_page_app_and_a_forced_language() -> None:
    c = embed.one_page(config(steps_slider()), "markov")
    assert c["page"] == {"": {"layout": {"id": 99}, "components": [], "dependencies": []}}
    assert c["pages"] == [["", "Markov", True]] and c["current_page"] == "" and c["layout"] == {"id": 99}
    embed.force_translations(c, "zh")
    assert c["i18n_translations"]["en"] == c["i18n_translations"]["zh"] == {"k.steps": "步数"}
    assert embed.forced_language({"lang": "zh-CN"}) == "zh" and embed.forced_language({"lang": "fr"}) is None


def test_embed_snippets_carry_the_experiment_for_both_kinds_of_embed() -> None:
    iframe, component = embed.embed_snippets("https://x.hf.space/", "reverse", {"lang": "zh", "seed": 7}, 4200)
    assert 'src="https://x.hf.space/reverse?lang=zh&seed=7"' in iframe and 'height="4200"' in iframe
    assert '<gradio-app src="https://x.hf.space/embed/lang=zh&seed=7/reverse">' in component
    assert 'src="https://x.hf.space/gradio.js"' in component
    _, plain = embed.embed_snippets("https://x.hf.space", "markov", {}, 100)
    assert '<gradio-app src="https://x.hf.space/markov">' in plain


def test_the_locale_script_overrides_the_browsers_language() -> None:
    script = embed.locale_script("zh").decode()
    assert script.startswith("<script>") and '"zh-CN"' in script and "navigator,'language'" in script


# --- one translation rule -------------------------------------------------------------------------------------


def _plot_texts(path: pathlib.Path) -> set[str]:
    """Every literal passed to ``_()`` in a module."""
    tree = ast.parse(path.read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


@pytest.mark.parametrize("module", sorted(p.stem for p in (ROOT / "panels").glob("*_plots.py")))
def test_every_plot_text_has_its_chinese(module: str) -> None:
    import importlib

    texts = _plot_texts(ROOT / "panels" / f"{module}.py")
    zh = getattr(importlib.import_module(f"panels.{module}"), "ZH", {})
    assert texts - set(zh) == set(), f"{module}: plot texts without Chinese"
    assert all(re.search(r"[\u4e00-\u9fff]", v) or v == k for k, v in zh.items() if k in texts)


def test_every_checked_field_has_its_chinese_name() -> None:
    from diffusion import limits

    names = {v.name for v in vars(limits).values() if isinstance(v, limits.Limit)}
    for path in [*(ROOT / "panels").glob("*.py"), *(ROOT / "diffusion").glob("*.py")]:
        text = path.read_text()
        names |= set(re.findall(r"as_choice\([^,()]+, \"([^\"]+)\"", text))
        names |= set(re.findall(r"\.named\(\"([^\"]+)\"\)", text))
    assert {"Seed", "Mix seed", "P(Sunny → Rainy)", "Guidance w", "Colour"} <= names  # the search finds them
    names = {n for n in names if not n.isupper()}  # the post's constants (LEFT_TEMP, ...) keep their names
    assert names - set(common.FIELD_NAMES_ZH) == set()


def test_checkers_speak_the_readers_language() -> None:
    from diffusion.limits import Limit

    seed = Limit("Seed", 0, 9, integer=True)
    with common.reading_in("zh"), pytest.raises(Exception, match="随机种子 必须在 0 到 9 之间"):
        common.check(seed, 12)
    with pytest.raises(Exception, match="Seed must be between 0 and 9"):
        common.check(seed, 12)
    with common.reading_in("zh"), pytest.raises(Exception, match="随机种子 必须是整数"), common.user_errors():
        seed.check(2.5)  # the library's message, translated


@pytest.mark.parametrize(
    "make",
    [
        lambda: __import__("diffusion.imaging", fromlist=["x"]).load_image(__file__, size=32),
        lambda: __import__("diffusion.markov", fromlist=["x"]).validate_transition_matrix([[0.5, 0.2], [0.1, 0.9]]),
        lambda: __import__("diffusion.toy2d", fromlist=["x"]).text("x" * 40, 100, None),
    ],
)
def test_the_library_errors_visitors_meet_are_translated(make) -> None:
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    translated = common.translated(message, "zh")
    assert translated != message and re.search(r"[\u4e00-\u9fff]", translated), message
    assert common.translated(message, "en") == message


def test_memo_answers_each_language_separately() -> None:
    calls = []

    @common.memo(4)
    def f(x):
        calls.append(common.reader_language())
        return common.say({"en": {"k": "one"}, "zh": {"k": "一"}}, "k")

    assert f(1) == "one" and f(1) == "one"
    with common.reading_in("zh"):
        assert f(1) == "一"
    assert calls == ["en", "zh"]


def test_figures_describe_themselves_for_alt_text() -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    ax1.set_title("Loss")
    ax2.set(xlabel="step", ylabel="PSNR")
    assert common.describe_figure(fig) == "Loss · PSNR / step"
    assert json.loads(common.Plot().postprocess(fig).model_dump_json())["chart"] == "Loss · PSNR / step"


def test_durations_are_said_in_the_readers_language() -> None:
    from panels.training import _duration

    assert _duration(125) == "2 min 05 s" and _duration(30) == "30 s"
    with common.reading_in("zh"):
        assert _duration(125) == "2 分 05 秒" and _duration(30) == "30 秒"


def test_text_the_browser_draws_is_chinese_without_a_chinese_font(monkeypatch) -> None:
    """Without a CJK font only what matplotlib draws falls back to English: a table header, a status or an HTML
    strip is drawn by the browser and stays in the reader's language."""
    import numpy as np

    from panels import i18n, markov_plots

    monkeypatch.setattr(i18n, "cjk_font", lambda: None)
    with common.reading_in("zh"):
        assert markov_plots.state_name(0) == "晴"  # the Markov table's "→ 晴" header
        assert "第 0 天" in markov_plots.path_strip_html(np.array([0, 1, 0]), 2)
        title = markov_plots.transition_diagram(np.array([[0.8, 0.2], [0.6, 0.4]])).axes[0].get_title()
        assert title == "Transition diagram (arrow width ∝ probability)"
        assert i18n.plot_language(None) == "en" and i18n.reader_language() == "zh"
    monkeypatch.undo()
    if i18n.cjk_font():  # with the font (the test command installs it), the figure is Chinese too
        with common.reading_in("zh"):
            title = markov_plots.transition_diagram(np.array([[0.8, 0.2], [0.6, 0.4]])).axes[0].get_title()
            assert "转移图" in title, title


def test_a_chinese_font_installed_after_matplotlib_cached_its_list_is_found() -> None:
    """matplotlib lists fonts once and caches the list on disk: the app registers a CJK font file it has not seen."""
    from matplotlib import font_manager

    from panels import i18n

    files = [
        p for p in font_manager.findSystemFonts() if any(k in pathlib.Path(p).name.lower() for k in i18n.CJK_FILES)
    ]
    assert files, "no CJK font installed: the test command installs fonts-wqy-microhei"
    stale = font_manager.FontManager.__new__(font_manager.FontManager)  # a list cached before the font came
    stale.ttflist, stale.afmlist = [f for f in font_manager.fontManager.ttflist if f.fname not in files], []
    assert i18n._installed_cjk_font(stale) is None
    assert i18n.register_cjk_files(stale, font_manager.findSystemFonts()) in i18n.CJK_FONTS
