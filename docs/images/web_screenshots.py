"""Takes the screenshots of docs/web.md: the page in headless Chromium (Debian's), served by a
live `chainrule serve` app, at the three sizes the page is made for (1280x800, a 1920x1080
projector, a 390x844 phone), and the data-set mode.

Run: python docs/images/web_screenshots.py   (the web extra and playwright; never downloads a
browser: it uses /usr/bin/chromium)
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"


def main() -> None:
    import uvicorn
    from playwright.sync_api import Page, sync_playwright

    from chainrule.web.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}/"

    def settled(page: Page) -> None:
        page.evaluate("window.chainruleSettled()")
        page.wait_for_selector("html[data-link=saved]", state="attached")

    def aima(page: Page, projector: bool = False) -> None:
        page.goto(url)
        page.wait_for_selector("#diagram svg")
        page.select_option("#example", "aima-21")
        page.click("#load-example")
        page.wait_for_selector("#title:has-text('AIMA')")
        if projector:
            page.click("#projector")
        page.click("#backward")
        page.wait_for_selector("#diagram svg:has-text('backward pass')")
        page.locator('#diagram .hit[data-name="x1 -> u3"]').click(force=True)
        page.wait_for_selector("#derivation .full")
        settled(page)
        page.evaluate("window.scrollTo(0, 0)")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for name, size, projector, phone in (
            ("web-laptop", (1280, 800), False, False),
            ("web-projector", (1920, 1080), True, False),
            ("web-phone", (390, 844), False, True),
        ):
            context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                          is_mobile=phone, has_touch=phone)
            page = context.new_page()
            aima(page, projector)
            page.screenshot(path=HERE / f"{name}.png")
            context.close()
        page = browser.new_page(viewport={"width": 1366, "height": 860})
        aima(page)
        page.screenshot(path=HERE / "web-derivation.png")
        page.fill("#run-n", "30")
        page.click("#run")
        page.wait_for_selector("#status:has-text('Steps taken: 30 ')")
        page.select_option("#land-1", "u3 -> u5")
        page.click("#draw-landscape")
        page.wait_for_selector("#landscape svg", timeout=60_000)
        settled(page)
        page.locator("#stage").screenshot(path=HERE / "web-run.png")
        page.locator("#landscape-panel").screenshot(path=HERE / "web-landscape.png")
        page.fill("#answers", "step = 31\nC = 0.1\n[a]\nu3 = 0.55\n[dC_da]\nu5 = -0.3\n")
        page.click("#check")
        page.wait_for_selector("#check-result .score")
        page.locator("#check-panel").screenshot(path=HERE / "web-check.png")
        page.locator("#network-panel").screenshot(path=HERE / "web-network.png")
        page.select_option("#data-set", "spiral")
        page.wait_for_selector("#boundary svg")
        page.fill("#run-n", "300")
        page.click("#run")
        page.wait_for_selector("#status:has-text('Epochs: 300 ')")
        page.click("#backward")
        page.wait_for_selector("#diagram svg:has-text('backward pass')")
        page.locator('#diagram .hit[data-name="h1_1 -> h2_1"]').click(force=True)
        page.wait_for_selector("#derivation .full")
        settled(page)
        page.evaluate("window.scrollTo(0, 0)")
        page.evaluate("document.querySelector('#diagram').scrollLeft = 0")  # from its start
        page.set_viewport_size({"width": 1366, "height": 1300})
        page.screenshot(path=HERE / "web-data-set.png")
        browser.close()
    server.should_exit = True
    thread.join(10)


if __name__ == "__main__":  # the server's worker processes import this file: start only here
    main()
