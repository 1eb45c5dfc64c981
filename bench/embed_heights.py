"""How tall each panel is alone on its route, in a 700 px blog column and on a 390 px phone (README: Embedding).

Launches the app in-process, waits for the default results, opens every route in Debian's chromium and measures
the page's height, any horizontal overflow, and where the main button and its first result sit (px from the top).

    python bench/embed_heights.py            # prints a Markdown table
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

# the main button of each route and its first result (Playwright selectors)
MAIN = {
    "thermodynamics": ("button:has-text('Simulate and render')", "video"),
    "markov": ("button:text-is('Simulate')", ".markov-path"),
    "forward": ("#forward-xt_page", "#forward-xt_page img"),
    "reverse": ("#digits-run_page", "#digits-xt_page img"),
    "training": ("button:text-is('Start')", "#train-status_page"),
    "points": ("#points-train_page", "#points-status_page"),
}


def measure(url: str, widths: list[int], settle_ms: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for route, (button, result) in MAIN.items():
            for width in widths:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{url}/{route}")
                page.locator(result).first.wait_for(state="attached", timeout=300_000)
                page.wait_for_timeout(settle_ms)
                top = "el => el.getBoundingClientRect().top + window.scrollY"
                rows.append(
                    {
                        "route": route,
                        "width": width,
                        "height": page.evaluate("document.documentElement.scrollHeight"),
                        "overflow": page.evaluate(
                            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                        ),
                        "button_y": round(page.locator(button).first.evaluate(top)),
                        "result_y": round(page.locator(result).first.evaluate(top)),
                    }
                )
                page.close()
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[700, 390])
    parser.add_argument("--settle-ms", type=int, default=3000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import app

    app.warm_defaults().join()
    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, **app.launch_kwargs())
    try:
        rows = measure(url.rstrip("/"), args.widths, args.settle_ms)
    finally:
        app.demo.close()
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print("| route | width | height | horizontal overflow | main button at | first result at |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| /{r['route']} | {r['width']} px | {r['height']} px | {r['overflow']} px | "
            f"{r['button_y']} px | {r['result_y']} px |"
        )


if __name__ == "__main__":
    main()
