"""The HTML worked solution in real headless Chromium (Debian's, through Playwright).

The page loads with no console error and no request leaving the file; every equation is
display math (full-size fractions) and starts at the same left edge; a continued equation's
right side sits right after its ``=``; minus signs and primes are the real glyphs; the
embedded diagram's text is readable; the print stylesheet keeps equations whole. Screenshots
(screen and print) are written to ``$CHAINRULE_SCREENSHOTS`` when it is set, to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.render import solution

CHROMIUM = Path("/usr/bin/chromium")
pytest.importorskip("pytest_playwright")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture
def chromium_browser(browser: Any) -> Any:
    """pytest-playwright's browser (Debian's chromium, launched as tests/conftest.py says): a
    second sync_playwright of our own cannot start once pytest-playwright's runs in the same
    process (test_web_page.py before this file fails every test here)."""
    return browser


def open_page(browser: Any, html: str, path: Path) -> tuple[Any, list[str], list[str]]:
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 1200})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, outside


CASES = [("exercise-2", "handout"), ("aima-21", "aima"), ("exercise-3", "handout")]


@pytest.mark.parametrize("name, notation", CASES)
def test_the_page_looks_like_the_handout(
    chromium_browser: Any, tmp_path: Path, name: str, notation: str
) -> None:
    html = solution("html", cr.solve(name), {"notation": notation})
    page, errors, outside = open_page(chromium_browser, html, tmp_path / f"{name}.html")
    try:
        assert errors == [], errors
        assert outside == [], outside
        facts = page.evaluate(
            """() => {
            const eqs = [...document.querySelectorAll('.eq')];
            const maths = [...document.querySelectorAll('.eq .rows math')];
            const box = e => e.getBoundingClientRect();
            const lefts = eqs.map(e => Math.round(box(e.querySelector('.rows')).left));
            const gaps = [...document.querySelectorAll('.eq .rows')].flatMap(rows => {
                const l = rows.querySelector('.lhs math'), r = rows.querySelector('.rhs math');
                return l && r ? [box(r).left - box(l).right] : [];
            });
            const all = selector => [...document.querySelectorAll(selector)];
            const fracs = all('.eq .rows mfrac').map(f => box(f).height);
            const text = all('.diagram svg text').map(t => box(t).height);
            return {
                equations: eqs.length,
                display: maths.filter(m => m.getAttribute('display') === 'block').length,
                maths: maths.length,
                styles: [...new Set(maths.map(m => getComputedStyle(m).mathStyle))],
                lefts: [...new Set(lefts)],
                gaps: gaps,
                fracs: fracs,
                diagramText: text.length ? Math.min(...text) : 0,
                width: document.documentElement.scrollWidth,
                scrolled: [...document.querySelectorAll('.eq .rows')].filter(
                    r => r.scrollWidth > r.clientWidth + 1).length,
            };
        }"""
        )
        assert facts["equations"] > 10
        assert facts["display"] == facts["maths"] > 10, "every equation is display math"
        assert facts["styles"] == ["normal"], "fractions at full size, not text size"
        assert len(facts["lefts"]) == 1, f"equations start at different edges: {facts['lefts']}"
        assert max(facts["gaps"]) < 12, f"= far from its left side: {max(facts['gaps'])}px"
        assert min(facts["fracs"]) > 24, "a fraction in an equation is display size"
        assert facts["diagramText"] >= 12, f"diagram text {facts['diagramText']}px"
        assert facts["width"] <= 1000, "nothing sticks out of the page"
        assert facts["scrolled"] == 0, "an equation wider than the page"
        # the minus of a negative number is a sign (no space after "("), a prime is a prime
        assert "&#x00028;</mo><mo>&#x02212;" not in html
        assert "&#x000B4;" not in html and "<mi>&#x02032;</mi></msup>" not in html
        shots = os.environ.get("CHAINRULE_SCREENSHOTS")
        folder = Path(shots) if shots else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        page.emulate_media(media="print")
        kept_whole = page.evaluate(
            "() => getComputedStyle(document.querySelector('.eq')).breakInside"
        )
        assert kept_whole == "avoid"
        page.screenshot(path=str(folder / f"{name}-print.png"), full_page=True)
        assert (folder / f"{name}.png").stat().st_size > 50_000
    finally:
        page.close()
