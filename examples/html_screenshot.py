"""The README's picture of the HTML page: a convolution with an output element hovered.

Writes ``html.png``: the page of ``gradsym conv --input 3x3 --kernel 2x2 --x arange --k
1,2,3,4 --show forward,grad --format html``, photographed in headless Chromium while the
mouse rests on y[1,1], so the inputs and kernel taps it reads are highlighted.

    python examples/html_screenshot.py docs      # what the README shows

Needs Chromium and its driver from the distribution (``apt-get install chromium
chromium-driver``) and ``pip install selenium``; nothing is downloaded.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import gradsym

CHROMEDRIVER = "/usr/bin/chromedriver"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "out"
    folder.mkdir(parents=True, exist_ok=True)
    d = gradsym.conv(input="3x3", kernel="2x2", x="arange", k="1,2,3,4")
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "conv.html"
        page.write_text(d.to_html(show=("forward", "grad")), encoding="utf-8")
        shoot(page, folder / "html.png")


def shoot(page: Path, picture: Path) -> None:
    """A screenshot of ``page`` with the mouse on the output element y[1,1]."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=980,900",
                "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(page.resolve().as_uri())
        output = driver.find_element(By.CSS_SELECTOR, 'td.lhs[data-symbol="y_1_1"]')
        ActionChains(driver).move_to_element(output).perform()
        picture.write_bytes(driver.get_screenshot_as_png())
        print(f"wrote {picture}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
