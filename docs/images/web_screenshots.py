"""Takes the screenshots of docs/web.md: the page in headless Chromium (Debian's), served by a
live `chainrule serve` app. Run: .venv/bin/python docs/images/web_screenshots.py"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from chainrule.web.app import create_app

HERE = Path(__file__).resolve().parent


def main() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1366, "height": 860})
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#diagram svg")
        page.select_option("#example", "aima-21")
        page.click("#load-example")
        page.wait_for_selector("#title:has-text('AIMA')")
        page.click("#backward")
        page.wait_for_selector("#diagram svg:has-text('backward pass')")
        page.locator('#diagram .hit[data-name="x1 -> u3"]').click(force=True)
        page.wait_for_selector("#derivation .full")
        page.screenshot(path=HERE / "web-derivation.png")
        page.fill("#run-n", "30")
        page.click("#run")
        page.wait_for_selector("#status:has-text('Steps taken: 30 ')")
        page.select_option("#land-1", "u3 -> u5")
        page.click("#draw-landscape")
        page.wait_for_selector("#landscape svg", timeout=60_000)
        page.locator("#stage").screenshot(path=HERE / "web-run.png")
        page.locator("#landscape-panel").screenshot(path=HERE / "web-landscape.png")
        page.fill("#answers", "C = 0.1\n[a]\nu3 = 0.55\n[dC_da]\nu5 = -0.3\n")
        page.click("#check")
        page.wait_for_selector("#check-result .score")
        page.locator("#check-panel").screenshot(path=HERE / "web-check.png")
        page.click("#projector")
        page.set_viewport_size({"width": 1280, "height": 720})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=HERE / "web-projector.png")
        browser.close()
    server.should_exit = True
    thread.join(10)


if __name__ == "__main__":
    main()
