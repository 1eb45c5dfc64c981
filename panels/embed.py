"""Embeds: every panel's route works in an iframe and as Gradio's ``<gradio-app>`` web component, and its URL can
carry one experiment and the page's language.

- **Web component.** ``<gradio-app src="https://host/markov">`` fetches ``/markov/config``, which a
  ``Blocks.route()`` page does not have: here it is answered with that page's config, turned into a one-page app
  (every panel keeps sharing the one queue, its lanes and its fairness rules).
- **Experiments in the URL.** ``/reverse?seed=7&steps=20``: a component marked by ``common.url_params`` (its
  class is ``url-<name>``) starts with the value the query gives, clamped to its range (the page's note
  says so); unknown names and malformed values are ignored and the defaults kept.
- **Language.** ``?lang=zh|en`` forces the page's language: the browser's language preference is overridden
  before Gradio's frontend reads it, and the query reaches the server with every event (Gradio forwards the
  page's query), so text made on the server follows it too.
- The web component drops the query of its ``src``: the same settings go in a path prefix instead,
  ``/embed/lang=zh&seed=7/markov``. The config served there points the app's root at the prefix, so every later
  request (events, files, theme) carries the settings and is answered as if it had them in its query.
- ``/gradio.js`` serves the web component's script of the installed Gradio (the same version as the server).

This module is plain ASGI and JSON: it never imports gradio, so its rules are tested on configs alone.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from diffusion.limits import shown

LANGUAGES = ("en", "zh")
BROWSER_LOCALES = {"en": "en-US", "zh": "zh-CN"}
URL_PREFIX = "url-"  # class prefix of a component whose starting value the URL may set (url-<name>)
NOTE_ID = "url-note"  # elem_id of the Markdown that says what the URL changed
EMBED = "embed"  # /embed/<query>/<panel>: the web component's way to carry a query
MAX_QUERY = 512  # characters: a longer query is ignored whole (nobody types it, and every request repeats it)
_CONFIG_IN_HTML = re.compile(rb"window\.gradio_config = (\{.*?\});</script>", re.S)

Message = dict[str, Any]
Scope = dict[str, Any]

NOTES = {
    "en": {
        "clamped": "{name} = {got} is outside {lo}…{hi}: using {used}.",
        "rounded": "{name} = {got} is not a whole number: using {used}.",
        "set": "This page starts from the experiment in its link: {settings}.",
    },
    "zh": {
        "clamped": "{name} = {got} 超出范围 {lo}…{hi}:改用 {used}。",
        "rounded": "{name} = {got} 不是整数:改用 {used}。",
        "set": "本页从链接中的实验设置开始:{settings}。",
    },
}


def forced_language(query: dict[str, str]) -> str | None:
    """The language a URL forces (``lang=zh`` or ``lang=en``, also ``zh-CN`` style), or None."""
    value = query.get("lang", "").strip().lower().split("-")[0]
    return value if value in LANGUAGES else None


def parse_query(raw: str) -> dict[str, str]:
    """A query string as a dict (first value of each name); an overlong or malformed one is ignored."""
    if len(raw) > MAX_QUERY:
        return {}
    try:
        pairs = parse_qsl(raw, keep_blank_values=False, strict_parsing=False, max_num_fields=32)
    except ValueError:
        return {}
    query: dict[str, str] = {}
    for name, value in pairs:
        query.setdefault(name, value)
    return query


def _plain(label: Any, translations: dict[str, str]) -> str:
    """A component's label as the reader sees it: i18n markers resolved with ``translations``."""
    text = str(label or "")
    if text.startswith("__i18n__"):
        try:
            key = json.loads(text[len("__i18n__") :])["key"]
        except (ValueError, KeyError, TypeError):
            return text
        return translations.get(key, key)
    return text


def _number(props: dict[str, Any], raw: str) -> tuple[float, str | None] | None:
    """A number within the component's range: (value, None), or (clamped/rounded value, note key), or None."""
    try:
        x = float(raw)
    except ValueError:
        return None
    if not math.isfinite(x):
        return None
    lo, hi = props.get("minimum"), props.get("maximum")
    whole = props.get("precision") == 0 or (props.get("step") is not None and float(props["step"]).is_integer())
    note = None
    if whole and not x.is_integer():
        x, note = float(round(x)), "rounded"
    if lo is not None and x < lo:
        x, note = float(lo), "clamped"
    if hi is not None and x > hi:
        x, note = float(hi), "clamped"
    return (int(x) if whole else x), note


def _choice(props: dict[str, Any], raw: str, translations: dict[str, str]) -> Any:
    """The choice a query value names (its value, or its label in any case), or None."""
    for label, value in props.get("choices") or []:
        names = {str(value).lower(), _plain(label, translations).lower()}
        if raw.strip().lower() in names:
            return value
    return None


def url_name(props: dict[str, Any]) -> str | None:
    """The name a link sets a component by (its class ``url-<name>``), or None."""
    classes = props.get("elem_classes") or []
    classes = [classes] if isinstance(classes, str) else classes
    return next((c[len(URL_PREFIX) :] for c in classes if c.startswith(URL_PREFIX)), None)


def apply_query(config: dict[str, Any], query: dict[str, str], lang: str) -> list[str]:
    """Start the config's URL-marked components from ``query``; returns the notes for the reader.

    Only components with a class ``url-<name>`` are touched; a value that cannot be read is ignored.
    """
    translations = (config.get("i18n_translations") or {}).get(lang) or {}
    notes, used = [], []
    for component in config.get("components", []):
        props = component.get("props", {})
        name = url_name(props)
        if not name or name not in query:
            continue
        raw, kind = query[name], component.get("type")
        if kind in ("slider", "number"):
            parsed = _number(props, raw)
            if parsed is None:
                continue
            value, note = parsed
            if note:
                label = _plain(props.get("label"), translations) or name
                lo, hi = props.get("minimum", -math.inf), props.get("maximum", math.inf)
                lo, hi = (shown(x) if math.isfinite(x) else str(x) for x in (lo, hi))
                notes.append(NOTES[lang][note].format(name=label, got=raw, lo=lo, hi=hi, used=shown(value)))
        elif kind in ("radio", "dropdown"):
            value = _choice(props, raw, translations)
            if value is None:
                continue
        elif kind == "checkbox":
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                continue
            value = raw.lower() in ("1", "true", "yes")
        elif kind == "textbox":
            value = raw[:200]
        else:
            continue
        props["value"] = value
        used.append(f"{name} = {value}")
    if used:
        notes.insert(0, NOTES[lang]["set"].format(settings=", ".join(used)))
        for component in config.get("components", []):
            if component.get("props", {}).get("elem_id") == NOTE_ID:
                component["props"]["value"] = " ".join(notes)
                component["props"]["visible"] = True
    return notes


def one_page(config: dict[str, Any], page: str) -> dict[str, Any]:
    """A route page's config (``/config?page=<page>``) as a one-page app, which is what the web component can
    draw (it draws page "" and does not know the others)."""
    layout = config["page"][page]
    title = next((p[1] for p in config.get("pages", []) if p[0] == page), page)
    config = dict(config, page={"": layout}, pages=[["", title, True]], current_page="", layout=layout["layout"])
    return config


def force_translations(config: dict[str, Any], lang: str) -> None:
    """Make the app's own strings show in ``lang`` whatever the browser prefers (used where the page's language
    cannot be overridden: a web component lives in the blog's page). English is Gradio's fallback for every other
    language, so it gets the forced table too."""
    tables = config.get("i18n_translations") or {}
    if lang in tables:
        config["i18n_translations"] = {code: tables[lang] for code in tables}


def locale_script(lang: str) -> bytes:
    """A script that makes the browser's language ``lang`` for the page's scripts (Gradio's frontend reads
    ``navigator.language`` when it starts)."""
    locale = BROWSER_LOCALES[lang]
    body = (
        "var l=LOCALE;try{Object.defineProperty(navigator,'language',{get:function(){return l}});"
        "Object.defineProperty(navigator,'languages',{get:function(){return [l]}});}catch(e){}"
        "document.documentElement.lang=l;"
    ).replace("LOCALE", json.dumps(locale))
    return ("<script>(function(){" + body + "})();</script>").encode()


def embed_snippets(base: str, page: str, settings: dict[str, Any], height: int) -> tuple[str, str]:
    """The iframe and the web-component HTML for one experiment of ``page`` on the app at ``base``."""
    query = urlencode({k: v for k, v in settings.items() if v is not None and v != ""})
    base = base.rstrip("/")
    iframe_src = f"{base}/{page}" + (f"?{query}" if query else "")
    component_src = f"{base}/{EMBED}/{quote(query, safe='=&')}/{page}" if query else f"{base}/{page}"
    iframe = (
        f'<iframe src="{iframe_src}" width="100%" height="{height}" style="border:0" loading="lazy" '
        f'title="{page}"></iframe>'
    )
    script = os.environ.get("DIFFUSION_GRADIO_JS") or f"{base}/gradio.js"
    component = f'<script type="module" src="{script}"></script>\n<gradio-app src="{component_src}"></gradio-app>'
    return iframe, component


@functools.cache
def _gradio_js() -> bytes:
    """The installed Gradio's web-component script (an import of its hashed bundle, relative to /gradio.js)."""
    import importlib.util

    spec = importlib.util.find_spec("gradio")
    root = os.path.dirname(spec.origin) if spec and spec.origin else ""
    with open(os.path.join(root, "templates", "frontend", "gradio.js"), "rb") as f:
        return f.read()


async def buffered(app: Callable, scope: Scope, receive: Callable) -> tuple[Message, bytes]:
    """Run the app and collect its whole response (the start message and the body)."""
    start: Message = {}
    parts: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start, b"".join(parts)


async def _send(send: Callable, status: int, headers: Iterable[tuple[bytes, bytes]], body: bytes) -> None:
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-encoding", b"etag")]
    await send(
        {"type": "http.response.start", "status": status, "headers": [*kept, (b"content-length", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": body})


class EmbedRoutes:
    """ASGI middleware in front of the Gradio app (outermost: the others see the rewritten requests)."""

    def __init__(self, app: Callable[[Scope, Callable, Callable], Awaitable[None]], pages: Iterable[str] = ()) -> None:
        self.app = app
        self.pages = set(pages)

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        prefix = ""
        parts = path.split("/", 3)  # "", "embed", "<query>", "rest"
        if len(parts) >= 3 and parts[1] == EMBED:
            prefix = f"/{EMBED}/{parts[2]}"
            carried = parse_query(parts[2])
            path = "/" + (parts[3] if len(parts) > 3 else "")
            query = {**parse_query(scope.get("query_string", b"").decode("latin-1")), **carried}
            scope = dict(scope, path=path, raw_path=path.encode(), query_string=urlencode(query).encode())
        if scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        query = parse_query(scope.get("query_string", b"").decode("latin-1"))
        if path == "/gradio.js":
            await _send(send, 200, [(b"content-type", b"text/javascript; charset=utf-8")], _gradio_js())
            return
        page = path.strip("/")
        if page.endswith("/config") and page[: -len("/config")] in self.pages:
            await self._config(scope, receive, send, page[: -len("/config")], query, prefix)
        elif (page in self.pages and query) or (page == "" and forced_language(query)):
            # (a page without a query is served as Gradio made it: no config to parse and write again)
            await self._page(scope, receive, send, page, query, prefix)
        else:
            await self.app(scope, receive, send)

    async def _config(
        self, scope: Scope, receive: Callable, send: Callable, page: str, query: dict, prefix: str
    ) -> None:
        """``/<page>/config``: the page's config as a one-page app, started from the query."""
        inner = dict(scope, path="/config", raw_path=b"/config", query_string=urlencode({"page": page}).encode())
        start, body = await buffered(self.app, inner, receive)
        if start.get("status") != 200:
            await _send(send, start.get("status", 500), start.get("headers", []), body)
            return
        config = one_page(json.loads(body), page)
        lang = forced_language(query)
        if lang:
            force_translations(config, lang)
        apply_query(config, query, lang or _accepted(scope))
        if prefix:  # later requests keep the settings: they go to <root>/embed/<query>/...
            config["root"] = config.get("root", "").rstrip("/") + prefix
        await _send(send, 200, start.get("headers", []), json.dumps(config).encode())

    async def _page(
        self, scope: Scope, receive: Callable, send: Callable, page: str, query: dict, prefix: str = ""
    ) -> None:
        """A page's HTML: started from the query, in the language it forces."""
        start, body = await buffered(self.app, scope, receive)
        match = _CONFIG_IN_HTML.search(body) if start.get("status") == 200 else None
        if match is None:
            await _send(send, start.get("status", 500), start.get("headers", []), body)
            return
        lang = forced_language(query)
        config = json.loads(match.group(1))
        if page:
            apply_query(config, query, lang or _accepted(scope))
        if prefix:  # opened under /embed/<query>/: its events carry the query too
            config["root"] = config.get("root", "").rstrip("/") + prefix
        # "</" inside strings would end the script early: escape it as Gradio's own serialiser does
        text = json.dumps(config).replace("</", "<\\/").encode()
        body = body[: match.start(1)] + text + body[match.end(1) :]
        if lang:
            body = body.replace(b"<head>", b"<head>" + locale_script(lang), 1)
        await _send(send, 200, start.get("headers", []), body)


def _accepted(scope: Scope) -> str:
    """The reader's language from the browser's Accept-Language header (English unless it starts with zh)."""
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            return "zh" if value.decode("latin-1").strip().lower().startswith("zh") else "en"
    return "en"
