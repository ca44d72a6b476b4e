"""The page of `chainrule serve`, end to end in headless Chromium (pytest-playwright, Debian's
/usr/bin/chromium; see tests/conftest.py): a live uvicorn server in a thread on a free port.

Each test checks what a user sees against the library's own numbers (the Trace), and that the
browser's console stayed free of errors. Screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("pytest_playwright")

import uvicorn  # noqa: E402
from playwright.sync_api import ConsoleMessage, Page, expect  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.cli.main import main  # noqa: E402
from chainrule.explain.notation import Numbers  # noqa: E402
from chainrule.web.app import create_app  # noqa: E402


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def errors(page: Page) -> Iterator[list[str]]:
    """Everything the browser's console reports as an error; empty at the end of each test."""
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(str(error)))
    yield seen
    assert seen == []


def opened(page: Page, url: str) -> Page:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(url)
    expect(page.locator("#diagram svg")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Steps taken: 0")
    return page


def load_example(page: Page, name: str) -> None:
    """Load a built-in example and wait until the page has shown it. (The page opens on
    exercise-2: its title is there before the load's answer comes, and an edit made before it
    came was drawn over by the example's own numbers, a test that failed now and then under
    load.)"""
    page.select_option("#example", name)
    with page.expect_response(lambda r: "/api/examples/" in r.url):
        page.click("#load-example")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))
    expect(page.locator("#title")).to_contain_text(cr.load(name).title or name)


def steps_taken(page: Page, n: int) -> None:
    expect(page.locator("#status")).to_contain_text(f"Steps taken: {n} ")


def edit(page: Page, path: str, value: str) -> None:
    box = page.locator(f"#parameters input[data-path='{path}']")
    box.fill(value)
    box.press("Enter")


def choose_weight(page: Page, name: str) -> dict[str, Any]:
    """Click the weight's arrow; its derivation's full-precision numbers."""
    # the transparent wide copy under the arrow takes the click. A straight arrow's box has no
    # height, which Playwright calls invisible (even with force, at times), so the mouse clicks
    # the middle of its box, on the 16 px stroke, as a user's pointer would.
    # The diagram is replaced when an answer comes (after Backward, say): until the last one
    # is drawn, the arrow found may be gone by the time it is measured, so measure again.
    hit = page.locator(f'#diagram .hit[data-name="{name}"]')
    box = None
    deadline = time.monotonic() + 10
    while box is None and time.monotonic() < deadline:
        page.evaluate("window.chainruleSettled()")
        try:
            hit.evaluate("e => e.scrollIntoView({block: 'center', inline: 'center'})",
                         timeout=2000)
            box = hit.bounding_box(timeout=2000)
        except PlaywrightError:
            box = None
    assert box is not None, f"the arrow of {name} is not drawn"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    full = page.locator("#derivation .full")
    expect(full).to_be_visible()
    expect(page.locator("#derivation h1")).to_contain_text(f"({name.replace(' -> ', ' → ')})")
    values: dict[str, Any] = json.loads(full.get_attribute("data-values") or "{}")
    return values


def test_load_edit_step_and_derive_shows_the_traces_numbers(
    page: Page, server_url: str, errors: list[str], tmp_path: Path
) -> None:
    opened(page, server_url)
    load_example(page, "exercise-3")
    edit(page, '["weights","j -> k"]', "0.5")
    expect(page.locator("#status")).to_contain_text("showing the weights before step 1")
    page.click("#step")
    steps_taken(page, 1)
    page.click("#backward")
    expect(page.locator("#diagram svg")).to_contain_text("backward pass, step 2")

    edited = cr.load("exercise-3").to_dict()
    edited["weights"]["j -> k"] = 0.5
    trace = cr.solve(edited, 2)
    second = trace.step(2)
    lay = second.layout
    for key in lay.weight_keys:
        name = f"{key[0]} -> {key[1]}"
        values = choose_weight(page, name)
        i = lay.weight_index[key]
        assert values == {"before": second.weights_before[i],
                          "gradient": second.weight_gradients[i],
                          "after": second.weights_after[i]}
        # the math shows the chain's factors and result as the worked solution rounds them
        factors = second.samples[0].factors(key)
        shown = page.locator("#derivation").inner_text().replace("\u2212", "-")
        number = Numbers(4)
        for x in (factors.a_from, factors.gradient, second.weights_after[i]):
            assert number(x) in shown, (name, number(x), shown)
    expect(page.locator("#status")).to_contain_text(f"C = {Numbers(4)(second.cost)}")
    assert page.locator("#status [data-full]").get_attribute("data-full") == str(second.cost)
    page.screenshot(path=tmp_path / "derivation.png", full_page=True)


def test_a_unit_derivation_and_keyboard_only_use(
    page: Page, server_url: str, errors: list[str]
) -> None:
    opened(page, server_url)
    load_example(page, "aima-21")
    page.locator("body").press("s")  # the Step key
    steps_taken(page, 1)
    page.locator("#diagram circle.unit[data-unit='u3']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#derivation h1")).to_contain_text("Unit u3")
    full = json.loads(page.locator("#derivation .full").get_attribute("data-values") or "{}")
    after_one = cr.solve("aima-21", 1).final
    assert full["units"][0] == cr.solve(after_one, 1).to_json()["steps"][0]["samples"][0][
        "units"]["u3"]


def test_a_shared_link_opens_the_same_state(
    page: Page, server_url: str, errors: list[str], tmp_path: Path
) -> None:
    opened(page, server_url)
    load_example(page, "exercise-2")
    edit(page, '["learning_rate"]', "0.37")
    page.fill("#run-n", "7")
    page.click("#run")
    steps_taken(page, 7)
    page.click("#forward")
    choose_weight(page, "i -> j")
    expect(page.locator("html[data-link=saved]")).to_be_attached()
    link = page.url
    assert "#v=2&s=" in link
    seen = {sel: page.locator(sel).inner_html() for sel in
            ("#status", "#diagram", "#derivation", "#cost-curve")}
    inputs = page.locator("#parameters input").evaluate_all(
        "els => els.map(e => e.dataset.full)")

    other = page.context.new_page()
    other.on("pageerror", lambda error: errors.append(str(error)))
    other.goto(link)
    steps_taken(other, 7)
    expect(other.locator("#derivation .full")).to_be_visible()
    for selector, html in seen.items():
        assert other.locator(selector).inner_html() == html, selector
    assert other.locator("#parameters input").evaluate_all(
        "els => els.map(e => e.dataset.full)") == inputs
    other.screenshot(path=tmp_path / "shared.png", full_page=True)
    # the numbers are exact: 7 steps at r = 0.37 from exercise-2, as the library computes them
    net = cr.load("exercise-2").to_dict()
    net["learning_rate"] = 0.37
    after = cr.solve(net, 7).final.to_dict()
    weights = [str(v) for v in after["weights"].values()]
    assert all(w in inputs for w in weights), (weights, inputs)


def test_a_hostile_link_is_refused_or_shown_as_text(
    page: Page, server_url: str, errors: list[str]
) -> None:
    import base64

    def v1(state: dict[str, Any]) -> str:
        text = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
        return f"{server_url}#v=1&state={text}"

    net = cr.load("exercise-2").to_dict()
    net["title"] = '<img src=x onerror="document.title=1"><meta http-equiv=refresh content=0>'
    old = {"version": 1, "start": net, "network": net, "steps": 2, "view": "forward",
           "costs": ['<img src=x onerror="document.title=2">', 1], "selected": None,
           "landscape": [], "notation": "handout", "example": None}
    page.goto(v1(old))  # an old link still opens: its costs are recomputed, not read
    steps_taken(page, 2)
    expect(page.locator("#title")).to_contain_text("<img src=x")  # as text
    assert page.locator("img, meta[http-equiv]").count() == 0
    costs = [Numbers(4)(c) for c in cr.solve(net, 2).costs]
    titles = page.locator("#cost-curve title").evaluate_all("els => els.map(e => e.textContent)")
    assert titles == [f"step {i + 1}: C = {c}" for i, c in enumerate(costs)]
    for bad, words in (({**old, "selected": {"kind": "weight", "name": "<b>"}}, "selected"),
                       ({**old, "steps": -1}, "steps"), ({**old, "view": "x"}, "view"),
                       ({**old, "landscape": ["<svg onload=alert(1)>"]}, "landscape")):
        page.goto("about:blank")
        page.goto(v1(bad))
        expect(page.locator("#error")).to_contain_text(f"this link's state is not valid: {words}")
        expect(page.locator("#title")).to_contain_text("Exercise 2")  # the page still works
    assert page.locator("img, meta[http-equiv]").count() == 0
    assert page.evaluate("document.title").startswith("chainrule")


def test_a_bad_file_shows_the_clis_one_line_error(
    page: Page, server_url: str, errors: list[str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = '[units]\ni = "input"\nk = "relu"\n\n[weights]\n"i -> q" = 0.5\n'
    path = tmp_path / "broken.toml"
    path.write_text(bad)
    assert main(["solve", str(path)]) == 2
    cli_line = capsys.readouterr().err.strip().removeprefix("chainrule: ")
    opened(page, server_url)
    page.set_input_files("#upload", files=[{"name": "broken.toml", "mimeType": "text/plain",
                                            "buffer": bad.encode()}])
    expected = cli_line.replace(str(path), "broken.toml")
    expect(page.locator("#error")).to_have_text(expected)
    assert "\n" not in page.locator("#error").inner_text()
    # the page keeps what it had
    expect(page.locator("#title")).to_contain_text("Exercise 2")
    page.screenshot(path=tmp_path / "error.png")
    # a good file loads and clears the error
    page.set_input_files("#upload", files=[{"name": "good.json", "mimeType": "application/json",
                                            "buffer": json.dumps(cr.load("exercise-1").to_dict())
                                            .encode()}])
    expect(page.locator("#title")).to_contain_text("Exercise 1")
    expect(page.locator("#error")).to_be_hidden()
    # a file of one's own is not called by the example shown before it
    expect(page.locator("#example option:checked")).to_have_text(
        "your own network (a file or a paste)")
    # the server said what the browser did: a 400 is not a console error of the page's own
    errors[:] = [e for e in errors if "status of 400" not in e]


def test_check_your_answers_gives_chainrule_checks_marking(
    page: Page, server_url: str, errors: list[str], tmp_path: Path
) -> None:
    from chainrule.teach import check

    opened(page, server_url)
    expect(page.locator("#answers")).to_have_value(re.compile(r"^# Answers for"))
    answers = "[a]\nj = 0.602\n[dC_da]\nk = -0.6027\n"
    page.fill("#answers", answers)
    page.click("#check")
    result = check(cr.load("exercise-2"), {"a": {"j": "0.602"}, "dC_da": {"k": "-0.6027"}})
    expect(page.locator("#check-result .score")).to_have_text(
        f"Score {result.score:g} of {result.max_score:g}")
    expect(page.locator("#check-result")).to_contain_text("dropped-two")
    # the marking table names the mistake by its phrase (the id in the tooltip)
    cell = page.locator("#check-result td[title='mistake id: dropped-two']")
    expect(cell).to_have_text("wrong: the 2 of 2(a - y) dropped")
    page.locator("#check-panel").screenshot(path=tmp_path / "check.png")
    expect(page.locator("#check-result")).not_to_contain_text("Loss")
    # changing the notation marks the shown result again in it, as check --notation aima:
    # symbols, derivations and mistake titles (no click on Check)
    aima = check(cr.load("exercise-2"), {"a": {"j": "0.602"}, "dC_da": {"k": "-0.6027"}},
                 notation="aima").to_json()
    wrong = next(t for t in aima["tests"] if t["mistakes"])
    page.select_option("#notation", "aima")
    expect(page.locator("#check-result")).to_contain_text(wrong["symbol"])  # dLoss/da_k
    expect(page.locator("#check-result")).to_contain_text("Loss")
    expect(cell).to_have_text(f"wrong: {wrong['mistakes'][0]['title']}")
    expect(page.locator("#check-result .score")).to_have_text(
        f"Score {aima['score']:g} of {aima['max_score']:g}")
    page.locator("#check-panel").screenshot(path=tmp_path / "check-aima.png")
    # the sheet marked is the one shown: an edit since is not marked behind the user's back
    page.fill("#answers", "[a]\nj = 0.602\n")
    page.select_option("#notation", "handout")
    expect(page.locator("#check-result")).not_to_contain_text("Loss")
    expect(page.locator("#check-result .score")).to_have_text(
        f"Score {result.score:g} of {result.max_score:g}")
    expect(cell).to_have_text("wrong: the 2 of 2(a - y) dropped")


SCREENS = {"laptop": (1280, 800), "projector": (1920, 1080), "phone": (390, 844)}


def test_the_page_fits_every_screen(browser: Any, server_url: str, tmp_path: Path) -> None:
    """At 1280x800, 1920x1080 in projector mode and 390x844: no sideways scrolling of the page,
    no jump on a click, every derivation line whole (broken at "=" where narrow), the diagram
    beside its derivation on the projector, headings larger than text, 44 px tap targets on
    the phone. Screenshots in the test's folder."""
    for screen, (width, height) in SCREENS.items():
        phone = screen == "phone"
        context = browser.new_context(viewport={"width": width, "height": height},
                                      is_mobile=phone, has_touch=phone)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error, seen=problems: seen.append(str(error)))
        page.goto(server_url)
        expect(page.locator("#diagram svg")).to_be_visible()
        load_example(page, "aima-21")
        if screen == "projector":
            page.click("#projector")
        page.click("#backward")
        expect(page.locator("#diagram svg")).to_contain_text("backward pass")
        page.evaluate("window.scrollTo(0, 0)")
        page.locator('#diagram .hit[data-name="x1 -> u3"]').click(force=True)
        expect(page.locator("#derivation h1")).to_contain_text("(x1 → u3)")
        assert page.evaluate("window.scrollY") == 0, screen  # no jump
        assert page.evaluate("document.documentElement.scrollWidth") <= width, screen
        cut = page.evaluate("""() => [...document.querySelectorAll('#derivation .forms math')]
            .filter(m => m.getBoundingClientRect().right >
                         document.querySelector('#derivation').getBoundingClientRect().right + 1
                      || m.scrollWidth > m.clientWidth + 1).map(m => m.textContent)""")
        assert cut == [], (screen, cut)
        sizes = page.evaluate("""() => ['h2', '#derivation h3', 'body'].map(s =>
            parseFloat(getComputedStyle(document.querySelector(s)).fontSize))""")
        assert sizes[0] > sizes[2] and sizes[1] > sizes[2], (screen, sizes)
        if screen == "projector":
            diagram = page.locator("#diagram svg").bounding_box()
            title = page.locator("#derivation h1").bounding_box()
            assert diagram and title
            assert diagram["y"] + diagram["height"] <= height and title["y"] < height
            assert title["x"] > diagram["x"] + diagram["width"] - 1  # side by side
            assert "projector" in page.evaluate("document.body.className")
            on, off = page.evaluate("""() => ['#projector', '#share'].map(s =>
                getComputedStyle(document.querySelector(s)).backgroundColor)""")
            assert on != off, "the Projector button shows that it is on"
        if phone:
            small = page.evaluate("""() => [...document.querySelectorAll(
                'button, select, input, summary, .file-button, textarea, a[href]')]
                .filter(b => b.id !== 'upload' && b.checkVisibility() && !b.closest('#diagram'))
                .filter(b => b.getBoundingClientRect().height < 44 ||
                             b.getBoundingClientRect().width < 44)
                .map(b => b.id || b.getAttribute('aria-label') || b.textContent)""")
            assert small == [], small  # every tap target, the Network panel's x buttons too
            label = page.locator("#diagram svg text").first.bounding_box()
            assert label and label["height"] >= 8  # readable, not ~5 px
        page.screenshot(path=tmp_path / f"{screen}.png")
        # the data-set mode and the Network panel fit too
        page.select_option("#data-set", "gaussian")
        expect(page.locator("#boundary svg")).to_be_visible()
        expect(page.locator("#status")).to_contain_text("Epochs: 0 ")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, screen
        # a dense network's back-propagation: never shrunk past readable; it scrolls sideways
        page.click("#backward")
        expect(page.locator("#diagram svg")).to_contain_text("backward pass")
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
            '#diagram svg text')].map(t => t.getBoundingClientRect().height))""")
        assert smallest >= 8, (screen, smallest)
        box = page.locator("#diagram")
        if box.evaluate("b => b.scrollWidth > b.clientWidth + 1"):
            expect(page.locator(".sideways")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, screen
        page.locator("#stage").screenshot(path=tmp_path / f"{screen}-data.png")
        page.locator("#network-panel").screenshot(path=tmp_path / f"{screen}-network.png")
        assert problems == []
        context.close()


def test_panels_follow_every_step_and_edit(
    page: Page, server_url: str, errors: list[str]
) -> None:
    opened(page, server_url)
    page.select_option("#land-1", "i -> j")
    page.click("#draw-landscape")
    expect(page.locator("#landscape svg")).to_be_visible()
    expect(page.locator("#answers")).to_have_value(re.compile(r"\nstep = 1\n"))
    page.fill("#answers", "[a]\nj = oops\n")
    page.click("#check")
    expect(page.locator("#check-error")).to_contain_text("your answers: not valid TOML")
    page.click("#blank-sheet")
    page.click("#step")
    steps_taken(page, 1)
    settle(page)
    # the landscape, the sheet and the values follow the step
    assert page.locator("#landscape").get_attribute("data-steps") == "1"
    expect(page.locator("#answers")).to_have_value(re.compile(r"\nstep = 2\n"))
    after = cr.solve("exercise-2", 1).final.to_dict()
    full = page.locator("#parameters input[data-path='[\"weights\",\"i -> j\"]']")
    assert full.get_attribute("data-full") == str(after["weights"]["i -> j"])
    # a sheet being filled in is kept, with a note; an old check result goes
    page.fill("#answers", "step = 2\n[a]\nj = 0.6\n")
    page.click("#check")
    expect(page.locator("#check-result .score")).to_be_visible()
    expect(page.locator("#check-result h2").first).to_contain_text("Step 2")
    page.click("#step")
    steps_taken(page, 2)
    settle(page)
    expect(page.locator("#check-result")).to_be_empty()
    expect(page.locator("#sheet-note")).to_contain_text("at step 3 now")
    assert page.locator("#answers").input_value() == "step = 2\n[a]\nj = 0.6\n"
    page.click("#check")  # it is for step 2; the page is at step 3
    expect(page.locator("#check-error")).to_contain_text("this sheet is for step 2")
    # an invalid edit is shown at its field and rolled back
    status = page.locator("#status").inner_text()
    edit(page, '["learning_rate"]', "abc")
    problem = page.locator("#p-learning_rate-error")
    expect(problem).to_contain_text("abc")
    expect(page.locator("#p-learning_rate")).to_have_value("0.1")
    assert page.locator("#p-learning_rate").get_attribute("aria-invalid") == "true"
    assert page.locator("#status").inner_text() == status
    expect(page.locator("#error")).to_be_hidden()
    # a value the loader takes but no step can use (an infinite cost) is refused at its field
    # too, and the run keeps the network it had
    edit(page, '["weights","i -> j"]', "1e308")
    weight = page.locator("#p-weights-i____j")
    expect(page.locator(f"#{weight.get_attribute('id')}-error")).to_contain_text(
        "1e308: the cost became inf")
    expect(weight).to_have_value(Numbers(4)(float(weight.get_attribute("data-full") or "0")))
    assert page.locator("#status").inner_text() == status
    expect(page.locator("#error")).to_be_hidden()
    # a Run N past the limit is named under the step buttons, not in a bar at the top
    page.fill("#run-n", "99999")
    page.click("#run")
    expect(page.locator("#step-error")).to_contain_text(
        'Run N: "99999" is not a whole number of steps from 1 to 10000')
    assert page.locator("#run-n").get_attribute("aria-invalid") == "true"
    assert page.locator("#status").inner_text() == status
    expect(page.locator("#error")).to_be_hidden()
    stage = page.locator("#stage").bounding_box()
    below = page.locator("#step-error").bounding_box()
    assert stage and below and stage["y"] < below["y"] < stage["y"] + stage["height"]
    page.fill("#run-n", "1")
    page.click("#run")  # from the network the run had, not the refused one
    steps_taken(page, 3)
    settle(page)
    assert page.locator("#status [data-full]").get_attribute("data-full") == str(
        cr.solve("exercise-2", 4).step(4).cost)
    # Escape closes the paste box; Reset is undone by Back
    page.click("#paste-box summary")
    expect(page.locator("#paste")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#paste")).to_be_hidden()
    page.click("#reset")
    steps_taken(page, 0)
    settle(page)
    page.go_back()
    steps_taken(page, 3)
    # the server's 400s for the bad sheet and the bad edit are expected, not the page's errors
    errors[:] = [e for e in errors if "status of 400" not in e]


def settle(page: Page) -> None:
    page.evaluate("window.chainruleSettled()")
    expect(page.locator("html[data-link=saved]")).to_be_attached()


def test_a_share_link_stays_short_after_any_number_of_steps(
    page: Page, server_url: str, errors: list[str]
) -> None:
    opened(page, server_url)
    load_example(page, "aima-21")
    page.fill("#run-n", "10000")
    page.click("#run")
    steps_taken(page, 10000)
    page.fill("#run-n", "100")
    page.click("#run")
    steps_taken(page, 10100)
    page.click("#projector")
    page.click("#backward")
    choose_weight(page, "u3 -> u5")
    settle(page)
    link = page.url
    assert "#v=2&s=" in link and len(link.split("#", 1)[1]) < 2000, len(link)
    status = page.locator("#status").inner_text()
    other = page.context.new_page()
    other.goto(link)
    steps_taken(other, 10100)
    expect(other.locator("#status")).to_have_text(status)
    expect(other.locator("#derivation h1")).to_contain_text("(u3 → u5)")
    assert "projector" in other.evaluate("document.body.className")


def test_the_network_is_edited_in_place_and_kept_in_the_link(
    page: Page, server_url: str, errors: list[str]
) -> None:
    opened(page, server_url)
    page.select_option("[aria-label='activation of unit k']", "sigmoid")
    expect(page.locator("#diagram svg")).to_contain_text("sigmoid")
    page.click("[aria-label='add a unit to layer L-1']")
    expect(page.locator("#structure")).to_contain_text("l")
    page.click("#add-layer")
    expect(page.locator("[aria-label='remove layer L-1']")).to_be_visible()
    page.select_option("#cost", "half_squared_error")
    settle(page)
    edit(page, '["samples",0,"targets","k"]', "0.25")
    page.click("#step")
    steps_taken(page, 1)
    settle(page)
    # the numbers are the library's for the network as edited
    from chainrule.web.edit import edit as reshape

    net = cr.load("exercise-2").to_dict()
    net = reshape(net, "activation", unit="k", value="sigmoid")
    net = reshape(net, "add-unit", layer=1)
    net = reshape(net, "add-layer")
    net = reshape(net, "cost", value="half_squared_error")
    net["samples"][0]["targets"]["k"] = 0.25
    assert list(net["units"]) == ["i", "j", "l", "h1", "h2", "k"]
    assert net["weights"]["h2 -> k"] == 0.1 and "j -> k" not in net["weights"]
    expected = cr.solve(net, 2)
    status = page.locator("#status [data-full]").get_attribute("data-full")
    assert status == str(expected.step(2).cost)
    # a refused edit says why, beside the controls, and changes nothing
    page.click("[aria-label='remove unit l']")  # an edit: the run starts again from it
    expect(page.locator("[aria-label='activation of unit l']")).to_have_count(0)
    steps_taken(page, 0)
    page.select_option("[aria-label='activation of unit j']", "softmax")
    expect(page.locator("#network-error")).to_contain_text(
        "j: softmax is only for output units")
    expect(page.locator("[aria-label='activation of unit j']")).to_have_value("relu")
    settle(page)
    link = page.url
    other = page.context.new_page()
    other.goto(link)
    steps_taken(other, 0)
    expect(other.locator("#status")).to_have_text(page.locator("#status").inner_text())
    expect(other.locator("#cost")).to_have_value("half_squared_error")
    expect(other.locator("#structure")).to_contain_text("h1")
    errors[:] = [e for e in errors if "status of 400" not in e]


def test_play_and_the_data_set_mode_train_with_chainrules_trainer(
    page: Page, server_url: str, errors: list[str], tmp_path: Path
) -> None:
    from chainrule.web.datasets import run

    opened(page, server_url)
    # Play on the handout's network: it keeps stepping until paused
    page.select_option("#speed", "100")
    page.click("#play")
    expect(page.locator("#status")).to_contain_text(re.compile(r"Steps taken: [1-9]\d* "))
    page.click("#play")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    settle(page)
    # the data-set mode: XOR, trained by chainrule.train, epochs as steps
    expect(page.locator("#example")).to_have_value("exercise-2")
    page.select_option("#data-set", "xor")
    expect(page.locator("#boundary svg rect")).to_have_count(40 * 40)
    # the Example box says a data set is loaded, not the example shown before it
    expect(page.locator("#example")).to_have_value("")
    expect(page.locator("#example option:checked")).to_have_text(
        "data set: xor (trained below)")
    expect(page.locator("#load-example")).to_be_disabled()
    page.fill("#run-n", "30")
    page.click("#run")
    expect(page.locator("#status")).to_contain_text("Epochs: 30 ")
    page.fill("#data-sample", "7")
    page.locator("#data-sample").press("Enter")
    expect(page.locator("#data-sample-text")).to_contain_text("of 100 training points")
    settle(page)
    expected = run(None, {"set": "xor"}, 30, sample=6)
    assert page.locator("#status").inner_text().startswith(
        f"Epochs: 30 · training loss {Numbers(4)(expected['loss']['cost'])} · test loss "
        f"{Numbers(4)(expected['loss']['test_cost'])} · sample 7: C = ")
    values = choose_weight(page, "h1_1 -> h2_1")
    trace = cr.solve(expected["network"], 1)
    key = ("h1_1", "h2_1")
    i = trace.step(1).layout.weight_index[key]
    assert values["gradient"] == trace.step(1).weight_gradients[i]
    page.screenshot(path=tmp_path / "data-set.png", full_page=True)
    link = page.url
    other = page.context.new_page()
    other.goto(link)
    expect(other.locator("#status")).to_contain_text("Epochs: 30 ")
    expect(other.locator("#status")).to_have_text(page.locator("#status").inner_text())
    expect(other.locator("#data-set")).to_have_value("xor")
    expect(other.locator("#example option:checked")).to_have_text(
        "data set: xor (trained below)")
    # Data "none" goes back to an example, named in the box (the page's default here)
    other.select_option("#data-set", "")
    expect(other.locator("#title")).to_contain_text(cr.load("exercise-2").title or "")
    expect(other.locator("#example")).to_have_value("exercise-2")
    expect(other.locator("#load-example")).to_be_enabled()
    # choosing an example and Load leaves the data set: the box names the example again
    page.select_option("#example", "aima-21")
    expect(page.locator("#load-example")).to_be_enabled()
    page.click("#load-example")
    expect(page.locator("#title")).to_contain_text(cr.load("aima-21").title or "aima-21")
    expect(page.locator("#example")).to_have_value("aima-21")
    expect(page.locator("#data-view")).to_be_hidden()
    expect(page.locator("#example option[data-other]")).to_have_count(0)


def test_a_link_whose_number_json_reads_as_0_is_refused_with_the_clis_line(
    page: Page, server_url: str, errors: list[str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A share link's JSON reads ``1e-999999999999999999`` as 0: the page keeps it as written,
    and the server's loader refuses it as ``solve`` refuses it in a network file."""
    import base64
    import zlib

    net = cr.load("exercise-2").to_dict()
    state = json.dumps({"version": 2, "start": net, "steps": 0}).replace(
        '"i -> j": 0.86', '"i -> j": 1e-999999999999999999', 1)
    assert "1e-999999999999999999" in state
    packer = zlib.compressobj(wbits=-15)
    packed = packer.compress(state.encode()) + packer.flush()
    page.goto(f"{server_url}#v=2&s={base64.urlsafe_b64encode(packed).decode().rstrip('=')}")
    path = tmp_path / "tiny.toml"
    path.write_text(cr.dumps_toml(cr.load("exercise-2")).replace(
        '"i -> j" = 0.86', '"i -> j" = 1e-999999999999999999'))
    assert main(["solve", str(path)]) == 2
    line = capsys.readouterr().err.strip().split(": line ", 1)[1].split(": ", 1)[1]
    expect(page.locator("#error")).to_contain_text(f"network: {line}")
    expect(page.locator("#title")).to_contain_text("Exercise")  # the page still works
    errors[:] = [e for e in errors if "status of 400" not in e]  # the refusal, as expected
