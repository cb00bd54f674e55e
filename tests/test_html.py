"""HTML output: a self-contained page whose links are the Jacobians' non-zero pattern.

Structure tests parse the page with the standard library. Browser tests drive the
distribution's headless Chromium through Selenium (``/usr/bin/chromedriver``, nothing
downloaded): hover and focus elements and compare the highlighted ones with the pattern
computed here from the JSON document, step through the proof, and check for console
errors, network requests and a blank screenshot. Skipped locally without Chromium,
never on CI.
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import gradsym
from tests.conftest import ON_CI

# name → (function, keyword arguments, output letter)
CASES = {
    "conv": (gradsym.conv, {"input": "3x3", "kernel": "2x2", "x": "arange", "k": "1,2,3,4"}, "y"),
    "conv_channels_stride": (gradsym.conv, {"input": "4x4", "kernel": "3x3", "stride": "2", "padding": "1",
                                            "in_channels": 2, "out_channels": 2, "bias": True}, "y"),
    "conv_1d": (gradsym.conv, {"input": "5", "kernel": "2", "stride": "2", "dilation": "2"}, "y"),
    "deconv": (gradsym.deconv, {"input": "2x2", "kernel": "2x2", "stride": "2", "padding": "1"}, "y"),
    "linear": (gradsym.linear, {"in_features": 3, "out_features": 2, "batch": 2, "bias": True}, "y"),
    "pool": (gradsym.pool, {"input": "4x4", "size": "2", "x": "arange"}, "y"),
    "batchnorm": (gradsym.batchnorm, {"batch": 2, "features": 2}, "y"),
    "mlp": (gradsym.mlp, {"layers": "1,2,1", "activation": "sigmoid"}, "out"),
    "expr": (gradsym.expr, {"text": "mean(3*(a+3)**2)", "shape": ["a=2"], "wrt": ["a"]}, "f"),
    "matrix": (gradsym.matrix, {"text": "(X*w - y).T*(X*w - y)", "shape": ["X=3x2", "w=2x1", "y=3x1"],
                                "wrt": ["X", "w"]}, "J"),
    "chain": (gradsym.chain, {"input": "3x3", "kernel": "2x2", "depth": 2}, "L"),
}


def derive(name: str) -> gradsym.Derivation:
    fn, kwargs, _ = CASES[name]
    if "text" in kwargs:
        kwargs = dict(kwargs)
        return fn(kwargs.pop("text"), **kwargs)
    return fn(**kwargs)


def flat_names(nested: object) -> list[str]:
    if isinstance(nested, str):
        return [nested]
    return [n for item in nested for n in flat_names(item)]  # type: ignore[attr-defined]


def at(nested: object, index: list[int]) -> str:
    for i in index:
        nested = nested[i]  # type: ignore[index]
    assert isinstance(nested, str)
    return nested


def expected_links(doc: dict, out_letter: str) -> dict[str, set[str]]:
    """Symbol → the symbols tied to it by a non-zero Jacobian entry, from the JSON alone."""
    links: dict[str, set[str]] = {}
    for role, jac in doc.get("jacobian", {}).items():
        for out_index, wrt_index, _ in jac["nonzeros"]:
            out = "_".join([out_letter, *(str(i + 1) for i in out_index)])
            wrt = at(doc["symbols"][role], wrt_index)
            links.setdefault(out, set()).add(wrt)
            links.setdefault(wrt, set()).add(out)
    return links


class Page(HTMLParser):
    """Collects every tag's attributes, the scripts' text and the style text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: dict[str, str] = {}
        self.styles = ""
        self._in: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = (tag, dict(attrs).get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            tag, cls = self._in
            if tag == "style":
                self.styles += data
            else:
                self.scripts[cls] = self.scripts.get(cls, "") + data


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def adjacency(page: Page) -> dict[str, set[str]]:
    data = json.loads(page.scripts["gradsym-links"])
    return {n: {data["names"][j] for j in data["adj"][i]} for i, n in enumerate(data["names"])}


# -- structure ----------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_is_self_contained_with_every_symbol_and_the_jacobian_links(name, lang):
    d = derive(name)
    text = d.to_html(lang=lang)
    assert text.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in text
    page = parse(text)
    for tag, attrs in page.tags:
        for attr in ("src", "href", "srcset", "action", "data", "poster"):
            assert attr not in attrs, (tag, attrs)
        assert "url(" not in (attrs.get("style") or "")
    assert "@import" not in page.styles and "url(" not in page.styles
    assert not re.search(r"https?://", text)
    assert any(tag == "math" for tag, _ in page.tags)  # math as MathML
    shown = {a["data-symbol"] for _, a in page.tags if "data-symbol" in a}
    doc = d.to_dict()
    for role, names in doc["symbols"].items():
        missing = set(flat_names(names)) - shown
        assert not missing, (role, sorted(missing)[:5])
    links = adjacency(page)
    expected = expected_links(doc, CASES[name][2])
    assert links == expected
    if lang == "zh":
        assert "逐" in text or "雅可比" in text


def test_links_cover_only_shown_symbols_in_a_summarised_page():
    d = gradsym.conv(input="12x12", kernel="3x3")
    page = parse(d.to_html())
    shown = {a["data-symbol"] for _, a in page.tags if "data-symbol" in a}
    links = adjacency(page)
    expected = expected_links(d.to_dict(), "y")
    assert links and set(links) <= shown
    for name, neighbours in links.items():
        assert neighbours == expected[name] & shown


@pytest.mark.parametrize(("d", "count"), [
    (gradsym.chain(input="3x3", kernel="2x2", depth=2), 2 + 1 + 2 * 2),  # forward, loss, backward
    (gradsym.chain(input="4x4", kernel="2x2", depth=3), 3 + 1 + 2 * 3),
    (gradsym.mlp(layers="1,2,1"), 2 + 2 + 1),  # forward per layer, backward per layer, input
], ids=["chain2", "chain3", "mlp"])
def test_layer_stepper_has_one_step_per_layer_and_direction(d, count):
    text = d.to_html()
    steps = json.loads(parse(text).scripts["gradsym-steps"])
    assert len(steps) == count
    ids = set(re.findall(r' id="([^"]+)"', text))
    for step in steps:
        assert step["caption"] and step["targets"]
        assert {t.lstrip("#") for t in step["targets"]} <= ids


def test_notebook_html_repr_is_the_page_without_html_and_head():
    d = derive("conv")
    fragment = d._repr_html_()
    assert "<html" not in fragment and "<head" not in fragment and "<body" not in fragment
    assert fragment.strip() in d.to_html()
    assert 'data-symbol="y_1_1"' in fragment and "<script>" in fragment


def test_evaluation_reprs_show_the_numbers():
    r = derive("conv").numeric
    assert r is not None
    assert repr(r) == ("<Evaluation forward=[[37, 47], [67, 77]], grad['input']=[[1, 3, 2], [4, 10, 6], "
                       "[3, 7, 4]], grad['kernel']=[[12, 16], [24, 28]]: checks hold>")
    assert "<td>77</td>" in r._repr_html_() and "jacobian_matches_autodiff_numeric" in r._repr_html_()


def test_cli_html_from_format_and_from_suffix(cli, tmp_path):
    args = ["conv", "--input", "3x3", "--kernel", "2x2"]
    printed = cli(*args, "--format", "html")
    assert printed.code == 0 and printed.out.startswith("<!DOCTYPE html>")
    target = tmp_path / "page.html"
    written = cli(*args, "--output", str(target))
    assert written.code == 0 and written.out == ""
    assert target.read_text(encoding="utf-8") == printed.out
    assert printed.out == gradsym.conv(input="3x3", kernel="2x2").to_html()


@pytest.mark.parametrize("command", [
    ["sizes", "--input", "5x5", "--kernel", "3x3"],
    ["chain", "--input", "3x3", "--kernel", "2x2", "--depth", "2", "--lang", "zh"],
    ["conv", "--input", "3x3x3", "--kernel", "2x2x2"],
    ["conv", "--general", "--dims", "1"],
])
def test_every_command_renders(cli, command):
    result = cli(*command, "--format", "html")
    assert result.code == 0, result.err
    assert result.out.rstrip().endswith("</html>")
    parse(result.out)


# -- in a browser -------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSER_CASES = ["conv", "conv_channels_stride", "deconv", "linear", "pool"]


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)) and not ON_CI:
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    if ON_CI:
        import selenium  # noqa: F401  (required on CI)
    else:
        pytest.importorskip("selenium")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM if os.path.exists(CHROMIUM) else (shutil.which("chromium") or CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        del driver
        gc.collect()  # the driver service's __del__ runs now, not when the worker exits


def open_page(driver, tmp_path: Path, name: str, lang: str = "en") -> tuple[gradsym.Derivation, dict]:
    d = derive(name)
    path = tmp_path / f"{name}.html"
    path.write_text(d.to_html(lang=lang), encoding="utf-8")
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(path.as_uri())
    return d, expected_links(d.to_dict(), CASES[name][2])


def linked(driver) -> tuple[set[str], int]:
    from selenium.webdriver.common.by import By

    elements = driver.find_elements(By.CSS_SELECTOR, ".linked")
    assert all(e.get_attribute("data-symbol") for e in elements)
    return {e.get_attribute("data-symbol") for e in elements}, len(elements)


def count_with(driver, symbols: set[str]) -> int:
    return int(driver.execute_script(
        "var s=arguments[0];return Array.from(document.querySelectorAll('[data-symbol]'))"
        ".filter(function(e){return s.indexOf(e.getAttribute('data-symbol'))>=0;}).length;",
        sorted(symbols)))


def assert_quiet(driver, page_url: str) -> None:
    """No console error, no request other than the page itself."""
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert not errors, errors
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert set(urls) <= {page_url}, urls
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


@pytest.mark.parametrize("name", BROWSER_CASES)
def test_hover_marks_exactly_the_jacobian_neighbours(browser, tmp_path, name):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    d, links = open_page(browser, tmp_path, name, lang="zh" if name == "pool" else "en")
    symbols = d.to_dict()["symbols"]
    probes = [flat_names(symbols["input"])[-1], "_".join([CASES[name][2], *["1"] * d.forward_elems.ndim])]
    for role in ("kernel", "weight", "bias"):
        if role in symbols:
            probes.append(flat_names(symbols[role])[0])
    for symbol in probes:
        element = browser.find_element(By.CSS_SELECTOR, f'[data-symbol="{symbol}"]')
        ActionChains(browser).move_to_element(element).perform()
        want = {symbol} | links[symbol]
        got, count = linked(browser)
        assert got == want, symbol
        assert count == count_with(browser, want)  # every element showing them, nothing else
    assert_quiet(browser, (tmp_path / f"{name}.html").as_uri())


@pytest.mark.parametrize(("name", "probe", "tilde", "reads"), [
    ("conv", "x_2_2", "g", "y_"),
    ("conv_channels_stride", "x_1_1_2_2", "g", "y_1_1_"),  # the proof shows channel 1 of g
    ("deconv", "y_1_1", "x", "x_"),
])
def test_hover_shows_the_window_of_the_full_convolution(browser, tmp_path, name, probe, tilde, reads):
    # The window of g̃ (x̃ for deconv) that gives ∂L/∂x (y): its symbols are exactly the upstream
    # entries of the outputs that read x (the inputs y reads), by the Jacobian.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _, links = open_page(browser, tmp_path, name)
    ActionChains(browser).move_to_element(
        browser.find_element(By.CSS_SELECTOR, f'[data-symbol="{probe}"]')).perform()
    cells = browser.find_elements(By.CSS_SELECTOR, "td.window")
    assert cells
    shown = {e.get_attribute("data-symbol") for e in cells} - {None}
    want = {tilde + n[1:] for n in links[probe] if n.startswith(reads)}
    assert shown == want


def test_keyboard_focus_links_and_moves_on(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _, links = open_page(browser, tmp_path, "conv")
    browser.find_element(By.TAG_NAME, "h1").click()
    seen = []
    for _ in range(8):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        active = browser.switch_to.active_element
        symbol = active.get_attribute("data-symbol")
        if symbol:
            got, _ = linked(browser)
            assert got == {symbol} | links.get(symbol, set())
            seen.append(symbol)
    assert seen[:3] == ["x_1_1", "x_1_2", "x_1_3"]  # the set-up grid of x, row by row


def test_stepper_walks_the_flipped_kernel_proof(browser, tmp_path):
    from selenium.webdriver.common.by import By

    d, _ = open_page(browser, tmp_path, "conv")
    check = next(c for c in d.checks if c.name == "grad_input_equals_full_conv_rot180_kernel")
    (_, tilde), (_, k_rot) = check.detail["grids"][:2]
    windows = [(r, c) for r in range(tilde.shape[0] - k_rot.shape[0] + 1)
               for c in range(tilde.shape[1] - k_rot.shape[1] + 1)]
    names = d.table.names
    box = browser.find_element(By.CSS_SELECTOR, ".stepper")
    total = 4 + len(windows) + 1  # start, zeros, padding, rotation, windows, crop
    assert box.find_element(By.CSS_SELECTOR, ".count").text == f"Step 1 of {total}"
    proof = browser.find_element(By.CSS_SELECTOR, '[data-check="grad_input_equals_full_conv_rot180_kernel"]')
    tilde_grid = proof.find_elements(By.CSS_SELECTOR, "figure")[0]
    for step in range(2, total + 1):
        box.find_element(By.CSS_SELECTOR, ".next").click()
        assert box.find_element(By.CSS_SELECTOR, ".count").text == f"Step {step} of {total}"
        assert browser.find_elements(By.CSS_SELECTOR, ".step")
        if 5 <= step < 5 + len(windows):
            r, c = windows[step - 5]
            cells = tilde_grid.find_elements(By.CSS_SELECTOR, "td.step")
            want = {(r + a, c + b) for a in range(k_rot.shape[0]) for b in range(k_rot.shape[1])}
            assert {tuple(map(int, e.get_attribute("data-cell").split(","))) for e in cells} == want
            caption = box.find_element(By.CSS_SELECTOR, ".caption").text
            assert f"Window {r + 1},{c + 1}" in caption
            shown = {e.get_attribute("data-symbol") for e in cells} - {None}
            assert shown == {names[int(tilde[p])] for p in want if int(tilde[p]) != -1} - {None}
    box.find_element(By.CSS_SELECTOR, ".next").click()  # past the end: stays on the last step
    assert box.find_element(By.CSS_SELECTOR, ".count").text == f"Step {total} of {total}"
    assert "crop" in box.find_element(By.CSS_SELECTOR, ".caption").text
    assert_quiet(browser, (tmp_path / "conv.html").as_uri())


def test_stepper_walks_the_chain_rule_layer_by_layer(browser, tmp_path):
    from selenium.webdriver.common.by import By

    open_page(browser, tmp_path, "chain")  # depth 2
    box = browser.find_element(By.CSS_SELECTOR, ".stepper")
    written = []
    for step in range(7):
        if step:
            box.find_element(By.CSS_SELECTOR, ".next").click()
        table = browser.find_element(By.CSS_SELECTOR, "table.eqs.step")
        lhs = {e.get_attribute("data-symbol") for e in table.find_elements(By.CSS_SELECTOR, "td.lhs")}
        written.append({s.rsplit("_", 2)[0] for s in lhs})
    # a_2 then a_3 forward; the loss gradient d_2; layer 2's ∂L/∂k_2 and ∂L/∂a_2; then layer 1's
    assert written == [{"a_2"}, {"a_3"}, {"d_2"}, {"k_2"}, {"a_2"}, {"k_1"}, {"a_1"}]
    assert_quiet(browser, (tmp_path / "chain.html").as_uri())


def test_screenshot_is_not_blank(browser, tmp_path):
    from PIL import Image

    open_page(browser, tmp_path, "deconv")
    picture = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB")
    colours = picture.getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 10


def test_readme_screenshot_script_draws_the_page(browser, tmp_path):
    import subprocess
    import sys

    from PIL import Image

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(root / "examples" / "html_screenshot.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    picture = Image.open(tmp_path / "html.png").convert("RGB")
    assert picture.size[0] > 500
    assert (255, 211, 77) in {c for _, c in picture.getcolors(maxcolors=1 << 20) or []}  # a linked cell
